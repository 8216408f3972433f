"""Seeded bug: softmax and cross-entropy exponentiate raw logits (overflow at 1e4).
fails: softmax naive_softmax
fails: cross_entropy naive_softmax
"""

# %% answer_activations
def relu(Z):
    """Elementwise ReLU. Z: any shape. Returns an array of the same shape."""
    return np.maximum(Z, 0.0)


def softmax(Z):
    """Row-wise, numerically stable softmax. Z: [B, C] logits. Returns [B, C] probabilities."""
    e = np.exp(Z)
    return e / e.sum(axis=1, keepdims=True)


def cross_entropy(logits, y):
    """Mean softmax cross-entropy. logits: [B, C] raw scores, y: [B] integer labels. Returns a float."""
    log_probs = np.log(softmax(logits))
    return float(-log_probs[np.arange(len(y)), y].mean())
    ### END SOLUTION
