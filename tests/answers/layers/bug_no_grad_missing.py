"""Seeded bug: sgd_step_inplace updates the leaves outside torch.no_grad().
fails: sgd_step_inplace no_grad_missing
"""

# %% answer_inplace
def fixed_scaled_sigmoid(x):
    """Same value and gradient as scaled_sigmoid_buggy, without modifying a saved tensor in place."""
    a = torch.sigmoid(x)
    a = a * 2
    return (a * a).sum()


def sgd_step_inplace(params, lr):
    """For each leaf tensor p with p.grad: p -= lr * p.grad in place under torch.no_grad(), then p.grad = None."""
    for p in params:
        p -= lr * p.grad
        p.grad = None
