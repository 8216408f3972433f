"""A correct answer that backpropagates through an explicit Jacobian, with a namedtuple cache and an nn.Module.
style: softmax Jacobian, namedtuple cache, nn.Module

backward builds the Jacobian of log-softmax for every row, J[b] = I - 1 softmax(Z2[b])^T ([B, C, C]), and
applies it to the gradient of the loss with respect to the log-probabilities (-onehot(y) / B) with einsum,
instead of using the shortcut softmax - onehot. The cache is a namedtuple. Part 3 wraps the network in a
torch.nn.Module whose parameters are float64 nn.Parameters.
"""
# %% answer_forward
from collections import namedtuple

Cache = namedtuple("Cache", "X y Z1 H1 Z2 W1 W2")


def forward(X, y, params):
    """Forward pass of the two-layer network.

    X: [B, D], y: [B] integer labels, params: {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C]}.
    Returns (loss, cache): loss is a float (the mean cross-entropy), cache is what backward needs.
    """
    Z1 = X @ params["W1"] + params["b1"]
    H1 = relu(Z1)
    Z2 = H1 @ params["W2"] + params["b2"]
    return cross_entropy(Z2, y), Cache(X, y, Z1, H1, Z2, params["W1"], params["W2"])

# %% answer_backward
def backward(cache):
    """Gradients of the mean loss. cache: what forward returned.

    Returns {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C], "X": [B, D]}.
    """
    X, y, Z1, H1, Z2, W1, W2 = cache
    B, C = Z2.shape
    P = softmax(Z2)
    J = np.eye(C)[None, :, :] - P[:, None, :]            # J[b, i, j] = d log p_i / d z_j
    dlogp = -np.eye(C)[y] / B                             # d loss / d log p   [B, C]
    dZ2 = np.einsum("bi,bij->bj", dlogp, J)
    dZ1 = (dZ2 @ W2.T) * (Z1 > 0)
    return {"W1": X.T @ dZ1, "b1": dZ1.sum(0), "W2": H1.T @ dZ2, "b2": dZ2.sum(0), "X": dZ1 @ W1.T}

# %% answer_torch
class MLP(torch.nn.Module):
    """The two-layer network with the given parameters, as float64 nn.Parameters."""

    def __init__(self, params):
        super().__init__()
        for k in ("W1", "b1", "W2", "b2"):
            self.register_parameter(k, torch.nn.Parameter(torch.tensor(params[k], dtype=torch.float64)))

    def forward(self, X):
        return torch.relu(X @ self.W1 + self.b1) @ self.W2 + self.b2


def torch_forward_backward(X, y, params):
    """Loss and the five gradients via autograd. Returns (float, {"W1", "b1", "W2", "b2", "X": np.ndarray})."""
    net = MLP(params)
    Xt = torch.tensor(X, dtype=torch.float64, requires_grad=True)
    loss = torch.nn.CrossEntropyLoss()(net(Xt), torch.tensor(y, dtype=torch.long))
    loss.backward()
    grads = {name: p.grad.numpy() for name, p in net.named_parameters()}
    grads["X"] = Xt.grad.numpy()
    return loss.item(), grads


def grad_after_repeated_backward(X, y, params, n):
    """W1.grad after n forward+backward passes with no zeroing in between."""
    net = MLP(params)
    Xt, labels = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.long)
    for _ in range(n):
        F.cross_entropy(net(Xt), labels).backward()
    return net.W1.grad.numpy().copy()


def train_torch(X, y, params, lr, steps):
    """steps of torch.optim.SGD with zero_grad every step. Returns the four parameters as NumPy arrays."""
    net = MLP(params)
    Xt, labels = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.long)
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    for _ in range(steps):
        net.zero_grad()
        F.cross_entropy(net(Xt), labels).backward()
        opt.step()
    return {name: p.detach().numpy().copy() for name, p in net.named_parameters()}
