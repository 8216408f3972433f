"""A correct answer whose cache is read-only: a MappingProxyType over the activations, kept in an object array.
style: read-only mapping cache, object array

forward puts Z1, H1 and softmax(Z2) into a NumPy object array and exposes it, with the inputs and weights,
through types.MappingProxyType, so nothing can be written into the cache. The labels are turned into int32
before use. Part 3 builds its labels from int32 with .long(); Part 4 draws all four parameters in turn
(W1, b1, W2, b2) from one generator, with small uniform biases.
"""
# %% answer_forward
import types


def forward(X, y, params):
    """Forward pass of the two-layer network.

    X: [B, D], y: [B] integer labels, params: {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C]}.
    Returns (loss, cache): loss is a float (the mean cross-entropy), cache is what backward needs.
    """
    Z1 = np.dot(X, params["W1"]) + params["b1"]
    H1 = relu(Z1)
    Z2 = np.dot(H1, params["W2"]) + params["b2"]
    acts = np.empty(3, dtype=object)
    acts[0], acts[1], acts[2] = Z1, H1, softmax(Z2)
    cache = types.MappingProxyType({"X": X, "y": np.asarray(y, dtype=np.int32), "acts": acts,
                                    "W1": params["W1"], "W2": params["W2"]})
    return cross_entropy(Z2, y), cache

# %% answer_backward
def backward(cache):
    """Gradients of the mean loss. cache: what forward returned.

    Returns {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C], "X": [B, D]}.
    """
    Z1, H1, P = cache["acts"]
    y = cache["y"]
    B = len(y)
    dZ2 = P.copy()
    np.subtract.at(dZ2, (np.arange(B), y), 1.0)
    dZ2 *= 1.0 / B
    dZ1 = np.dot(dZ2, cache["W2"].T) * (Z1 > 0)
    return {"W1": np.dot(cache["X"].T, dZ1), "b1": dZ1.sum(axis=0), "W2": np.dot(H1.T, dZ2),
            "b2": dZ2.sum(axis=0), "X": np.dot(dZ1, cache["W1"].T)}

# %% answer_torch
def _forward_torch(Xt, t, y):
    logits = F.linear(F.relu(F.linear(Xt, t["W1"].T, t["b1"])), t["W2"].T, t["b2"])
    return F.cross_entropy(logits, torch.from_numpy(np.asarray(y, dtype=np.int32)).long())


def _leaves(params):
    return {k: torch.tensor(params[k], dtype=torch.float64).requires_grad_(True) for k in ("W1", "b1", "W2", "b2")}


def torch_forward_backward(X, y, params):
    """Loss and the five gradients via autograd. Returns (float, {"W1", "b1", "W2", "b2", "X": np.ndarray})."""
    t = _leaves(params)
    Xt = torch.tensor(X, dtype=torch.float64).requires_grad_(True)
    loss = _forward_torch(Xt, t, y)
    loss.backward()
    out = {k: v.grad.detach().numpy() for k, v in t.items()}
    out["X"] = Xt.grad.detach().numpy()
    return loss.item(), out


def grad_after_repeated_backward(X, y, params, n):
    """W1.grad after n forward+backward passes with no zeroing in between."""
    t = _leaves(params)
    Xt = torch.tensor(X, dtype=torch.float64)
    for _ in range(n):
        _forward_torch(Xt, t, y).backward()
    return t["W1"].grad.detach().numpy()


def train_torch(X, y, params, lr, steps):
    """steps of torch.optim.SGD with zero_grad every step. Returns the four parameters as NumPy arrays."""
    t = _leaves(params)
    Xt = torch.tensor(X, dtype=torch.float64)
    opt = torch.optim.SGD(t.values(), lr)
    for _ in range(steps):
        opt.zero_grad()
        _forward_torch(Xt, t, y).backward()
        opt.step()
    return {k: v.detach().numpy().copy() for k, v in t.items()}

# %% answer_training
def init_params(D, H, C, seed=0):
    """Random params {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C]}, deterministic in seed."""
    rng = np.random.default_rng(seed)
    W1 = rng.uniform(-1, 1, size=(D, H)) * np.sqrt(3.0 / D)
    b1 = rng.uniform(-0.1, 0.1, size=H)
    W2 = rng.uniform(-1, 1, size=(H, C)) * np.sqrt(3.0 / H)
    b2 = rng.uniform(-0.1, 0.1, size=C)
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


def sgd_step(params, grads, lr):
    """One gradient-descent step, in place: params[k] -= lr * grads[k]."""
    for k in ("W1", "b1", "W2", "b2"):
        params[k] -= np.multiply(lr, grads[k])


def train(X, y, hidden=8, lr=0.5, iters=3000, seed=0):
    """Full-batch gradient descent. Returns (params, losses)."""
    y = np.asarray(y, dtype=np.int32)
    params = init_params(X.shape[1], hidden, int(y.max()) + 1, seed=seed)
    losses = np.zeros(iters)
    for step in range(iters):
        losses[step], cache = forward(X, y, params)
        sgd_step(params, backward(cache), lr)
    return params, losses.tolist()


def predict(X, params):
    """Predicted class of each row of X: an integer array [B]."""
    hidden = relu(np.dot(X, params["W1"]) + params["b1"])
    return np.argmax(np.dot(hidden, params["W2"]) + params["b2"], axis=1).astype(np.int32)
