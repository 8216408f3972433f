"""Seeded bug: Sequential.backward returns the dout it was given.
fails: sequential_backward returns_last_dx_wrong
"""

# %% answer_sequential
class Sequential:
    """Layers applied in order; backward in reverse, chaining each layer's dx."""

    def __init__(self, layers):
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout):
        """Returns dx, the gradient for the network's input."""
        d = dout
        for layer in reversed(self.layers):
            d = layer.backward(d)
        return dout
