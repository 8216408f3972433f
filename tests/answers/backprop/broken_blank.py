"""Blank: the release notebook as handed out, nothing filled in."""

# %% answer_activations
def relu(Z):
    """Elementwise ReLU. Z: any shape. Returns an array of the same shape."""
    # YOUR CODE HERE
    raise NotImplementedError()


def softmax(Z):
    """Row-wise, numerically stable softmax. Z: [B, C] logits. Returns [B, C] probabilities."""
    # YOUR CODE HERE
    raise NotImplementedError()


def cross_entropy(logits, y):
    """Mean softmax cross-entropy. logits: [B, C] raw scores, y: [B] integer labels. Returns a float."""
    # YOUR CODE HERE
    raise NotImplementedError()

# %% answer_forward
def forward(X, y, params):
    """Forward pass of the two-layer network.

    X: [B, D], y: [B] integer labels, params: {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C]}.
    Returns (loss, cache): loss is a float (the mean cross-entropy), cache is what backward needs.
    """
    # YOUR CODE HERE
    raise NotImplementedError()

# %% answer_backward
def backward(cache):
    """Gradients of the mean loss. cache: what forward returned.

    Returns {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C], "X": [B, D]}.
    """
    # YOUR CODE HERE
    raise NotImplementedError()

# %% answer_gradcheck
def numerical_gradient(f, x, eps=1e-5):
    """Central differences of the scalar f() with respect to the array x (perturbed in place, then restored)."""
    # YOUR CODE HERE
    raise NotImplementedError()


def relative_error(a, b):
    """max |a - b| / max(1e-8, |a| + |b|) over the entries."""
    # YOUR CODE HERE
    raise NotImplementedError()


def gradient_check(X, y, params, eps=1e-5):
    """Relative error between backward and numerical gradients for "W1", "b1", "W2", "b2" and "X"."""
    # YOUR CODE HERE
    raise NotImplementedError()

# %% answer_torch
def _leaves(X, params):
    """X and the parameters as float64 leaf tensors that record gradients."""
    as_leaf = lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True)
    return as_leaf(X), {k: as_leaf(v) for k, v in params.items()}


def _torch_loss(X, y, t):
    Z2 = torch.relu(X @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"]
    return F.cross_entropy(Z2, torch.as_tensor(y, dtype=torch.long))


def torch_forward_backward(X, y, params):
    """Loss and the five gradients via autograd. Returns (float, {"W1", "b1", "W2", "b2", "X": np.ndarray})."""
    # YOUR CODE HERE
    raise NotImplementedError()


def grad_after_repeated_backward(X, y, params, n):
    """W1.grad after n forward+backward passes with no zeroing in between."""
    # YOUR CODE HERE
    raise NotImplementedError()


def train_torch(X, y, params, lr, steps):
    """steps of torch.optim.SGD with zero_grad every step. Returns the four parameters as NumPy arrays."""
    # YOUR CODE HERE
    raise NotImplementedError()

# %% answer_training
def init_params(D, H, C, seed=0):
    """Random params {"W1": [D, H], "b1": [H], "W2": [H, C], "b2": [C]}, deterministic in seed."""
    # YOUR CODE HERE
    raise NotImplementedError()


def sgd_step(params, grads, lr):
    """One gradient-descent step, in place: params[k] -= lr * grads[k]."""
    # YOUR CODE HERE
    raise NotImplementedError()


def train(X, y, hidden=8, lr=0.5, iters=3000, seed=0):
    """Full-batch gradient descent. Returns (params, losses)."""
    # YOUR CODE HERE
    raise NotImplementedError()


def predict(X, params):
    """Predicted class of each row of X: an integer array [B]."""
    # YOUR CODE HERE
    raise NotImplementedError()
