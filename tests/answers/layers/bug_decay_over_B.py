"""Seeded bug: add_weight_decay divides by the batch size (the lam / (2m) convention).
fails: weight_decay_grad l2_over_B
"""

# %% answer_weight_decay
def l2_penalty(weights, lam):
    """lam / 2 * sum of ||W||_F^2 over the list of weight arrays, as a float."""
    return float(lam / 2 * sum(np.sum(W * W) for W in weights))


def add_weight_decay(model, lam):
    """After backward: every Linear's dW += lam * W, in place. Biases and other layers untouched. Returns None."""
    for layer in model.layers:
        if hasattr(layer, "W"):
            layer.dW += lam / layer.x.shape[0] * layer.W
