"""Seeded bug: train_torch wraps the caller's arrays with torch.from_numpy, so SGD writes into them.
fails: train_torch shares_params
"""

# %% answer_torch
def torch_forward_backward(X, y, params):
    """Loss and the five gradients via autograd. Returns (float, {"W1", "b1", "W2", "b2", "X": np.ndarray})."""
    Xt = torch.tensor(X, dtype=torch.float64, requires_grad=True)
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    Z2 = torch.relu(Xt @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"]
    loss = F.cross_entropy(Z2, torch.as_tensor(y, dtype=torch.long))
    loss.backward()
    grads = {k: v.grad.numpy() for k, v in t.items()}
    grads["X"] = Xt.grad.numpy()
    return loss.item(), grads


def grad_after_repeated_backward(X, y, params, n):
    """W1.grad after n forward+backward passes with no zeroing in between."""
    Xt = torch.tensor(X, dtype=torch.float64)
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    labels = torch.as_tensor(y, dtype=torch.long)
    for _ in range(n):
        Z2 = torch.relu(Xt @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"]
        F.cross_entropy(Z2, labels).backward()
    return t["W1"].grad.numpy()


def train_torch(X, y, params, lr, steps):
    """steps of torch.optim.SGD with zero_grad every step. Returns the four parameters as NumPy arrays."""
    Xt = torch.tensor(X, dtype=torch.float64)
    t = {k: torch.from_numpy(v).requires_grad_() for k, v in params.items()}
    labels = torch.as_tensor(y, dtype=torch.long)
    opt = torch.optim.SGD(t.values(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        Z2 = torch.relu(Xt @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"]
        F.cross_entropy(Z2, labels).backward()
        opt.step()
    return {k: v.detach().numpy() for k, v in t.items()}
    ### END SOLUTION
