"""Correct: einsum for every product, np.nditer for finite differences, norms from np.linalg, torch written
out by hand (no nn.Sequential), in-place updates with sub_ and zero_.
style: einsum and library calls
"""

# %% answer_layers
class Linear:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x):
        self.x = x
        return np.einsum("bi,io->bo", x, self.W) + self.b

    def backward(self, dout):
        self.dW = np.einsum("bi,bo->io", self.x, dout)
        self.db = np.einsum("bo->o", dout)
        return np.einsum("bo,io->bi", dout, self.W)


class ReLU:
    def forward(self, z):
        self.out = np.clip(z, 0.0, None)
        return self.out

    def backward(self, dout):
        return dout * (self.out > 0)


class Sigmoid:
    def forward(self, z):
        self.a = np.exp(-np.logaddexp(0.0, -z))
        return self.a

    def backward(self, dout):
        return dout * self.a * (1.0 - self.a)

# %% answer_gradcheck
def numerical_gradient_array(f, x, df, h=1e-5):
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        i = it.multi_index
        saved = x[i].copy()
        x[i] = saved + h
        plus = f(x).copy()
        x[i] = saved - h
        minus = f(x).copy()
        x[i] = saved
        grad[i] = np.vdot(plus - minus, df) / (2 * h)
        it.iternext()
    return grad


def check_layer(layer, x, rng):
    dout = rng.normal(size=layer.forward(x).shape)
    report = {"x": np.array(layer.backward(dout), copy=True)}
    params = {name: getattr(layer, name) for name in vars(layer) if name in ("W", "b", "gamma", "beta")}
    analytic = {name: np.array(getattr(layer, "d" + name), copy=True) for name in params}
    report["x"] = relative_error(report["x"], numerical_gradient_array(layer.forward, x, dout))
    for name, p in params.items():
        report[name] = relative_error(analytic[name], numerical_gradient_array(lambda _: layer.forward(x), p, dout))
    return report

# %% answer_layernorm
class LayerNorm:
    def __init__(self, D, eps=1e-5):
        self.gamma = np.ones(D)
        self.beta = np.zeros(D)
        self.eps = eps

    def forward(self, x):
        D = x.shape[1]
        c = x - np.einsum("nd->n", x)[:, None] / D
        self.rstd = 1.0 / np.sqrt(np.einsum("nd,nd->n", c, c)[:, None] / D + self.eps)
        self.xhat = c * self.rstd
        return np.einsum("nd,d->nd", self.xhat, self.gamma) + self.beta

    def backward(self, dout):
        D = dout.shape[1]
        self.dgamma = np.einsum("nd,nd->d", dout, self.xhat)
        self.dbeta = np.einsum("nd->d", dout)
        g = np.einsum("nd,d->nd", dout, self.gamma)
        mean_g = np.einsum("nd->n", g)[:, None] / D
        mean_gx = np.einsum("nd,nd->n", g, self.xhat)[:, None] / D
        return self.rstd * (g - mean_g - self.xhat * mean_gx)

# %% answer_bce
def bce_with_logits(z, y):
    loss = float(np.mean(np.logaddexp(0.0, z) - y * z))
    return loss, (np.exp(-np.logaddexp(0.0, -z)) - y) / len(z)

# %% answer_init
def xavier_uniform(fan_in, fan_out, rng):
    limit = (6.0 / (fan_in + fan_out)) ** 0.5
    return limit * (2.0 * rng.random((fan_in, fan_out)) - 1.0)


def he_normal(fan_in, fan_out, rng):
    return rng.standard_normal((fan_in, fan_out)) * (2.0 / fan_in) ** 0.5

# %% answer_collapse
def collapse_linear(linears):
    W = np.linalg.multi_dot([layer.W for layer in linears]) if len(linears) > 1 else linears[0].W
    b = np.zeros(linears[-1].W.shape[1])
    for k, layer in enumerate(linears):
        rest = [later.W for later in linears[k + 1:]]
        b = b + (np.linalg.multi_dot([layer.b[None, :]] + rest)[0] if rest else layer.b)
    return W, b

# %% answer_torch_xor
def torch_xor_grads(W1, b1, W2, b2):
    leaves = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
              for k, v in {"W1": W1, "b1": b1, "W2": W2, "b2": b2}.items()}
    X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=torch.float64)
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0]], dtype=torch.float64)
    h = torch.sigmoid(torch.einsum("bi,ih->bh", X, leaves["W1"]) + leaves["b1"])
    p = torch.sigmoid(torch.einsum("bh,ho->bo", h, leaves["W2"]) + leaves["b2"])
    F.binary_cross_entropy(p, y).backward()
    return {k: t.grad.detach().numpy().copy() for k, t in leaves.items()}

# %% answer_flow_table
def gradient_flow_table(model):
    def row(name, p):
        if p.grad is None:
            return {"name": name, "mean_abs": None, "max_abs": None, "has_nan": False}
        g = p.grad.abs()
        return {"name": name, "mean_abs": float(g.mean()), "max_abs": float(g.max()),
                "has_nan": bool(g.isnan().any().item())}
    return [row(name, p) for name, p in model.named_parameters()]

# %% answer_weight_decay
def l2_penalty(weights, lam):
    return 0.5 * lam * float(sum(np.linalg.norm(W, "fro") ** 2 for W in weights))


def add_weight_decay(model, lam):
    for layer in model.layers:
        if hasattr(layer, "W"):
            np.add(layer.dW, lam * layer.W, out=layer.dW)

# %% answer_clip
def clip_grad_norm(grads, max_norm):
    total = float(np.linalg.norm(np.concatenate([g.ravel() for g in grads])))
    scale = min(1.0, max_norm / (total + 1e-6))
    for g in grads:
        np.multiply(g, scale, out=g)
    return total

# %% answer_inplace
def fixed_scaled_sigmoid(x):
    return (2 * torch.sigmoid(x)).pow(2).sum()


def sgd_step_inplace(params, lr):
    with torch.no_grad():
        for p in params:
            p.sub_(lr * p.grad)
            p.grad.zero_()
