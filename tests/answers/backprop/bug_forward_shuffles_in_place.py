"""Seeded bug: forward shuffles the caller's batch in place (the mean loss is unchanged, the caller's X is not).
fails: forward_loss modifies_argument
"""

# %% answer_forward
def forward(X, y, params):
    """Forward pass of the two-layer network.

    X: [B, D], y: [B] integer labels, params: {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C]}.
    Returns (loss, cache): loss is a float (the mean cross-entropy), cache is what backward needs.
    """
    order = np.random.default_rng(0).permutation(len(y))
    X[...], y = X[order], np.asarray(y)[order]
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    Z1 = X @ W1 + b1
    H1 = relu(Z1)
    Z2 = H1 @ W2 + b2
    loss = cross_entropy(Z2, y)
    cache = {"X": X, "y": y, "Z1": Z1, "H1": H1, "P": softmax(Z2), "W1": W1, "W2": W2}
    return loss, cache
