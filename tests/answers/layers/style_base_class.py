"""Correct: a Layer base class; subclasses return (out, cache) and (dx, grads), caches are tuples.
style: base class with inheritance, caches as tuples
"""

# %% answer_layers
class Layer:
    """forward keeps the cache a subclass returns; backward stores each parameter's gradient as d<name>."""

    def forward(self, x):
        out, self.cache = self._forward(x)
        return out

    def backward(self, dout):
        dx, grads = self._backward(dout, self.cache)
        for name, g in grads.items():
            setattr(self, "d" + name, g)
        return dx


class Linear(Layer):
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def _forward(self, x):
        return x @ self.W + self.b, (x,)

    def _backward(self, dout, cache):
        (x,) = cache
        return dout @ self.W.T, {"W": x.T @ dout, "b": dout.sum(axis=0)}


class ReLU(Layer):
    def _forward(self, z):
        return np.maximum(z, 0.0), (z,)

    def _backward(self, dout, cache):
        (z,) = cache
        return np.where(z > 0, dout, 0.0), {}


class Sigmoid(Layer):
    def _forward(self, z):
        a = 0.5 * (1.0 + np.tanh(0.5 * z))          # the same function, with no overflow
        return a, (a,)

    def _backward(self, dout, cache):
        (a,) = cache
        return dout * a * (1.0 - a), {}

# %% answer_layernorm
class LayerNorm(Layer):
    def __init__(self, D, eps=1e-5):
        self.gamma = np.ones(D)
        self.beta = np.zeros(D)
        self.eps = eps

    def _forward(self, x):
        centred = x - x.mean(axis=1, keepdims=True)
        std = np.sqrt((centred ** 2).mean(axis=1, keepdims=True) + self.eps)
        xhat = centred / std
        return self.gamma * xhat + self.beta, (xhat, std)

    def _backward(self, dout, cache):
        xhat, std = cache
        D = xhat.shape[1]
        dxhat = dout * self.gamma
        dx = (D * dxhat - dxhat.sum(axis=1, keepdims=True)
              - xhat * (dxhat * xhat).sum(axis=1, keepdims=True)) / (D * std)
        return dx, {"gamma": (dout * xhat).sum(axis=0), "beta": dout.sum(axis=0)}

# %% answer_sequential
class Sequential(Layer):
    def __init__(self, layers):
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout):
        for layer in self.layers[::-1]:
            dout = layer.backward(dout)
        return dout
