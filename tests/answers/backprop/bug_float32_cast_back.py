"""Seeded bug: backward computes in float32, then casts its gradients back to float64.
fails: backward_shapes float32
"""

# %% answer_backward
def backward(cache):
    """Gradients of the mean loss. cache: what forward returned.

    Returns {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C], "X": [B, D]}.
    """
    X, y, Z1, H1, P = (np.asarray(cache[k], dtype=np.float32) if k != "y" else cache[k] for k in ("X", "y", "Z1", "H1", "P"))
    B = X.shape[0]
    dZ2 = P.copy()
    dZ2[np.arange(B), y] -= 1.0
    dZ2 /= B
    dH1 = dZ2 @ cache["W2"].T.astype(np.float32)
    dZ1 = dH1 * (Z1 > 0)
    grads = {"W2": H1.T @ dZ2, "b2": dZ2.sum(axis=0),
             "W1": X.T @ dZ1, "b1": dZ1.sum(axis=0), "X": dZ1 @ cache["W1"].T.astype(np.float32)}
    return {k: v.astype(np.float64) for k, v in grads.items()}
    ### END SOLUTION
