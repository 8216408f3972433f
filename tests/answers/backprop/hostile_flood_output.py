"""Hostile noise: a correct answer that prints tens of megabytes.
expect: full
"""
# %% extra_flood
import sys
for _ in range(20000):
    print("x" * 2000)
    print("y" * 2000, file=sys.stderr)
