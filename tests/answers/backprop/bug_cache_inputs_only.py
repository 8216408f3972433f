"""Seeded bug: forward caches only its inputs; backward recomputes the activations.
fails: forward_cache cache_incomplete
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
    cache = {"X": X, "y": y, "params": params}
    return loss, cache
    ### END SOLUTION

# %% answer_backward
def backward(cache):
    """Gradients of the mean loss. cache: what forward returned.

    Returns {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C], "X": [B, D]}.
    """
    X, y, p = cache["X"], cache["y"], cache["params"]
    Z1 = X @ p["W1"] + p["b1"]
    H1 = relu(Z1)
    P = softmax(H1 @ p["W2"] + p["b2"])
    cache = dict(cache, W1=p["W1"], W2=p["W2"])
    B = X.shape[0]
    dZ2 = P.copy()
    dZ2[np.arange(B), y] -= 1.0
    dZ2 /= B
    dH1 = dZ2 @ cache["W2"].T
    dZ1 = dH1 * (Z1 > 0)
    return {"W2": H1.T @ dZ2, "b2": dZ2.sum(axis=0),
            "W1": X.T @ dZ1, "b1": dZ1.sum(axis=0), "X": dZ1 @ cache["W1"].T}
    ### END SOLUTION
