"""Seeded bug: numerical_gradient_array sums the output differences (df = ones).
fails: numgrad_array ignores_df
"""

# %% answer_gradcheck
def numerical_gradient_array(f, x, df, h=1e-5):
    """Central differences of sum(f(x) * df) with respect to each entry of x. Returns grad [x.shape].

    Perturbs x in place and restores it exactly; copies f's output before calling f again.
    """
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        plus = np.array(f(x), copy=True)
        x[i] = old - h
        minus = np.array(f(x), copy=True)
        x[i] = old
        grad[i] = np.sum(plus - minus) / (2 * h)
    return grad


def check_layer(layer, x, rng):
    """Gradient-checks one layer with a random upstream gradient drawn from rng.

    Returns {"x": relerr, <param>: relerr, ...}: Linear "W", "b"; LayerNorm "gamma", "beta".
    """
    out = layer.forward(x)
    dout = rng.normal(size=np.shape(out))
    dx = np.array(layer.backward(dout), copy=True)
    names = [p for p in ("W", "b", "gamma", "beta") if hasattr(layer, p)]
    analytic = {p: np.array(getattr(layer, "d" + p), copy=True) for p in names}
    report = {"x": relative_error(numerical_gradient_array(layer.forward, x, dout), dx)}
    for p in names:
        numeric = numerical_gradient_array(lambda _: layer.forward(x), getattr(layer, p), dout)
        report[p] = relative_error(numeric, analytic[p])
    return report
