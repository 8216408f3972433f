"""A correct answer built from layer objects, each with its own forward and backward.
style: layer objects

Linear, ReLU and SoftmaxCrossEntropy store what they need on `self` during forward; the cache is the list of
layer objects, and backward(cache) walks it in reverse without writing anything back into it. The
numerical gradient uses np.nditer, Part 3 wraps the leaves in a tiny class, and training uses He init.
"""
# %% answer_activations
def relu(Z):
    """Elementwise ReLU. Z: any shape. Returns an array of the same shape."""
    return np.where(Z > 0, Z, 0.0)


def _log_softmax(Z):
    """Row-wise log-softmax via the log-sum-exp trick (every exponent is <= 0)."""
    m = np.max(Z, axis=1, keepdims=True)
    return Z - m - np.log(np.sum(np.exp(Z - m), axis=1, keepdims=True))


def softmax(Z):
    """Row-wise, numerically stable softmax. Z: [B, C] logits. Returns [B, C] probabilities."""
    return np.exp(_log_softmax(Z))


def cross_entropy(logits, y):
    """Mean softmax cross-entropy. logits: [B, C] raw scores, y: [B] integer labels. Returns a float."""
    picked = np.take_along_axis(_log_softmax(logits), np.asarray(y).reshape(-1, 1), axis=1)
    return float(-np.mean(picked))

# %% answer_forward
class Linear:
    """out = inp @ W + b. `suffix` names its gradients ("W" + suffix, "b" + suffix)."""

    def __init__(self, W, b, suffix):
        self.W, self.b, self.suffix = W, b, suffix

    def forward(self, inp):
        self.inp = inp
        return inp @ self.W + self.b

    def backward(self, dout):
        """Returns (d inp, {param name: gradient}); stores nothing."""
        grads = {"W" + self.suffix: self.inp.T @ dout, "b" + self.suffix: dout.sum(axis=0)}
        return dout @ self.W.T, grads


class ReLU:
    def forward(self, Z):
        self.Z = Z
        return relu(Z)

    def backward(self, dout):
        return dout * (self.Z > 0), {}


class SoftmaxCrossEntropy:
    """The loss head: mean cross-entropy of raw logits against integer labels."""

    def forward(self, logits, y):
        self.y = y
        self.probs = softmax(logits)
        return cross_entropy(logits, y)

    def backward(self, dout=1.0):
        """d loss / d logits = (softmax - onehot) / B, built as a fresh array."""
        B, C = self.probs.shape
        onehot = (np.arange(C) == np.asarray(self.y).reshape(-1, 1)).astype(float)
        return dout * (self.probs - onehot) / B


def forward(X, y, params):
    """Forward pass of the two-layer network.

    X: [B, D], y: [B] integer labels, params: {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C]}.
    Returns (loss, cache): loss is a float (the mean cross-entropy), cache is what backward needs.
    """
    layers = [Linear(params["W1"], params["b1"], "1"), ReLU(), Linear(params["W2"], params["b2"], "2")]
    out = X
    for layer in layers:
        out = layer.forward(out)
    head = SoftmaxCrossEntropy()
    loss = head.forward(out, y)
    return loss, layers + [head]

# %% answer_backward
def backward(cache):
    """Gradients of the mean loss. cache: what forward returned.

    Returns {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C], "X": [B, D]}.
    """
    *layers, head = cache
    grads = {}
    dout = head.backward(1.0)
    for layer in reversed(layers):
        dout, layer_grads = layer.backward(dout)
        grads.update(layer_grads)
    grads["X"] = dout
    return grads

# %% answer_gradcheck
def numerical_gradient(f, x, eps=1e-5):
    """Central differences of the scalar f() with respect to the array x (perturbed in place, then restored)."""
    grad = np.zeros(x.shape, dtype=float)
    with np.nditer(x, flags=["multi_index"], op_flags=["readwrite"]) as it:
        for _ in it:
            idx = it.multi_index
            saved = x[idx]
            x[idx] = saved + eps
            f_plus = f()
            x[idx] = saved - eps
            f_minus = f()
            x[idx] = saved
            grad[idx] = (f_plus - f_minus) / (2.0 * eps)
    return grad


