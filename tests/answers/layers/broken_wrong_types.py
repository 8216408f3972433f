"""Broken: methods and functions return the wrong types (lists, strings, tensors, tuples of the wrong size)."""

# %% answer_layers
class Linear:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x):
        self.x = x
        return (x @ self.W + self.b).tolist()

    def backward(self, dout):
        self.dW = "x.T @ dout"
        self.db = None
        return [dout @ self.W.T]


class ReLU:
    def forward(self, z):
        return "relu"

    def backward(self, dout):
        return {"dz": dout}


class Sigmoid:
    def forward(self, z):
        self.a = 1 / (1 + np.exp(-z))
        return self.a.astype(np.float32)

    def backward(self, dout):
        return float(np.sum(dout))

# %% answer_bce
def bce_with_logits(z, y):
    return {"loss": 0.0}

# %% answer_init
def xavier_uniform(fan_in, fan_out, rng):
    return rng.uniform(-1, 1, (fan_in, fan_out)).tolist()


def he_normal(fan_in, fan_out, rng):
    return "he"

# %% answer_weight_decay
def l2_penalty(weights, lam):
    return np.float32(lam / 2 * sum(np.sum(W * W) for W in weights))


def add_weight_decay(model, lam):
    for layer in model.layers:
        if hasattr(layer, "W"):
            layer.dW += lam * layer.W

# %% answer_clip
def clip_grad_norm(grads, max_norm):
    return np.array([max_norm])

# %% answer_flow_table
def gradient_flow_table(model):
    return [{"name": n, "mean_abs": p.grad.abs().mean() if p.grad is not None else None, "max_abs": None,
             "has_nan": torch.tensor(False)} for n, p in model.named_parameters()]

# %% answer_inplace
def fixed_scaled_sigmoid(x):
    return float((2 * torch.sigmoid(x)).pow(2).sum())


def sgd_step_inplace(params, lr):
    return [p - lr * p.grad for p in params]
