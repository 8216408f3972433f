"""Seeded bug: cross_entropy indexes log_probs[:, y], a [B, B] block, instead of one entry per row.
fails: cross_entropy column_index
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
    return float(-log_probs[:, y].mean())
    ### END SOLUTION
