"""Broken: the released notebook as handed out, nothing filled in (every answer cell still raises
NotImplementedError).
"""

# %% answer_layers
class Linear:
    """out = x @ W + b. W [n_in, n_out], b [n_out]; backward sets self.dW, self.db and returns dx."""

    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x):
        """x [B, n_in] -> out [B, n_out]; caches x."""
        # YOUR CODE HERE
        raise NotImplementedError()

    def backward(self, dout):
        """dout [B, n_out] -> dx [B, n_in]; sets self.dW [n_in, n_out] and self.db [n_out] (overwriting)."""
        # YOUR CODE HERE
        raise NotImplementedError()


class ReLU:
    """out = max(z, 0), elementwise."""

    def forward(self, z):
        # YOUR CODE HERE
        raise NotImplementedError()

    def backward(self, dout):
        """dz = dout * (z > 0); dout itself is left unchanged."""
        # YOUR CODE HERE
        raise NotImplementedError()


class Sigmoid:
    """a = 1 / (1 + exp(-z)), computed stably; backward uses the cached output a."""

    def forward(self, z):
        # YOUR CODE HERE
        raise NotImplementedError()

    def backward(self, dout):
        """dz = dout * a * (1 - a)."""
        # YOUR CODE HERE
        raise NotImplementedError()


# %% answer_gradcheck
def numerical_gradient_array(f, x, df, h=1e-5):
    """Central differences of sum(f(x) * df) with respect to each entry of x. Returns grad [x.shape].

    Perturbs x in place and restores it exactly; copies f's output before calling f again.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def check_layer(layer, x, rng):
    """Gradient-checks one layer with a random upstream gradient drawn from rng.

    Returns {"x": relerr, <param>: relerr, ...}: Linear "W", "b"; LayerNorm "gamma", "beta".
    """
    # YOUR CODE HERE
    raise NotImplementedError()


# %% answer_layernorm
class LayerNorm:
    """Per-row normalisation over the D features, then gamma * xhat + beta."""

    def __init__(self, D, eps=1e-5):
        self.gamma = np.ones(D)
        self.beta = np.zeros(D)
        self.eps = eps

    def forward(self, x):
        """x [N, D] -> out [N, D]."""
        # YOUR CODE HERE
        raise NotImplementedError()

    def backward(self, dout):
        """dout [N, D] -> dx [N, D]; sets self.dgamma [D] and self.dbeta [D]."""
        # YOUR CODE HERE
        raise NotImplementedError()


# %% answer_sequential
class Sequential:
    """Layers applied in order; backward in reverse, chaining each layer's dx."""

    def __init__(self, layers):
        self.layers = list(layers)

    def forward(self, x):
        # YOUR CODE HERE
        raise NotImplementedError()

    def backward(self, dout):
        """Returns dx, the gradient for the network's input."""
        # YOUR CODE HERE
        raise NotImplementedError()


# %% answer_bce
def bce_with_logits(z, y):
    """Mean binary cross-entropy of logits z against labels y (same shape, [B] or [B, 1]), computed stably.

    Returns (loss, dz): loss a Python float, dz = (sigmoid(z) - y) / B of z's shape.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


# %% answer_init
def xavier_uniform(fan_in, fan_out, rng):
    """W [fan_in, fan_out] from U(-a, a), a = sqrt(6 / (fan_in + fan_out))."""
    # YOUR CODE HERE
    raise NotImplementedError()


def he_normal(fan_in, fan_out, rng):
    """W [fan_in, fan_out] from N(0, 2 / fan_in)."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %% answer_collapse
def collapse_linear(linears):
    """A list of Linear layers (no activations between them) -> (W, b) of one Linear computing the same map."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %% answer_train_xor
def train_xor(hidden=4, lr=1.0, steps=3000, seed=0):
    """Full-batch gradient descent of Linear-Sigmoid-Linear with bce_with_logits on the 4 XOR points.

    Returns (model, losses): losses[i] is the loss before the i-th update, a Python float.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


# %% answer_torch_xor
def torch_xor_grads(W1, b1, W2, b2):
    """One backward of nn.Sequential(Linear, Sigmoid, Linear, Sigmoid) + nn.BCELoss on the 4 XOR points,
    loaded with these weights. Returns {"W1", "b1", "W2", "b2"} as NumPy arrays, W as [n_in, n_out]."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %% answer_deep_net
def make_deep_net(act, init, rng, depth=6, width=32, d_in=32):
    """Sequential of depth x [Linear, act] then Linear(width, 1); weights from init and rng in layer order."""
    # YOUR CODE HERE
    raise NotImplementedError()


def layer_grad_stats(model, X, y):
    """One forward, bce_with_logits, one backward. Returns [{"mean_abs", "max_abs"} of dW per Linear], input first."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %% answer_flow_table
def gradient_flow_table(model):
    """For each (name, p) in model.named_parameters(): {"name", "mean_abs", "max_abs", "has_nan"} of p.grad
    (Python floats and a bool), or None means and has_nan False when p.grad is None."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %% answer_weight_decay
def l2_penalty(weights, lam):
    """lam / 2 * sum of ||W||_F^2 over the list of weight arrays, as a float."""
    # YOUR CODE HERE
    raise NotImplementedError()


def add_weight_decay(model, lam):
    """After backward: every Linear's dW += lam * W, in place. Biases and other layers untouched. Returns None."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %% answer_clip
def clip_grad_norm(grads, max_norm):
    """Scales every array of grads in place by max_norm / (total + 1e-6) when that is below 1, where total is
    the norm of all entries of all arrays together. Returns total (before clipping) as a float."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %% answer_inplace_predictions
INPLACE_RAISES = {"A": None, "B": None, "C": None, "D": None, "E": None, "F": None}   # True or False each
# YOUR CODE HERE
raise NotImplementedError()


# %% answer_inplace
def fixed_scaled_sigmoid(x):
    """Same value and gradient as scaled_sigmoid_buggy, without modifying a saved tensor in place."""
    # YOUR CODE HERE
    raise NotImplementedError()


def sgd_step_inplace(params, lr):
    """For each leaf tensor p with p.grad: p -= lr * p.grad in place under torch.no_grad(), then p.grad = None."""
    # YOUR CODE HERE
    raise NotImplementedError()
