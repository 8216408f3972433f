"""Seeded bug: l2_penalty with the norm, not its square.
fails: l2_penalty l2_norm_not_squared
"""

# %% answer_weight_decay
def l2_penalty(weights, lam):
    """lam / 2 * sum of ||W||_F^2 over the list of weight arrays, as a float."""
    return float(lam / 2 * sum(np.linalg.norm(W) for W in weights))


def add_weight_decay(model, lam):
    """After backward: every Linear's dW += lam * W, in place. Biases and other layers untouched. Returns None."""
    for layer in model.layers:
        if hasattr(layer, "W"):
            layer.dW += lam * layer.W