def relative_error(a, b):
    """max |a - b| / max(1e-8, |a| + |b|) over the entries."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    denom = np.maximum(np.abs(a) + np.abs(b), 1e-8)
    return float((np.abs(a - b) / denom).max())


def gradient_check(X, y, params, eps=1e-5):
    """Relative error between backward and numerical gradients for "W1", "b1", "W2", "b2" and "X"."""
    _, cache = forward(X, y, params)
    analytic = backward(cache)
    targets = {"W1": params["W1"], "b1": params["b1"], "W2": params["W2"], "b2": params["b2"], "X": X}

    def loss_now():
        return forward(X, y, params)[0]

    report = {}
    for name, array in targets.items():
        report[name] = relative_error(analytic[name], numerical_gradient(loss_now, array, eps))
    return report

# %% answer_torch
class TorchMLP:
    """X and the four parameters as float64 leaf tensors, plus the loss of the two-layer network."""

    def __init__(self, X, params):
        self.X = self._leaf(X)
        self.params = {k: self._leaf(params[k]) for k in ("W1", "b1", "W2", "b2")}

    @staticmethod
    def _leaf(a):
        return torch.from_numpy(np.array(a, dtype=np.float64, copy=True)).requires_grad_()

    def loss(self, y):
        p = self.params
        hidden = torch.relu(self.X @ p["W1"] + p["b1"])
        logits = hidden @ p["W2"] + p["b2"]
        labels = torch.from_numpy(np.asarray(y, dtype=np.int64))
        return F.cross_entropy(logits, labels)


def torch_forward_backward(X, y, params):
    """Loss and the five gradients via autograd. Returns (float, {"W1", "b1", "W2", "b2", "X": np.ndarray})."""
    net = TorchMLP(X, params)
    loss = net.loss(y)
    loss.backward()
    grads = {k: t.grad.detach().numpy().copy() for k, t in net.params.items()}
    grads["X"] = net.X.grad.detach().numpy().copy()
    return float(loss.item()), grads


def grad_after_repeated_backward(X, y, params, n):
    """W1.grad after n forward+backward passes with no zeroing in between."""
    net = TorchMLP(X, params)
    for _ in range(n):
        loss = net.loss(y)
        loss.backward()
    return net.params["W1"].grad.detach().numpy().copy()


def train_torch(X, y, params, lr, steps):
    """steps of torch.optim.SGD with zero_grad every step. Returns the four parameters as NumPy arrays."""
    net = TorchMLP(X, params)
    optimizer = torch.optim.SGD(list(net.params.values()), lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = net.loss(y)
        loss.backward()
        optimizer.step()
    return {k: t.detach().numpy().copy() for k, t in net.params.items()}

# %% answer_training
def init_params(D, H, C, seed=0):
    """Random params {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C]}, deterministic in seed."""
    rng = np.random.default_rng(seed)
    he = lambda fan_in, fan_out: rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)
    W1 = he(D, H)
    W2 = he(H, C)
    return {"W1": W1, "b1": np.zeros(H), "W2": W2, "b2": np.zeros(C)}


def sgd_step(params, grads, lr):
    """One gradient-descent step, in place: params[k] -= lr * grads[k]."""
    for name in ("W1", "b1", "W2", "b2"):
        np.subtract(params[name], lr * grads[name], out=params[name])


def train(X, y, hidden=8, lr=0.5, iters=3000, seed=0):
    """Full-batch gradient descent. Returns (params, losses)."""
    num_classes = int(np.max(y)) + 1
    params = init_params(X.shape[1], hidden, num_classes, seed)
    losses = []
    for _ in range(iters):
        loss, cache = forward(X, y, params)
        grads = backward(cache)
        sgd_step(params, grads, lr)
        losses.append(float(loss))
    return params, losses


def predict(X, params):
    """Predicted class of each row of X: an integer array [B]."""
    layers = [Linear(params["W1"], params["b1"], "1"), ReLU(), Linear(params["W2"], params["b2"], "2")]
    out = X
    for layer in layers:
        out = layer.forward(out)
    return np.argmax(out, axis=1).astype(np.int64)
