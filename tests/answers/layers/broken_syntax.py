"""Broken: a syntax error in the layers cell; nothing of it is defined."""

# %% answer_layers
class Linear:
    def __init__(self, W, b)
        self.W = W
