"""Seeded bug: forward caches probabilities from a plain np.exp, which overflows for large logits.
fails: backward_stable unstable_backward
"""

# %% answer_forward
def forward(X, y, params):
    """Forward pass of the two-layer network.

    X: [B, D], y: [B] integer labels, params: {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C]}.
    Returns (loss, cache): loss is a float (the mean cross-entropy), cache is what backward needs.
    """
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    Z1 = X @ W1 + b1
    H1 = relu(Z1)
    Z2 = H1 @ W2 + b2
    loss = cross_entropy(Z2, y)
    cache = {"X": X, "y": y, "Z1": Z1, "H1": H1, "P": np.exp(Z2) / np.exp(Z2).sum(axis=1, keepdims=True), "W1": W1, "W2": W2}
    return loss, cache
    ### END SOLUTION
