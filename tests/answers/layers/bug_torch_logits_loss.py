"""Seeded bug: torch_xor_grads applies BCEWithLogitsLoss to the sigmoid's output.
fails: torch_xor_grads bce_on_logits_vs_probs
"""

# %% answer_torch_xor
def torch_xor_grads(W1, b1, W2, b2):
    """One backward of nn.Sequential(Linear, Sigmoid, Linear, Sigmoid) + nn.BCELoss on the 4 XOR points,
    loaded with these weights. Returns {"W1", "b1", "W2", "b2"} as NumPy arrays, W as [n_in, n_out]."""
    H = W1.shape[1]
    model = nn.Sequential(nn.Linear(2, H), nn.Sigmoid(), nn.Linear(H, 1), nn.Sigmoid()).double()
    with torch.no_grad():
        for layer, W, b in ((model[0], W1, b1), (model[2], W2, b2)):
            layer.weight.copy_(torch.tensor(W).T)
            layer.bias.copy_(torch.tensor(b))
    X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
    nn.BCEWithLogitsLoss()(model(X), y).backward()
    return {"W1": model[0].weight.grad.T.numpy().copy(), "b1": model[0].bias.grad.numpy().copy(),
            "W2": model[2].weight.grad.T.numpy().copy(), "b2": model[2].bias.grad.numpy().copy()}
