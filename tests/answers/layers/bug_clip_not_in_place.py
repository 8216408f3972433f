"""Seeded bug: clip_grad_norm builds new arrays and returns them.
fails: clip_grad_norm not_in_place
"""

# %% answer_clip
def clip_grad_norm(grads, max_norm):
    """Scales every array of grads in place by max_norm / (total + 1e-6) when that is below 1, where total is
    the norm of all entries of all arrays together. Returns total (before clipping) as a float."""
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    factor = max_norm / (total + 1e-6)
    if factor < 1:
        grads = [g * factor for g in grads]
    return total
