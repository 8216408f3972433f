"""A correct answer in a mathematical/functional style: einsum products, log-sum-exp, a tuple cache.
style: einsum and log-sum-exp

Parts 1/2 write every matrix product as np.einsum, compute softmax and cross-entropy from a max-shifted
log-sum-exp, build the one-hot labels as np.eye(C)[y], and keep the cache as a plain tuple
(X, y, params, Z1, H1, Z2); backward recomputes softmax from Z2 and never writes into the cache.
numerical_gradient perturbs x through a flat view. Part 3 uses torch.addmm / torch.einsum, Part 4 a
Glorot-uniform initialisation and an in-place np.subtract update.
"""
# %% answer_activations
def relu(Z):
    """Elementwise ReLU. Z: any shape. Returns an array of the same shape."""
    return np.where(Z > 0, Z, 0.0)


def logsumexp(Z):
    """Row-wise log(sum(exp(Z))) with the max trick. Z: [B, C]. Returns [B]."""
    m = np.max(Z, axis=1, keepdims=True)
    return m[:, 0] + np.log(np.einsum("bc->b", np.exp(Z - m)))


def softmax(Z):
    """Row-wise, numerically stable softmax. Z: [B, C] logits. Returns [B, C] probabilities."""
    return np.exp(Z - logsumexp(Z)[:, None])


def cross_entropy(logits, y):
    """Mean softmax cross-entropy. logits: [B, C] raw scores, y: [B] integer labels. Returns a float."""
    B = logits.shape[0]
    return float(np.mean(logsumexp(logits) - logits[np.arange(B), y]))

# %% answer_forward
def forward(X, y, params):
    """Forward pass of the two-layer network.

    X: [B, D], y: [B] integer labels, params: {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C]}.
    Returns (loss, cache): loss is a float (the mean cross-entropy), cache is what backward needs.
    """
    Z1 = np.einsum("bd,dh->bh", X, params["W1"]) + params["b1"]
    H1 = relu(Z1)
    Z2 = np.einsum("bh,hc->bc", H1, params["W2"]) + params["b2"]
    return cross_entropy(Z2, y), (X, y, params, Z1, H1, Z2)

# %% answer_backward
def backward(cache):
    """Gradients of the mean loss. cache: what forward returned.

    Returns {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C], "X": [B, D]}.
    """
    X, y, params, Z1, H1, Z2 = cache
    B, C = Z2.shape
    dZ2 = (softmax(Z2) - np.eye(C)[y]) / B                       # the only 1/B
    dH1 = np.einsum("bc,hc->bh", dZ2, params["W2"])
    dZ1 = dH1 * np.heaviside(Z1, 0.0)
    return {"W2": np.einsum("bh,bc->hc", H1, dZ2), "b2": np.einsum("bc->c", dZ2),
            "W1": np.einsum("bd,bh->dh", X, dZ1), "b1": np.einsum("bh->h", dZ1),
            "X": np.einsum("bh,dh->bd", dZ1, params["W1"])}

# %% answer_gradcheck
def numerical_gradient(f, x, eps=1e-5):
    """Central differences of the scalar f() with respect to the array x (perturbed in place, then restored)."""
    flat = x.reshape(-1)
    if not np.shares_memory(flat, x):    # x is not contiguous: x.flat still writes through to x
        flat = x.flat
    grad = np.empty(x.size, dtype=float)
    for i in range(x.size):
        old = flat[i]
        flat[i] = old + eps
        f_plus = f()
        flat[i] = old - eps
        f_minus = f()
        flat[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad.reshape(x.shape)


def relative_error(a, b):
    """max |a - b| / max(1e-8, |a| + |b|) over the entries."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def gradient_check(X, y, params, eps=1e-5):
    """Relative error between backward and numerical gradients for "W1", "b1", "W2", "b2" and "X"."""
    analytic = backward(forward(X, y, params)[1])
    loss = lambda: forward(X, y, params)[0]
    errors = {}
    for name in ["W1", "b1", "W2", "b2", "X"]:
        target = X if name == "X" else params[name]
        errors[name] = relative_error(analytic[name], numerical_gradient(loss, target, eps))
    return errors

# %% answer_torch
def _as_leaves(X, params):
    """Float64 leaf tensors (requires_grad=True) for X and each parameter."""
    leaf = lambda a: torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=True)
    return leaf(X), {k: leaf(params[k]) for k in ("W1", "b1", "W2", "b2")}


def _logits(Xt, t):
    H1 = torch.relu(torch.addmm(t["b1"], Xt, t["W1"]))
    return torch.einsum("bh,hc->bc", H1, t["W2"]) + t["b2"]


def _mean_ce(Xt, y, t):
    return F.cross_entropy(_logits(Xt, t), torch.as_tensor(np.asarray(y), dtype=torch.long))


def torch_forward_backward(X, y, params):
    """Loss and the five gradients via autograd. Returns (float, {"W1", "b1", "W2", "b2", "X": np.ndarray})."""
    Xt, t = _as_leaves(X, params)
    loss = _mean_ce(Xt, y, t)
    loss.backward()
    grads = {k: v.grad.detach().numpy().copy() for k, v in t.items()}
    grads["X"] = Xt.grad.detach().numpy().copy()
    return float(loss.item()), grads


def grad_after_repeated_backward(X, y, params, n):
    """W1.grad after n forward+backward passes with no zeroing in between."""
    Xt, t = _as_leaves(X, params)
    for _ in range(n):
        loss = _mean_ce(Xt, y, t)       # a fresh graph for every backward
        loss.backward()
    return t["W1"].grad.detach().numpy().copy()


def train_torch(X, y, params, lr, steps):
    """steps of torch.optim.SGD with zero_grad every step. Returns the four parameters as NumPy arrays."""
    Xt, t = _as_leaves(X, params)
    Xt.requires_grad_(False)
    opt = torch.optim.SGD(list(t.values()), lr=lr)
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        loss = _mean_ce(Xt, y, t)
        loss.backward()
        opt.step()
    return {k: v.detach().numpy().copy() for k, v in t.items()}

# %% answer_training
def init_params(D, H, C, seed=0):
    """Random params {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C]}, deterministic in seed."""
    rng = np.random.default_rng(seed)
    glorot = lambda fan_in, fan_out: rng.uniform(-1.0, 1.0, size=(fan_in, fan_out)) * np.sqrt(6.0 / (fan_in + fan_out))
    W1 = glorot(D, H)
    W2 = glorot(H, C)
    return {"W1": W1, "b1": np.full(H, 0.01), "W2": W2, "b2": np.zeros(C)}


def sgd_step(params, grads, lr):
    """One gradient-descent step, in place: params[k] -= lr * grads[k]."""
    for k in ("W1", "b1", "W2", "b2"):
        np.subtract(params[k], lr * grads[k], out=params[k])


def train(X, y, hidden=8, lr=0.5, iters=3000, seed=0):
    """Full-batch gradient descent. Returns (params, losses)."""
    params = init_params(X.shape[1], hidden, int(np.max(y)) + 1, seed)
    losses = np.empty(iters)
    for step in range(iters):
        losses[step], cache = forward(X, y, params)
        sgd_step(params, backward(cache), lr)
    return params, losses


def predict(X, params):
    """Predicted class of each row of X: an integer array [B]."""
    H1 = relu(np.einsum("bd,dh->bh", X, params["W1"]) + params["b1"])
    Z2 = np.einsum("bh,hc->bc", H1, params["W2"]) + params["b2"]
    return np.argmax(Z2, axis=1).astype(np.int64)
