"""Hostile: backward dereferences a null pointer (a real segmentation fault).
expect: backward checks crash; the rest full
"""
# %% answer_backward
import ctypes


def backward(cache):
    ctypes.string_at(0)
