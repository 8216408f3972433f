"""Seeded bug: xavier_uniform's bound uses fan_in only.
fails: xavier_uniform xavier_fan_in_only
"""

# %% answer_init
def xavier_uniform(fan_in, fan_out, rng):
    """W [fan_in, fan_out] from U(-a, a), a = sqrt(6 / (fan_in + fan_out))."""
    a = np.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=(fan_in, fan_out))


def he_normal(fan_in, fan_out, rng):
    """W [fan_in, fan_out] from N(0, 2 / fan_in)."""
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
