"""A correct answer in another style: a loop over a flattened copy.
style: loop
"""
# %% answer_square
def square(x):
    out = np.array(x, dtype=float, copy=True)
    flat = out.reshape(-1)
    for i in range(flat.size):
        flat[i] = flat[i] ** 2
    return out
