"""Seeded bug: LayerNorm.backward scales the caller's dout in place.
fails: ln_pure mutates_upstream
"""

# %% answer_layernorm
class LayerNorm:
    """Per-row normalisation over the D features, then gamma * xhat + beta."""

    def __init__(self, D, eps=1e-5):
        self.gamma = np.ones(D)
        self.beta = np.zeros(D)
        self.eps = eps

    def forward(self, x):
        """x [N, D] -> out [N, D]."""
        mu = x.mean(axis=1, keepdims=True)
        self.inv_std = 1.0 / np.sqrt(x.var(axis=1, keepdims=True) + self.eps)
        self.xhat = (x - mu) * self.inv_std
        return self.gamma * self.xhat + self.beta

    def backward(self, dout):
        """dout [N, D] -> dx [N, D]; sets self.dgamma [D] and self.dbeta [D]."""
        self.dgamma = (dout * self.xhat).sum(axis=0)
        self.dbeta = dout.sum(axis=0)
        dout *= self.gamma
        dxhat = dout
        return self.inv_std * (dxhat - dxhat.mean(axis=1, keepdims=True)
                               - self.xhat * (dxhat * self.xhat).mean(axis=1, keepdims=True))
