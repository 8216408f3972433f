"""Hostile: a cell ends the process while the notebook runs.
expect: zero; crashed
"""
# %% extra_exit
import os
os._exit(0)
