"""Seeded bug: cross_entropy averages over all B * C entries of -onehot * log_probs.
fails: cross_entropy mean_over_classes
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
    return float(-(np.eye(logits.shape[1])[y] * log_probs).mean())
    ### END SOLUTION
