"""Seeded bug: labels treated as 1-based (y - 1) in the loss and in dZ2.
fails: cross_entropy off_by_one_labels
fails: backward_W2 off_by_one_labels
"""

# %% answer_activations
def relu(Z):
    """Elementwise ReLU. Z: any shape. Returns an array of the same shape."""
    return np.maximum(Z, 0.0)


def softmax(Z):
    """Row-wise, numerically stable softmax. Z: [B, C] logits. Returns [B, C] probabilities."""
    shifted = Z - Z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def cross_entropy(logits, y):
    """Mean softmax cross-entropy. logits: [B, C] raw scores, y: [B] integer labels. Returns a float."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(len(y)), y - 1].mean())
    ### END SOLUTION

# %% answer_backward
def backward(cache):
    """Gradients of the mean loss. cache: what forward returned.

    Returns {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C], "X": [B, D]}.
    """
    X, y, Z1, H1, P = cache["X"], cache["y"], cache["Z1"], cache["H1"], cache["P"]
    B = X.shape[0]
    dZ2 = P.copy()
    dZ2[np.arange(B), y - 1] -= 1.0
    dZ2 /= B
    dH1 = dZ2 @ cache["W2"].T
    dZ1 = dH1 * (Z1 > 0)
    return {"W2": H1.T @ dZ2, "b2": dZ2.sum(axis=0),
            "W1": X.T @ dZ1, "b1": dZ1.sum(axis=0), "X": dZ1 @ cache["W1"].T}
    ### END SOLUTION
