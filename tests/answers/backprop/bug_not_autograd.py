"""Seeded bug: the torch part computes the gradients by hand instead of with autograd.
fails: torch_forward_backward not_autograd
"""

# %% answer_torch
def _leaves(X, params):
    """X and the parameters as float64 leaf tensors that record gradients."""
    as_leaf = lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True)
    return as_leaf(X), {k: as_leaf(v) for k, v in params.items()}


def _torch_loss(X, y, t):
    Z2 = torch.relu(X @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"]
    return F.cross_entropy(Z2, torch.as_tensor(y, dtype=torch.long))


def torch_forward_backward(X, y, params):
    """Loss and the five gradients via autograd. Returns (float, {"W1", "b1", "W2", "b2", "X": np.ndarray})."""
    Xt, t = _leaves(X, params)
    with torch.no_grad():
        Z1 = Xt @ t["W1"] + t["b1"]
        H1 = torch.relu(Z1)
        Z2 = H1 @ t["W2"] + t["b2"]
        loss = F.cross_entropy(Z2, torch.as_tensor(y, dtype=torch.long))
        dZ2 = (torch.softmax(Z2, 1) - F.one_hot(torch.as_tensor(y), Z2.shape[1])) / len(y)
        dZ1 = (dZ2 @ t["W2"].T) * (Z1 > 0)
        grads = {"W1": Xt.T @ dZ1, "b1": dZ1.sum(0), "W2": H1.T @ dZ2, "b2": dZ2.sum(0), "X": dZ1 @ t["W1"].T}
    return loss.item(), {k: v.numpy() for k, v in grads.items()}


def grad_after_repeated_backward(X, y, params, n):
    """W1.grad after n forward+backward passes with no zeroing in between."""
    Xt, t = _leaves(X, params)
    for _ in range(n):
        _torch_loss(Xt, y, t).backward()
    return t["W1"].grad.numpy()


def train_torch(X, y, params, lr, steps):
    """steps of torch.optim.SGD with zero_grad every step. Returns the four parameters as NumPy arrays."""
    Xt, t = _leaves(X, params)
    opt = torch.optim.SGD(t.values(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        _torch_loss(Xt, y, t).backward()
        opt.step()
    return {k: v.detach().numpy() for k, v in t.items()}
    ### END SOLUTION
