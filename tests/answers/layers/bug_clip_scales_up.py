"""Seeded bug: clip_grad_norm always rescales to max_norm.
fails: clip_grad_norm clip_scales_up
"""

# %% answer_clip
def clip_grad_norm(grads, max_norm):
    """Scales every array of grads in place by max_norm / (total + 1e-6) when that is below 1, where total is
    the norm of all entries of all arrays together. Returns total (before clipping) as a float."""
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    factor = max_norm / (total + 1e-6)
    if True:
        for g in grads:
            g *= factor
    return total
