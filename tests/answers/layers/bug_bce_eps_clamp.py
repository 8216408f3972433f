"""Seeded bug: seed 003's loss: -log(sigmoid(z) + 1e-8).
fails: bce bce_eps_clamp
"""

# %% answer_bce
def bce_with_logits(z, y):
    """Mean binary cross-entropy of logits z against labels y (same shape, [B] or [B, 1]), computed stably.

    Returns (loss, dz): loss a Python float, dz = (sigmoid(z) - y) / B of z's shape.
    """
    e = np.exp(-np.abs(z))
    a = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    loss = -np.mean(y * np.log(a + 1e-8) + (1 - y) * np.log(1 - a + 1e-8))
    return float(loss), (a - y) / z.shape[0]
