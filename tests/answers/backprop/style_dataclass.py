"""A correct answer that keeps the forward pass in a frozen dataclass Cache and builds dZ2 as P minus a one-hot mask.
style: dataclass cache

The answer uses log-softmax via the max trick, np.where for the ReLU derivative, np.add.reduce for the
bias gradients, np.ndindex with try/finally in numerical_gradient, torch.clamp and F.cross_entropy in
Part 3, and He-style initialisation from np.random.default_rng in Part 4.
"""
# %% answer_activations
def relu(Z):
    """Elementwise ReLU. Z: any shape. Returns an array of the same shape."""
    return np.clip(Z, 0.0, None)


def softmax(Z):
    """Row-wise, numerically stable softmax. Z: [B, C] logits. Returns [B, C] probabilities."""
    e = np.exp(Z - np.max(Z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def _log_softmax(Z):
    """log softmax(Z) row-wise, computed from the shifted logits so it never takes log(0)."""
    shifted = Z - np.max(Z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def cross_entropy(logits, y):
    """Mean softmax cross-entropy. logits: [B, C] raw scores, y: [B] integer labels. Returns a float."""
    labels = np.asarray(y)[:, None]
    picked = np.take_along_axis(_log_softmax(logits), labels, axis=1)
    return float(-np.mean(picked))

# %% answer_forward
from dataclasses import dataclass


@dataclass(frozen=True)
class Cache:
    """Everything backward needs from one forward pass."""
    X: np.ndarray
    y: np.ndarray
    Z1: np.ndarray
    H1: np.ndarray
    P: np.ndarray
    W1: np.ndarray
    W2: np.ndarray


def forward(X, y, params):
    """Forward pass of the two-layer network.

    X: [B, D], y: [B] integer labels, params: {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C]}.
    Returns (loss, cache): loss is a float (the mean cross-entropy), cache is what backward needs.
    """
    Z1 = X @ params["W1"] + params["b1"]
    H1 = relu(Z1)
    Z2 = H1 @ params["W2"] + params["b2"]
    cache = Cache(X=X, y=y, Z1=Z1, H1=H1, P=softmax(Z2), W1=params["W1"], W2=params["W2"])
    return cross_entropy(Z2, y), cache

# %% answer_backward
def backward(cache):
    """Gradients of the mean loss. cache: what forward returned.

    Returns {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C], "X": [B, D]}.
    """
    B, C = cache.P.shape
    onehot = np.arange(C) == np.asarray(cache.y)[:, None]          # [B, C] booleans, a new array
    dZ2 = (cache.P - onehot) / B                                   # new array: the cache's P is untouched
    dW2 = cache.H1.T @ dZ2
    db2 = np.add.reduce(dZ2, axis=0)
    dH1 = dZ2 @ cache.W2.T
    dZ1 = np.where(cache.Z1 > 0, dH1, 0.0)
    dW1 = cache.X.T @ dZ1
    db1 = dZ1.sum(0)
    dX = dZ1 @ cache.W1.T
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2, "X": dX}

# %% answer_gradcheck
def numerical_gradient(f, x, eps=1e-5):
    """Central differences of the scalar f() with respect to the array x (perturbed in place, then restored)."""
    grad = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(*x.shape):
        old = x[idx].copy()
        try:
            x[idx] = old + eps
            f_plus = f()
            x[idx] = old - eps
            f_minus = f()
        finally:
            x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2.0 * eps)
    return grad


def relative_error(a, b):
    """max |a - b| / max(1e-8, |a| + |b|) over the entries."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    ratio = np.abs(a - b) / np.fmax(np.abs(a) + np.abs(b), 1e-8)
    return float(ratio.max())


def gradient_check(X, y, params, eps=1e-5):
    """Relative error between backward and numerical gradients for "W1", "b1", "W2", "b2" and "X"."""
    analytic = backward(forward(X, y, params)[1])
    tensors = {**params, "X": X}          # the same arrays, so perturbing them changes forward's loss

    def loss():
        return forward(X, y, params)[0]

    return {name: relative_error(analytic[name], numerical_gradient(loss, tensors[name], eps))
            for name in ("W1", "b1", "W2", "b2", "X")}

# %% answer_torch
PARAM_NAMES = ("W1", "b1", "W2", "b2")


def _make_leaves(X, params):
    """X and the four parameters as float64 leaf tensors with requires_grad=True."""
    def leaf(a):
        return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64, requires_grad=True)
    return leaf(X), {name: leaf(params[name]) for name in PARAM_NAMES}


def _logits(Xt, t):
    Z1 = Xt @ t["W1"] + t["b1"]
    H1 = torch.clamp(Z1, min=0)
    return H1 @ t["W2"] + t["b2"]


def _labels(y):
    return torch.as_tensor(np.asarray(y), dtype=torch.long)


def _to_numpy(tensor):
    return tensor.detach().cpu().numpy()


def torch_forward_backward(X, y, params):
    """Loss and the five gradients via autograd. Returns (float, {"W1", "b1", "W2", "b2", "X": np.ndarray})."""
    Xt, t = _make_leaves(X, params)
    loss = F.cross_entropy(_logits(Xt, t), _labels(y))
    loss.backward()
    grads = {name: _to_numpy(t[name].grad) for name in PARAM_NAMES}
    grads["X"] = _to_numpy(Xt.grad)
    return float(loss.item()), grads


def grad_after_repeated_backward(X, y, params, n):
    """W1.grad after n forward+backward passes with no zeroing in between."""
    Xt, t = _make_leaves(X, params)
    labels = _labels(y)
    for _ in range(n):
        loss = F.cross_entropy(_logits(Xt, t), labels)
        loss.backward()
    return _to_numpy(t["W1"].grad).copy()


def train_torch(X, y, params, lr, steps):
    """steps of torch.optim.SGD with zero_grad every step. Returns the four parameters as NumPy arrays."""
    Xt, t = _make_leaves(X, params)
    labels = _labels(y)
    opt = torch.optim.SGD([t[name] for name in PARAM_NAMES], lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        loss = F.cross_entropy(_logits(Xt, t), labels)
        loss.backward()
        opt.step()
    return {name: _to_numpy(t[name]).copy() for name in PARAM_NAMES}

# %% answer_training
def init_params(D, H, C, seed=0):
    """Random params {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C]}, deterministic in seed."""
    rng = np.random.default_rng(seed)
    return {"W1": rng.standard_normal((D, H)) * np.sqrt(2 / D), "b1": np.zeros(H),
            "W2": rng.standard_normal((H, C)) * np.sqrt(1 / H), "b2": np.zeros(C)}


def sgd_step(params, grads, lr):
    """One gradient-descent step, in place: params[k] -= lr * grads[k]."""
    for k in ("W1", "b1", "W2", "b2"):
        params[k][...] -= lr * grads[k]


def train(X, y, hidden=8, lr=0.5, iters=3000, seed=0):
    """Full-batch gradient descent. Returns (params, losses)."""
    C = int(np.max(y)) + 1
    params = init_params(X.shape[1], hidden, C, seed)
    losses = []
    for _ in range(iters):
        loss, cache = forward(X, y, params)
        losses.append(loss)
        sgd_step(params, backward(cache), lr)
    return params, losses


def predict(X, params):
    """Predicted class of each row of X: an integer array [B]."""
    Z2 = relu(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]
    return np.argmax(Z2, axis=1)
