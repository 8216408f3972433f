"""A correct answer whose cache is a functools.partial: the gradient function with the activations bound.
style: functools.partial cache

forward binds X, y, the activations and the weights as keyword arguments of `_gradients` with
functools.partial; backward(cache) calls it. Softmax is normalised with np.divide(..., out=...), the loss
picks each row's label with np.take_along_axis. Part 3 uses F.nll_loss on F.log_softmax (log-probabilities
fed to the loss that expects them), Part 4 a LeCun-normal init and a loss list of Python floats.
"""
# %% answer_activations
def relu(Z):
    """Elementwise ReLU. Z: any shape. Returns an array of the same shape."""
    return np.fmax(Z, 0.0)


def softmax(Z):
    """Row-wise, numerically stable softmax. Z: [B, C] logits. Returns [B, C] probabilities."""
    e = np.exp(Z - np.amax(Z, axis=1, keepdims=True))
    return np.divide(e, e.sum(axis=1, keepdims=True), out=e)


def cross_entropy(logits, y):
    """Mean softmax cross-entropy. logits: [B, C] raw scores, y: [B] integer labels. Returns a float."""
    z = logits - np.amax(logits, axis=1, keepdims=True)
    log_p = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -float(np.take_along_axis(log_p, np.reshape(y, (-1, 1)), axis=1).mean())

# %% answer_forward
import functools


def _gradients(*, X, y, Z1, H1, P, W1, W2):
    B, C = P.shape
    dZ2 = (P - (np.arange(C)[None, :] == np.reshape(y, (-1, 1)))) / B
    dZ1 = np.multiply(dZ2 @ W2.T, Z1 > 0)
    return {"W2": H1.T @ dZ2, "b2": dZ2.sum(0), "W1": X.T @ dZ1, "b1": dZ1.sum(0), "X": dZ1 @ W1.T}


def forward(X, y, params):
    """Forward pass of the two-layer network.

    X: [B, D], y: [B] integer labels, params: {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C]}.
    Returns (loss, cache): loss is a float (the mean cross-entropy), cache is what backward needs.
    """
    Z1 = X @ params["W1"] + params["b1"]
    H1 = relu(Z1)
    Z2 = H1 @ params["W2"] + params["b2"]
    cache = functools.partial(_gradients, X=X, y=y, Z1=Z1, H1=H1, P=softmax(Z2), W1=params["W1"], W2=params["W2"])
    return cross_entropy(Z2, y), cache

# %% answer_backward
def backward(cache):
    """Gradients of the mean loss. cache: what forward returned.

    Returns {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C], "X": [B, D]}.
    """
    return cache()

# %% answer_torch
def _tensors(X, params, x_grad):
    Xt = torch.from_numpy(np.array(X, dtype=np.float64)).requires_grad_(x_grad)
    t = {k: torch.from_numpy(np.array(params[k], dtype=np.float64)).requires_grad_() for k in ("W1", "b1", "W2", "b2")}
    return Xt, t


def _nll(Xt, y, t):
    log_p = F.log_softmax(F.relu(Xt @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"], dim=1)
    return F.nll_loss(log_p, torch.as_tensor(y).long())


def torch_forward_backward(X, y, params):
    """Loss and the five gradients via autograd. Returns (float, {"W1", "b1", "W2", "b2", "X": np.ndarray})."""
    Xt, t = _tensors(X, params, True)
    loss = _nll(Xt, y, t)
    loss.backward()
    return loss.item(), {**{k: v.grad.numpy() for k, v in t.items()}, "X": Xt.grad.numpy()}


def grad_after_repeated_backward(X, y, params, n):
    """W1.grad after n forward+backward passes with no zeroing in between."""
    Xt, t = _tensors(X, params, False)
    for _ in range(n):
        _nll(Xt, y, t).backward()
    return t["W1"].grad.numpy()


def train_torch(X, y, params, lr, steps):
    """steps of torch.optim.SGD with zero_grad every step. Returns the four parameters as NumPy arrays."""
    Xt, t = _tensors(X, params, False)
    opt = torch.optim.SGD(params=list(t.values()), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        _nll(Xt, y, t).backward()
        opt.step()
    return {k: v.detach().numpy() for k, v in t.items()}

# %% answer_training
def init_params(D, H, C, seed=0):
    """Random params {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C]}, deterministic in seed."""
    gen = np.random.default_rng(seed)
    params = {}
    for name, (fan_in, fan_out) in (("1", (D, H)), ("2", (H, C))):
        params["W" + name] = gen.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)
        params["b" + name] = np.zeros(fan_out)
    return params


def sgd_step(params, grads, lr):
    """One gradient-descent step, in place: params[k] -= lr * grads[k]."""
    for k, g in grads.items():
        if k in params:
            params[k] -= lr * g


def train(X, y, hidden=8, lr=0.5, iters=3000, seed=0):
    """Full-batch gradient descent. Returns (params, losses)."""
    params = init_params(X.shape[1], hidden, int(y.max()) + 1, seed)
    losses = []
    for it in range(iters):
        loss, cache = forward(X, y, params)
        sgd_step(params, backward(cache), lr=lr)
        losses.append(float(loss))
    return params, losses


def predict(X, params):
    """Predicted class of each row of X: an integer array [B]."""
    Z2 = relu(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]
    return np.argmax(Z2, axis=-1)
