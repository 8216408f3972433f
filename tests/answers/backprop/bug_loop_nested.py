"""Seeded bug: forward and backward multiply matrices by hand, one entry at a time, in nested Python loops over
the examples and the units: right, but far too slow to train.
fails: backward_vectorized loop_over_examples
fails: train_xor too_slow
"""

# %% answer_forward
def forward(X, y, params):
    """Forward pass of the two-layer network.

    X: [B, D], y: [B] integer labels, params: {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C]}.
    Returns (loss, cache): loss is a float (the mean cross-entropy), cache is what backward needs.
    """
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    (B, D), (H, C) = X.shape, W2.shape
    Z1, Z2 = np.zeros((B, H)), np.zeros((B, C))
    for i in range(B):
        for j in range(H):
            Z1[i, j] = b1[j]
            for d in range(D):
                Z1[i, j] += X[i, d] * W1[d, j]
    H1 = relu(Z1)
    for i in range(B):
        for c in range(C):
            Z2[i, c] = b2[c]
            for j in range(H):
                Z2[i, c] += H1[i, j] * W2[j, c]
    loss = cross_entropy(Z2, y)
    cache = {"X": X, "y": y, "Z1": Z1, "H1": H1, "P": softmax(Z2), "W1": W1, "W2": W2}
    return loss, cache
    ### END SOLUTION


# %% answer_backward
def backward(cache):
    """Gradients of the mean loss. cache: what forward returned.

    Returns {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C], "X": [B, D]}.
    """
    X, y, Z1, H1, P = cache["X"], cache["y"], cache["Z1"], cache["H1"], cache["P"]
    W1, W2 = cache["W1"], cache["W2"]
    (B, D), (H, C) = X.shape, W2.shape
    dZ2 = P.copy()
    dZ2[np.arange(B), y] -= 1.0
    dZ2 /= B
    g = {"W1": np.zeros((D, H)), "b1": np.zeros(H), "W2": np.zeros((H, C)), "b2": np.zeros(C),
         "X": np.zeros((B, D))}
    for i in range(B):
        for c in range(C):
            g["b2"][c] += dZ2[i, c]
        for j in range(H):
            dz1 = 0.0
            for c in range(C):
                g["W2"][j, c] += H1[i, j] * dZ2[i, c]
                dz1 += W2[j, c] * dZ2[i, c]
            if Z1[i, j] <= 0:
                dz1 = 0.0
            g["b1"][j] += dz1
            for d in range(D):
                g["W1"][d, j] += X[i, d] * dz1
                g["X"][i, d] += W1[d, j] * dz1
    return g
    ### END SOLUTION
