"""Seeded bug: F.cross_entropy is given softmax probabilities instead of raw logits.
fails: torch_forward_backward probs_into_ce
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
    Z2 = torch.relu(Xt @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"]
    loss = F.cross_entropy(torch.softmax(Z2, dim=1), torch.as_tensor(y, dtype=torch.long))
    loss.backward()
    grads = {k: v.grad.numpy() for k, v in t.items()}
    grads["X"] = Xt.grad.numpy()
    return loss.item(), grads


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
