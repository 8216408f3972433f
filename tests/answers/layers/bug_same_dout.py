"""Seeded bug: Sequential.backward hands the original dout to every layer.
fails: sequential_backward same_dout_every_layer
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
        for layer in reversed(self.layers):
            dx = layer.backward(dout)
        return dx
