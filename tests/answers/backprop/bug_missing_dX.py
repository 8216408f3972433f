"""Seeded bug: backward returns the parameter gradients but not dX.
fails: backward_shapes missing_key
fails: backward_X missing_dX
"""

# %% answer_backward
def backward(cache):
    """Gradients of the mean loss. cache: what forward returned.

    Returns {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C], "X": [B, D]}.
    """
    X, y, Z1, H1, P = cache["X"], cache["y"], cache["Z1"], cache["H1"], cache["P"]
    B = X.shape[0]
    dZ2 = P.copy()
    dZ2[np.arange(B), y] -= 1.0
    dZ2 /= B
    dH1 = dZ2 @ cache["W2"].T
    dZ1 = dH1 * (Z1 > 0)
    return {"W2": H1.T @ dZ2, "b2": dZ2.sum(axis=0),
            "W1": X.T @ dZ1, "b1": dZ1.sum(axis=0)}
    ### END SOLUTION
