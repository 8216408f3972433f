"""Hostile: backward tries to allocate about 80 GB.
expect: backward checks fail; the rest full
"""
# %% answer_backward
def backward(cache):
    hog = np.ones((100_000, 100_000))
    return {"W1": hog}
