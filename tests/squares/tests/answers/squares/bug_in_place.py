"""Seeded bug: squares its argument in place.
fails: square_pure in_place
"""
# %% answer_square
def square(x):
    x *= x
    return x
