"""Seeded bug: collapse_linear adds the biases up instead of passing them through later weights.
fails: collapse_linear collapse_bias
"""

# %% answer_collapse
def collapse_linear(linears):
    """A list of Linear layers (no activations between them) -> (W, b) of one Linear computing the same map."""
    W, b = linears[0].W, linears[0].b
    for layer in linears[1:]:
        W, b = W @ layer.W, b + layer.b
    return W, b
