"""Seeded bug: dz without the 1/B.
fails: bce missing_inv_B
"""

# %% answer_bce
def bce_with_logits(z, y):
    """Mean binary cross-entropy of logits z against labels y (same shape, [B] or [B, 1]), computed stably.

    Returns (loss, dz): loss a Python float, dz = (sigmoid(z) - y) / B of z's shape.
    """
    loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
    e = np.exp(-np.abs(z))
    a = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return float(loss), a - y
