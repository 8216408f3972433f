"""Seeded bug: a placeholder backward that returns arrays of the right shapes but no gradients.
fails: backward_batch_scaling wrong_value
fails: backward_pure wrong_value
fails: backward_vectorized wrong_value
"""
# %% answer_backward
def backward(cache):
    return {"W1": cache["W1"].copy(), "b1": np.ones(cache["W1"].shape[1]), "W2": cache["W2"].copy(),
            "b2": np.ones(cache["W2"].shape[1]), "X": cache["X"].copy()}
