"""Seeded bug: doubles instead of squaring.
fails: square_values doubled
"""
# %% answer_square
def square(x):
    return 2 * x
