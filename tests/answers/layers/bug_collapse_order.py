"""Seeded bug: collapse_linear multiplies the weights last to first.
fails: collapse_linear collapse_order
"""

# %% answer_collapse
def collapse_linear(linears):
    """A list of Linear layers (no activations between them) -> (W, b) of one Linear computing the same map."""
    W, b = linears[0].W, linears[0].b
    for layer in linears[1:]:
        W, b = layer.W @ W, b @ layer.W + layer.b
    return W, b
