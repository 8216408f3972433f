"""Seeded bug: add_weight_decay decays the biases too.
fails: weight_decay_grad decays_bias
"""

# %% answer_weight_decay
def l2_penalty(weights, lam):
    """lam / 2 * sum of ||W||_F^2 over the list of weight arrays, as a float."""
    return float(lam / 2 * sum(np.sum(W * W) for W in weights))


def add_weight_decay(model, lam):
    """After backward: every Linear's dW += lam * W, in place. Biases and other layers untouched. Returns None."""
    for layer in model.layers:
        if hasattr(layer, "W"):
            layer.dW += lam * layer.W
            layer.db += lam * layer.b
