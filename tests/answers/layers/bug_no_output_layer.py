"""Seeded bug: make_deep_net ends with the last hidden activation: no Linear(width, 1).
fails: make_deep_net missing_output_layer
"""

# %% answer_deep_net
def make_deep_net(act, init, rng, depth=6, width=32, d_in=32):
    """Sequential of depth x [Linear, act] then Linear(width, 1); weights from init and rng in layer order."""
    activation = {"sigmoid": Sigmoid, "relu": ReLU}[act]
    sizes = [d_in] + [width] * depth
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        if init == "xavier":
            W, b = xavier_uniform(fan_in, fan_out, rng), np.zeros(fan_out)
        elif init == "he":
            W, b = he_normal(fan_in, fan_out, rng), np.zeros(fan_out)
        elif init == "torch_default":
            k = 1.0 / np.sqrt(fan_in)
            W, b = rng.uniform(-k, k, size=(fan_in, fan_out)), rng.uniform(-k, k, size=fan_out)
        else:
            raise ValueError(f"unknown init {init!r}")
        layers.append(Linear(W, b))
        layers.append(activation())
    return Sequential(layers)


def layer_grad_stats(model, X, y):
    """One forward, bce_with_logits, one backward. Returns [{"mean_abs", "max_abs"} of dW per Linear], input first."""
    _, dz = bce_with_logits(model.forward(X), y)
    model.backward(dz)
    return [{"mean_abs": float(np.mean(np.abs(layer.dW))), "max_abs": float(np.max(np.abs(layer.dW)))}
            for layer in model.layers if hasattr(layer, "W")]
