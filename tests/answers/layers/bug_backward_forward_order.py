"""Seeded bug: Sequential.backward visits the layers first to last.
fails: sequential_backward reverse_order_missing
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
        for layer in self.layers:
            dout = layer.backward(dout)
        return dout
