"""Seeded bug: add_weight_decay returns new gradients instead of changing the layers.
fails: weight_decay_grad not_in_place
"""

# %% answer_weight_decay
def l2_penalty(weights, lam):
    """lam / 2 * sum of ||W||_F^2 over the list of weight arrays, as a float."""
    return float(lam / 2 * sum(np.sum(W * W) for W in weights))


def add_weight_decay(model, lam):
    """After backward: every Linear's dW += lam * W, in place. Biases and other layers untouched. Returns None."""
    return [layer.dW + lam * layer.W for layer in model.layers if hasattr(layer, "W")]
