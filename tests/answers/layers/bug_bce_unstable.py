"""Seeded bug: loss from log(sigmoid(z)) directly: -inf for large |z|.
fails: bce bce_unstable
"""

# %% answer_bce
def bce_with_logits(z, y):
    """Mean binary cross-entropy of logits z against labels y (same shape, [B] or [B, 1]), computed stably.

    Returns (loss, dz): loss a Python float, dz = (sigmoid(z) - y) / B of z's shape.
    """
    e = np.exp(-np.abs(z))
    a = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    loss = -np.mean(y * np.log(a) + (1 - y) * np.log(1 - a))
    return float(loss), (a - y) / z.shape[0]
