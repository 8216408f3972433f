"""A correct answer in the CS231n layer style: each layer keeps its gradients as attributes (self.dW, self.db).
style: layers that store their gradients

forward returns the list of layers as the cache. backward(cache) walks it in reverse; each layer's backward
stores its parameter gradients on itself (self.dW, self.db, self.dx) and returns the upstream gradient,
and backward collects them into the dict. The arrays forward stored are never written into. Part 4 draws
He-normal weights and keeps small positive biases.
"""
# %% answer_forward
class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        self.dx = dout @ self.W.T
        return self.dx


class Relu:
    def forward(self, x):
        self.mask = x > 0
        self.out = relu(x)
        return self.out

    def backward(self, dout):
        self.dx = dout * self.mask
        return self.dx


class SoftmaxLoss:
    def forward(self, scores, y):
        self.probs, self.y = softmax(scores), y
        return cross_entropy(scores, y)

    def backward(self):
        B = self.probs.shape[0]
        self.dx = self.probs.copy()
        self.dx[np.arange(B), self.y] -= 1
        self.dx /= B
        return self.dx


def forward(X, y, params):
    """Forward pass of the two-layer network.

    X: [B, D], y: [B] integer labels, params: {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C]}.
    Returns (loss, cache): loss is a float (the mean cross-entropy), cache is what backward needs.
    """
    fc1, act, fc2, head = Affine(params["W1"], params["b1"]), Relu(), Affine(params["W2"], params["b2"]), SoftmaxLoss()
    loss = head.forward(fc2.forward(act.forward(fc1.forward(X))), y)
    return loss, [fc1, act, fc2, head]

# %% answer_backward
def backward(cache):
    """Gradients of the mean loss. cache: what forward returned.

    Returns {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C], "X": [B, D]}.
    """
    fc1, act, fc2, head = cache
    dX = fc1.backward(act.backward(fc2.backward(head.backward())))
    return {"W1": fc1.dW, "b1": fc1.db, "W2": fc2.dW, "b2": fc2.db, "X": dX}

# %% answer_training
def init_params(D, H, C, seed=0):
    """Random params {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C]}, deterministic in seed."""
    rng = np.random.default_rng(seed)
    return {"W1": rng.normal(scale=np.sqrt(2 / D), size=(D, H)), "b1": np.full(H, 0.01),
            "W2": rng.normal(scale=np.sqrt(2 / H), size=(H, C)), "b2": np.zeros(C)}


def sgd_step(params, grads, lr):
    """One gradient-descent step, in place: params[k] -= lr * grads[k]."""
    for name in params:
        params[name] -= lr * grads[name]


def train(X, y, hidden=8, lr=0.5, iters=3000, seed=0):
    """Full-batch gradient descent. Returns (params, losses)."""
    params = init_params(X.shape[1], hidden, y.max() + 1, seed)
    losses = []
    for _ in range(iters):
        loss, layers = forward(X, y, params)
        sgd_step(params, backward(layers), lr)
        losses.append(loss)
    return params, losses


def predict(X, params):
    """Predicted class of each row of X: an integer array [B]."""
    return np.argmax(relu(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"], axis=1)
