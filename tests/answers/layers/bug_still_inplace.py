"""Seeded bug: fixed_scaled_sigmoid still scales in place.
fails: fixed_scaled_sigmoid still_inplace
"""

# %% answer_inplace
def fixed_scaled_sigmoid(x):
    """Same value and gradient as scaled_sigmoid_buggy, without modifying a saved tensor in place."""
    a = torch.sigmoid(x)
    a.mul_(2)
    return (a * a).sum()


def sgd_step_inplace(params, lr):
    """For each leaf tensor p with p.grad: p -= lr * p.grad in place under torch.no_grad(), then p.grad = None."""
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None
