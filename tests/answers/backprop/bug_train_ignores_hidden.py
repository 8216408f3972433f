"""Seeded bug: train always builds 8 hidden units.
fails: train_loop ignores_argument
"""

# %% answer_training
def init_params(D, H, C, seed=0):
    """Random params {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C]}, deterministic in seed."""
    rng = np.random.default_rng(seed)
    return {"W1": rng.normal(size=(D, H)) / np.sqrt(D), "b1": np.zeros(H),
            "W2": rng.normal(size=(H, C)) / np.sqrt(H), "b2": np.zeros(C)}


def sgd_step(params, grads, lr):
    """One gradient-descent step, in place: params[k] -= lr * grads[k]."""
    for k in params:
        params[k] -= lr * grads[k]


def train(X, y, hidden=8, lr=0.5, iters=3000, seed=0):
    """Full-batch gradient descent. Returns (params, losses)."""
    params = init_params(X.shape[1], 8, int(y.max()) + 1, seed)
    losses = []
    for _ in range(iters):
        loss, cache = forward(X, y, params)
        sgd_step(params, backward(cache), lr)
        losses.append(loss)
    return params, losses


def predict(X, params):
    """Predicted class of each row of X: an integer array [B]."""
    return (relu(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]).argmax(axis=1)
    ### END SOLUTION
