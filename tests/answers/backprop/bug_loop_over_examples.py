"""Seeded bug: backward accumulates the gradients one example at a time in a Python loop.
fails: backward_vectorized loop_over_examples
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
    W1, W2 = cache["W1"], cache["W2"]
    g = {"W1": np.zeros_like(W1), "b1": np.zeros(W1.shape[1]), "W2": np.zeros_like(W2),
         "b2": np.zeros(W2.shape[1]), "X": np.zeros_like(X)}
    for i in range(B):
        dz2 = dZ2[i]
        g["W2"] += np.outer(H1[i], dz2)
        g["b2"] += dz2
        dz1 = (W2 @ dz2) * (Z1[i] > 0)
        g["W1"] += np.outer(X[i], dz1)
        g["b1"] += dz1
        g["X"][i] = W1 @ dz1
    return g
    ### END SOLUTION
