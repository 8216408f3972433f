"""A correct answer that works column-major: examples are columns, so the cached activations are [H, B].
style: column-major (transposed) activations

forward computes Z1.T = W1.T @ X.T + b1[:, None] and keeps Z1T [H, B], H1T [H, B] and PT [C, B] in a
dict; backward works with the transposed quantities throughout and transposes only the gradients it
returns. Part 3 keeps the torch computation column-major too; Part 4 initialises from uniform
distributions with He scale.
"""
# %% answer_activations
def relu(Z):
    """Elementwise ReLU. Z: any shape. Returns an array of the same shape."""
    out = np.array(Z, dtype=np.float64, copy=True)
    out[out < 0] = 0.0
    return out


def softmax(Z):
    """Row-wise, numerically stable softmax. Z: [B, C] logits. Returns [B, C] probabilities."""
    ZT = Z.T                                      # classes down the columns
    e = np.exp(ZT - ZT.max(axis=0))
    return (e / e.sum(axis=0)).T


def cross_entropy(logits, y):
    """Mean softmax cross-entropy. logits: [B, C] raw scores, y: [B] integer labels. Returns a float."""
    ZT = logits.T
    m = ZT.max(axis=0)
    lse = m + np.log(np.exp(ZT - m).sum(axis=0))
    return float(np.mean(lse - ZT[y, np.arange(ZT.shape[1])]))

# %% answer_forward
def forward(X, y, params):
    """Forward pass of the two-layer network.

    X: [B, D], y: [B] integer labels, params: {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C]}.
    Returns (loss, cache): loss is a float (the mean cross-entropy), cache is what backward needs.
    """
    XT = X.T                                                   # [D, B]
    Z1T = params["W1"].T @ XT + params["b1"][:, None]          # [H, B]
    H1T = relu(Z1T)
    Z2T = params["W2"].T @ H1T + params["b2"][:, None]         # [C, B]
    cache = {"XT": XT, "y": y, "Z1T": Z1T, "H1T": H1T, "PT": softmax(Z2T.T).T, "W1": params["W1"], "W2": params["W2"]}
    return cross_entropy(Z2T.T, y), cache

# %% answer_backward
def backward(cache):
    """Gradients of the mean loss. cache: what forward returned.

    Returns {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C], "X": [B, D]}.
    """
    PT, y = cache["PT"], cache["y"]
    C, B = PT.shape
    dZ2T = (PT - np.eye(C)[:, y]) / B                          # [C, B]
    dH1T = cache["W2"] @ dZ2T                                  # [H, B]
    dZ1T = dH1T * (cache["Z1T"] > 0)
    return {"W2": (dZ2T @ cache["H1T"].T).T, "b2": dZ2T.sum(axis=1),
            "W1": (dZ1T @ cache["XT"].T).T, "b1": dZ1T.sum(axis=1), "X": (cache["W1"] @ dZ1T).T}

# %% answer_torch
def _columns(X, params, x_grad):
    XT = torch.tensor(np.asarray(X).T, dtype=torch.float64, requires_grad=x_grad)
    t = {k: torch.tensor(params[k], dtype=torch.float64, requires_grad=True) for k in ("W1", "b1", "W2", "b2")}
    return XT, t


def _loss_columns(XT, y, t):
    H1T = torch.relu(t["W1"].T @ XT + t["b1"][:, None])
    Z2T = t["W2"].T @ H1T + t["b2"][:, None]
    return F.cross_entropy(Z2T.T, torch.tensor(np.asarray(y), dtype=torch.long))


def torch_forward_backward(X, y, params):
    """Loss and the five gradients via autograd. Returns (float, {"W1", "b1", "W2", "b2", "X": np.ndarray})."""
    XT, t = _columns(X, params, True)
    loss = _loss_columns(XT, y, t)
    loss.backward()
    grads = {k: v.grad.numpy() for k, v in t.items()}
    grads["X"] = XT.grad.numpy().T.copy()
    return float(loss), grads


def grad_after_repeated_backward(X, y, params, n):
    """W1.grad after n forward+backward passes with no zeroing in between."""
    XT, t = _columns(X, params, False)
    for _ in range(n):
        _loss_columns(XT, y, t).backward()
    return t["W1"].grad.numpy()


def train_torch(X, y, params, lr, steps):
    """steps of torch.optim.SGD with zero_grad every step. Returns the four parameters as NumPy arrays."""
    XT, t = _columns(X, params, False)
    opt = torch.optim.SGD(list(t.values()), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        _loss_columns(XT, y, t).backward()
        opt.step()
    return {k: v.detach().numpy().copy() for k, v in t.items()}

# %% answer_training
def init_params(D, H, C, seed=0):
    """Random params {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C]}, deterministic in seed."""
    rng = np.random.default_rng(seed)
    W1 = rng.uniform(-1.0, 1.0, size=(D, H)) * np.sqrt(6.0 / D)
    W2 = rng.uniform(-1.0, 1.0, size=(H, C)) * np.sqrt(6.0 / H)
    return {"W1": W1, "b1": np.zeros(H), "W2": W2, "b2": np.zeros(C)}


def sgd_step(params, grads, lr):
    """One gradient-descent step, in place: params[k] -= lr * grads[k]."""
    for k in ("W1", "b1", "W2", "b2"):
        params[k] -= lr * grads[k]


def train(X, y, hidden=8, lr=0.5, iters=3000, seed=0):
    """Full-batch gradient descent. Returns (params, losses)."""
    params = init_params(X.shape[1], hidden, int(y.max()) + 1, seed)
    losses = []
    for _ in range(iters):
        loss, cache = forward(X, y, params)
        sgd_step(params, backward(cache), lr)
        losses.append(loss)
    return params, losses


def predict(X, params):
    """Predicted class of each row of X: an integer array [B]."""
    Z2T = params["W2"].T @ relu(params["W1"].T @ X.T + params["b1"][:, None]) + params["b2"][:, None]
    return Z2T.argmax(axis=0)
