"""Seeded bug: bce_with_logits applies the sigmoid to z first, then treats the result as logits.
fails: bce bce_on_probs
"""

# %% answer_bce
def bce_with_logits(z, y):
    """Mean binary cross-entropy of logits z against labels y (same shape, [B] or [B, 1]), computed stably.

    Returns (loss, dz): loss a Python float, dz = (sigmoid(z) - y) / B of z's shape.
    """
    z = 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))
    loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
    e = np.exp(-np.abs(z))
    a = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return float(loss), (a - y) / z.shape[0]
