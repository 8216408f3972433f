"""Broken: the backward cell has a syntax error, so backward is never defined."""
# %% answer_backward
def backward(cache)
    return {}
