"""A correct answer whose cache is a closure: forward returns a function that has captured the activations.
style: closure cache

forward builds `backprop`, a nested function that closes over X, y, Z1, H1, P and the weights; backward(cache)
simply calls it. Part 1 picks the label's log-probability with np.choose; Part 3 takes the gradients with
torch.autograd.grad instead of loss.backward(); Part 4 draws Glorot-normal weights and its sgd_step rebinds
each dict entry to a new array, which the notebook allows.
"""
# %% answer_activations
def relu(Z):
    """Elementwise ReLU. Z: any shape. Returns an array of the same shape."""
    return Z * (Z > 0)


def softmax(Z):
    """Row-wise, numerically stable softmax. Z: [B, C] logits. Returns [B, C] probabilities."""
    e = np.exp(Z - Z.max(axis=1)[:, np.newaxis])
    return e / e.sum(axis=1)[:, np.newaxis]


def cross_entropy(logits, y):
    """Mean softmax cross-entropy. logits: [B, C] raw scores, y: [B] integer labels. Returns a float."""
    m = logits.max(axis=1)
    log_z = m + np.log(np.exp(logits - m[:, None]).sum(axis=1))
    return float(np.mean(log_z - np.choose(y, logits.T)))

# %% answer_forward
def forward(X, y, params):
    """Forward pass of the two-layer network.

    X: [B, D], y: [B] integer labels, params: {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C]}.
    Returns (loss, cache): loss is a float (the mean cross-entropy), cache is what backward needs.
    """
    W1, b1, W2, b2 = (params[k] for k in ("W1", "b1", "W2", "b2"))
    Z1 = X @ W1 + b1
    H1 = relu(Z1)
    Z2 = H1 @ W2 + b2
    P = softmax(Z2)

    def backprop():
        B = X.shape[0]
        dZ2 = P - np.eye(P.shape[1])[y]
        dZ2 = dZ2 / B
        dZ1 = (dZ2 @ W2.T) * (Z1 > 0)
        return {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0), "W2": H1.T @ dZ2, "b2": dZ2.sum(axis=0),
                "X": dZ1 @ W1.T}

    return cross_entropy(Z2, y), backprop

# %% answer_backward
def backward(cache):
    """Gradients of the mean loss. cache: what forward returned.

    Returns {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C], "X": [B, D]}.
    """
    return cache()

# %% answer_gradcheck
def numerical_gradient(f, x, eps=1e-5):
    """Central differences of the scalar f() with respect to the array x (perturbed in place, then restored)."""
    grad = np.zeros(x.shape)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        i = it.multi_index
        saved = x[i]
        x[i] = saved + eps
        up = f()
        x[i] = saved - eps
        down = f()
        x[i] = saved
        grad[i] = (up - down) / (2 * eps)
        it.iternext()
    return grad


def relative_error(a, b):
    """max |a - b| / max(1e-8, |a| + |b|) over the entries."""
    num = np.abs(np.subtract(a, b))
    den = np.maximum(np.abs(a) + np.abs(b), 1e-8)
    return float((num / den).max())


def gradient_check(X, y, params, eps=1e-5):
    """Relative error between backward and numerical gradients for "W1", "b1", "W2", "b2" and "X"."""
    def loss():
        return forward(X, y, params)[0]

    analytic = backward(forward(X, y, params)[1])
    report = {}
    for name in ("W1", "b1", "W2", "b2"):
        report[name] = relative_error(analytic[name], numerical_gradient(loss, params[name], eps))
    report["X"] = relative_error(analytic["X"], numerical_gradient(loss, X, eps))
    return report

# %% answer_torch
def _leaves(X, params, x_grad=True):
    Xt = torch.tensor(X, dtype=torch.float64, requires_grad=x_grad)
    return Xt, [torch.tensor(params[k], dtype=torch.float64, requires_grad=True) for k in ("W1", "b1", "W2", "b2")]


def _loss(Xt, y, W1, b1, W2, b2):
    logits = torch.relu(Xt @ W1 + b1) @ W2 + b2
    return F.cross_entropy(logits, torch.tensor(np.asarray(y, dtype=np.int64)))


def torch_forward_backward(X, y, params):
    """Loss and the five gradients via autograd. Returns (float, {"W1", "b1", "W2", "b2", "X": np.ndarray})."""
    Xt, leaves = _leaves(X, params)
    loss = _loss(Xt, y, *leaves)
    gW1, gb1, gW2, gb2, gX = torch.autograd.grad(loss, leaves + [Xt])
    grads = dict(zip(("W1", "b1", "W2", "b2", "X"), (g.numpy() for g in (gW1, gb1, gW2, gb2, gX))))
    return loss.item(), grads


def grad_after_repeated_backward(X, y, params, n):
    """W1.grad after n forward+backward passes with no zeroing in between."""
    Xt, leaves = _leaves(X, params, x_grad=False)
    for _ in range(n):
        _loss(Xt, y, *leaves).backward()
    return leaves[0].grad.numpy().copy()


def train_torch(X, y, params, lr, steps):
    """steps of torch.optim.SGD with zero_grad every step. Returns the four parameters as NumPy arrays."""
    Xt, leaves = _leaves(X, params, x_grad=False)
    opt = torch.optim.SGD(leaves, lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        _loss(Xt, y, *leaves).backward()
        opt.step()
    return {k: t.detach().numpy().copy() for k, t in zip(("W1", "b1", "W2", "b2"), leaves)}

# %% answer_training
def init_params(D, H, C, seed=0):
    """Random params {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C]}, deterministic in seed."""
    rng = np.random.default_rng(seed)
    W1 = rng.normal(0.0, np.sqrt(2.0 / (D + H)), size=(D, H))
    W2 = rng.normal(0.0, np.sqrt(2.0 / (H + C)), size=(H, C))
    return {"W1": W1, "b1": np.zeros(H), "W2": W2, "b2": np.zeros(C)}


def sgd_step(params, grads, lr):
    """One gradient-descent step, in place: params[k] -= lr * grads[k]."""
    for k in ("W1", "b1", "W2", "b2"):
        params[k] = params[k] - lr * grads[k]


def train(X, y, hidden=8, lr=0.5, iters=3000, seed=0):
    """Full-batch gradient descent. Returns (params, losses)."""
    params = init_params(X.shape[1], hidden, int(y.max()) + 1, seed)
    losses = []
    for _ in range(iters):
        loss, cache = forward(X, y, params)
        losses.append(np.float64(loss))
        sgd_step(params, backward(cache), lr)
    return params, losses


def predict(X, params):
    """Predicted class of each row of X: an integer array [B]."""
    scores = relu(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]
    return scores.argmax(axis=1)
