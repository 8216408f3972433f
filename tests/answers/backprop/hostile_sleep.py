"""Hostile: forward sleeps for an hour.
expect: forward checks time out
"""
# %% answer_forward
import time


def forward(X, y, params):
    time.sleep(3600)
