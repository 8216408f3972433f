"""Seeded bug: clip_grad_norm clips each array to max_norm separately.
fails: clip_grad_norm clip_per_tensor
"""

# %% answer_clip
def clip_grad_norm(grads, max_norm):
    """Scales every array of grads in place by max_norm / (total + 1e-6) when that is below 1, where total is
    the norm of all entries of all arrays together. Returns total (before clipping) as a float."""
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    factor = max_norm / (total + 1e-6)
    for g in grads:
        n = np.sqrt(np.sum(g * g))
        if n > max_norm:
            g *= max_norm / (n + 1e-6)
    return total
