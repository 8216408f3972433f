"""Seeded bug: he_normal draws from a uniform of the right variance.
fails: he_normal uniform_not_normal
"""

# %% answer_init
def xavier_uniform(fan_in, fan_out, rng):
    """W [fan_in, fan_out] from U(-a, a), a = sqrt(6 / (fan_in + fan_out))."""
    a = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))


def he_normal(fan_in, fan_out, rng):
    """W [fan_in, fan_out] from N(0, 2 / fan_in)."""
    a = np.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=(fan_in, fan_out))
