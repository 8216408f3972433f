"""The trusted reference: every quantity of this assignment computed by PyTorch in float64, with autograd.
Independent of the answer key. torch is imported on first use, so the NumPy-only probes load without it."""
from __future__ import annotations

import numpy as np


def _torch():
    import torch
    import torch.nn.functional as F
    return torch, F


def _t(a, grad: bool = False):
    torch, _ = _torch()
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64, requires_grad=grad)


def _np(t) -> np.ndarray:
    return t.detach().numpy().copy()


def apply(kind: str, params: dict, x):
    """One layer in torch: kind in linear, relu, sigmoid, layernorm; params as tensors."""
    torch, F = _torch()
    if kind == "linear":
        return x @ params["W"] + params["b"]
    if kind == "relu":
        return torch.relu(x)
    if kind == "sigmoid":
        return torch.sigmoid(x)
    if kind == "layernorm":
        return F.layer_norm(x, (x.shape[-1],), params["gamma"], params["beta"], params["eps"])
    raise ValueError(kind)


def layer_vjp(kind: str, params: dict, x, G) -> dict:
    """out, and the gradients of sum(out * G) for x and every array parameter: {"out", "x", "W", ...}."""
    per, whole = sequence_vjp([(kind, params)], x, G)
    return per[0] | {"out": whole["out"]}


def sequence_vjp(layers: list, x, G) -> tuple[list[dict], dict]:
    """Layers [(kind, params)] in order: per layer the gradients of sum(out * G) for its parameters and
    its input; and {"out", "x"} of the whole stack."""
    tensors = [{k: (_t(v, True) if isinstance(v, np.ndarray) else v) for k, v in p.items()} for _, p in layers]
    h = _t(x, True)
    inputs = []
    for (kind, _), p in zip(layers, tensors):
        h.retain_grad()
        inputs.append(h)
        h = apply(kind, p, h)
    (h * _t(G)).sum().backward()
    per = [{k: _np(v.grad) for k, v in p.items() if hasattr(v, "grad") and v.grad is not None} | {"x": _np(i.grad)}
           for p, i in zip(tensors, inputs)]
    return per, {"out": _np(h), "x": per[0]["x"]}


def bce_logits(z, y) -> tuple[float, np.ndarray]:
    torch, F = _torch()
    zt = _t(z, True)
    loss = F.binary_cross_entropy_with_logits(zt, _t(y))
    loss.backward()
    return float(loss.detach()), _np(zt.grad)


def layernorm(x, gamma, beta, eps) -> np.ndarray:
    _, F = _torch()
    return _np(F.layer_norm(_t(x), (np.shape(x)[-1],), _t(gamma), _t(beta), eps))


def deep_net_stats(Ws: list, bs: list, act: str, X, y, grads: bool = False) -> list[dict]:
    """mean |dW| and max |dW| per Linear (input side first) after one forward, mean BCE-with-logits, backward."""
    torch, F = _torch()
    Wt, bt = [_t(W, True) for W in Ws], [_t(b, True) for b in bs]
    h = _t(X)
    for i, (W, b) in enumerate(zip(Wt, bt)):
        h = h @ W + b
        if i < len(Wt) - 1:
            h = torch.sigmoid(h) if act == "sigmoid" else torch.relu(h)
    F.binary_cross_entropy_with_logits(h, _t(y)).backward()
    return [{"mean_abs": float(W.grad.abs().mean()), "max_abs": float(W.grad.abs().max())}
            | ({"grad": _np(W.grad)} if grads else {}) for W in Wt]


XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def xor_grads(W1, b1, W2, b2, probs_into_bce_with_logits: bool = False) -> dict:
    """nn.Sequential(Linear, Sigmoid, Linear, Sigmoid) with nn.BCELoss on the 4 XOR points, one backward;
    gradients in this notebook's orientation (W [n_in, n_out])."""
    torch, F = _torch()
    H = np.shape(W1)[1]
    model = torch.nn.Sequential(torch.nn.Linear(2, H), torch.nn.Sigmoid(), torch.nn.Linear(H, 1),
                                torch.nn.Sigmoid()).double()
    with torch.no_grad():
        for layer, W, b in ((model[0], W1, b1), (model[2], W2, b2)):
            layer.weight.copy_(_t(W).T)
            layer.bias.copy_(_t(b))
    p = model(_t(XOR_X))
    loss = (F.binary_cross_entropy_with_logits(p, _t(XOR_Y)) if probs_into_bce_with_logits
            else F.binary_cross_entropy(p, _t(XOR_Y)))
    loss.backward()
    return {"W1": _np(model[0].weight.grad.T), "b1": _np(model[0].bias.grad),
            "W2": _np(model[2].weight.grad.T), "b2": _np(model[2].bias.grad)}


def clip_grad_norm(grads: list, max_norm: float) -> tuple[list, float]:
    torch, _ = _torch()
    ps = []
    for g in grads:
        p = _t(np.zeros_like(g), True)
        p.grad = _t(g)
        ps.append(p)
    total = torch.nn.utils.clip_grad_norm_(ps, max_norm)
    return [_np(p.grad) for p in ps], float(total)


def run_snippet(code: str) -> bool:
    """Whether a snippet raises RuntimeError when run in torch (the oracle of the in-place predictions)."""
    torch, _ = _torch()
    torch.manual_seed(0)
    try:
        exec(code, {"torch": torch})
    except RuntimeError:
        return True
    return False


def scaled_sigmoid(x) -> tuple[float, np.ndarray]:
    """The value and x.grad of (a * a).sum() with a = 2 * sigmoid(x), computed without in-place ops."""
    torch, _ = _torch()
    xt = _t(x, True)
    a = torch.sigmoid(xt) * 2
    out = (a * a).sum()
    out.backward()
    return float(out.detach()), _np(xt.grad)
