"""Broken: functions return the wrong types (lists, tensors, strings)."""
# %% answer_backward
def backward(cache):
    return [cache["X"], cache["Z1"]]
# %% answer_torch
def torch_forward_backward(X, y, params):
    t = torch.tensor(X, requires_grad=True)
    return t.sum(), {"W1": t}


def grad_after_repeated_backward(X, y, params, n):
    return "W1.grad"


def train_torch(X, y, params, lr, steps):
    return None
