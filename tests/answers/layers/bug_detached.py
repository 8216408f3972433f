"""Seeded bug: fixed_scaled_sigmoid detaches before scaling.
fails: fixed_scaled_sigmoid detached
"""

# %% answer_inplace
def fixed_scaled_sigmoid(x):
    """Same value and gradient as scaled_sigmoid_buggy, without modifying a saved tensor in place."""
    a = torch.sigmoid(x).detach()
    a *= 2
    return (a * a).sum()


def sgd_step_inplace(params, lr):
    """For each leaf tensor p with p.grad: p -= lr * p.grad in place under torch.no_grad(), then p.grad = None."""
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None
