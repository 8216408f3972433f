"""Seeded bug: train_xor draws the decision boundary at every one of its 3000 steps, to watch it learn:
right, but far too slow to grade (about 15 ms a step).
fails: train_xor too_slow
"""

# %% answer_train_xor
def train_xor(hidden=4, lr=1.0, steps=3000, seed=0):
    """Full-batch gradient descent of Linear-Sigmoid-Linear with bce_with_logits on the 4 XOR points.

    Returns (model, losses): losses[i] is the loss before the i-th update, a Python float.
    """
    import matplotlib.pyplot as plt
    rng = np.random.default_rng(seed)
    W1 = xavier_uniform(2, hidden, rng)
    W2 = xavier_uniform(hidden, 1, rng)
    model = Sequential([Linear(W1, np.zeros(hidden)), Sigmoid(), Linear(W2, np.zeros(1))])
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    xx, yy = np.meshgrid(np.linspace(-0.5, 1.5, 50), np.linspace(-0.5, 1.5, 50))
    grid = np.c_[xx.ravel(), yy.ravel()]
    losses = []
    for step in range(steps):
        loss, dz = bce_with_logits(model.forward(X), y)
        model.backward(dz)
        for layer in model.layers:
            if hasattr(layer, "W"):
                layer.W = layer.W - lr * layer.dW
                layer.b = layer.b - lr * layer.db
        losses.append(loss)
        fig, ax = plt.subplots()
        ax.contourf(xx, yy, model.forward(grid).reshape(xx.shape) > 0)
        ax.set_title(f"step {step}: loss {loss:.3f}")
        plt.close(fig)
    return model, losses
