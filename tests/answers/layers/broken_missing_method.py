"""Broken: Linear has no backward, Sigmoid's backward is misnamed, LayerNorm has no forward."""

# %% answer_layers
class Linear:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b


class ReLU:
    def forward(self, z):
        self.mask = z > 0
        return z * self.mask

    def backward(self, dout):
        return dout * self.mask


class Sigmoid:
    def forward(self, z):
        self.a = 0.5 * (1 + np.tanh(z / 2))
        return self.a

    def backwards(self, dout):
        return dout * self.a * (1 - self.a)

# %% answer_layernorm
class LayerNorm:
    def __init__(self, D, eps=1e-5):
        self.gamma = np.ones(D)
        self.beta = np.zeros(D)
        self.eps = eps
