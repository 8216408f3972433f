"""Correct: dataclasses with their caches as fields, seed 003's clipped sigmoid, functools.reduce, in-place
training updates, and a loop that builds the deep network from a table of initialisers.
style: dataclasses
"""

# %% answer_layers
from dataclasses import dataclass, field


@dataclass
class Linear:
    W: np.ndarray
    b: np.ndarray
    x: np.ndarray = field(default=None, repr=False)

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW, self.db = self.x.T @ dout, np.sum(dout, axis=0)
        return dout @ self.W.T


@dataclass
class ReLU:
    z: np.ndarray = field(default=None, repr=False)

    def forward(self, z):
        self.z = z
        return z * (z > 0)

    def backward(self, dout):
        return dout * (self.z > 0)


@dataclass
class Sigmoid:
    a: np.ndarray = field(default=None, repr=False)

    def forward(self, z):
        self.a = 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))      # seed 003's form
        return self.a

    def backward(self, dout):
        return dout * self.a * (1.0 - self.a)

# %% answer_layernorm
@dataclass
class LayerNorm:
    D: int
    eps: float = 1e-5

    def __post_init__(self):
        self.gamma, self.beta = np.ones(self.D), np.zeros(self.D)

    def forward(self, x):
        self.mu = x.mean(axis=1, keepdims=True)
        self.var = x.var(axis=1, keepdims=True)
        self.x = x
        return self.gamma * (x - self.mu) / np.sqrt(self.var + self.eps) + self.beta

    def backward(self, dout):
        N, D = self.x.shape
        xmu = self.x - self.mu
        inv = 1.0 / np.sqrt(self.var + self.eps)
        xhat = xmu * inv
        self.dgamma, self.dbeta = np.sum(dout * xhat, axis=0), np.sum(dout, axis=0)
        dxhat = dout * self.gamma
        dvar = np.sum(dxhat * xmu, axis=1, keepdims=True) * -0.5 * inv ** 3
        dmu = -np.sum(dxhat * inv, axis=1, keepdims=True) - 2.0 * dvar * np.mean(xmu, axis=1, keepdims=True)
        return dxhat * inv + dvar * 2.0 * xmu / D + dmu / D

# %% answer_sequential
import functools


@dataclass
class Sequential:
    layers: list

    def __post_init__(self):
        self.layers = list(self.layers)

    def forward(self, x):
        return functools.reduce(lambda h, layer: layer.forward(h), self.layers, x)

    def backward(self, dout):
        return functools.reduce(lambda d, layer: layer.backward(d), reversed(self.layers), dout)

# %% answer_collapse
def collapse_linear(linears):
    return functools.reduce(lambda wb, layer: (wb[0] @ layer.W, wb[1] @ layer.W + layer.b), linears[1:],
                            (linears[0].W, linears[0].b))

# %% answer_train_xor
def train_xor(hidden=4, lr=1.0, steps=3000, seed=0):
    rng = np.random.default_rng(seed)
    first, second = Linear(xavier_uniform(2, hidden, rng), np.zeros(hidden)), None
    second = Linear(xavier_uniform(hidden, 1, rng), np.zeros(1))
    model = Sequential([first, Sigmoid(), second])
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    y = np.array([0, 1, 1, 0], dtype=np.float64).reshape(-1, 1)
    losses = []
    for _ in range(steps):
        loss, dz = bce_with_logits(model.forward(X), y)
        losses.append(loss)
        model.backward(dz)
        for layer in (first, second):
            layer.W -= lr * layer.dW
            layer.b -= lr * layer.db
    return model, losses

# %% answer_deep_net
def _torch_default(fan_in, fan_out, rng):
    k = fan_in ** -0.5
    return rng.uniform(-k, k, (fan_in, fan_out)), rng.uniform(-k, k, fan_out)


INITS = {"xavier": lambda i, o, rng: (xavier_uniform(i, o, rng), np.zeros(o)),
         "he": lambda i, o, rng: (he_normal(i, o, rng), np.zeros(o)),
         "torch_default": _torch_default}
ACTS = {"sigmoid": Sigmoid, "relu": ReLU}


def make_deep_net(act, init, rng, depth=6, width=32, d_in=32):
    layers = []
    for fan_in in [d_in] + [width] * (depth - 1):
        layers += [Linear(*INITS[init](fan_in, width, rng)), ACTS[act]()]
    return Sequential(layers + [Linear(*INITS[init](width, 1, rng))])


def layer_grad_stats(model, X, y):
    loss, dz = bce_with_logits(model.forward(X), y)
    model.backward(dz)
    stats = []
    for layer in model.layers:
        if hasattr(layer, "W"):
            g = np.abs(layer.dW)
            stats.append({"mean_abs": g.mean().item(), "max_abs": g.max().item()})
    return stats
