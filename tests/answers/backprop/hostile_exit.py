"""Hostile: backward ends its own process.
expect: backward checks crash; the rest full
"""
# %% answer_backward
import os


def backward(cache):
    os._exit(3)
