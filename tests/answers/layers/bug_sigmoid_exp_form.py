"""Seeded bug: Sigmoid.backward as exp(-z) / (1 + exp(-z))**2: NaN for z = -800.
fails: sigmoid_backward sigmoid_exp_form_nan
"""

# %% answer_layers
class Linear:
    """out = x @ W + b. W [n_in, n_out], b [n_out]; backward sets self.dW, self.db and returns dx."""

    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x):
        """x [B, n_in] -> out [B, n_out]; caches x."""
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        """dout [B, n_out] -> dx [B, n_in]; sets self.dW [n_in, n_out] and self.db [n_out] (overwriting)."""
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W.T


class ReLU:
    """out = max(z, 0), elementwise."""

    def forward(self, z):
        self.mask = z > 0
        return np.where(self.mask, z, 0.0)

    def backward(self, dout):
        """dz = dout * (z > 0); dout itself is left unchanged."""
        return dout * self.mask


class Sigmoid:
    """a = 1 / (1 + exp(-z)), computed stably; backward uses the cached output a."""

    def forward(self, z):
        self.z = z
        e = np.exp(-np.abs(z))
        self.a = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        return self.a

    def backward(self, dout):
        """dz = dout * a * (1 - a)."""
        e = np.exp(-self.z)
        return dout * e / (1.0 + e) ** 2
