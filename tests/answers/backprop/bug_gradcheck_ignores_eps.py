"""Seeded bug: gradient_check does not pass its eps on to numerical_gradient.
fails: gradient_check ignores_argument
"""

# %% answer_gradcheck
def numerical_gradient(f, x, eps=1e-5):
    """Central differences of the scalar f() with respect to the array x (perturbed in place, then restored)."""
    grad = np.zeros_like(x, dtype=float)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        plus = f()
        x[i] = old - eps
        minus = f()
        x[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad


def relative_error(a, b):
    """max |a - b| / max(1e-8, |a| + |b|) over the entries."""
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def gradient_check(X, y, params, eps=1e-5):
    """Relative error between backward and numerical gradients for "W1", "b1", "W2", "b2" and "X"."""
    analytic = backward(forward(X, y, params)[1])
    arrays = dict(params, X=X)
    loss = lambda: forward(X, y, params)[0]
    return {k: relative_error(analytic[k], numerical_gradient(loss, arrays[k])) for k in analytic}
    ### END SOLUTION
