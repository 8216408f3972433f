"""The trusted reference: the network in PyTorch float64 with autograd, and the misconceptions modelled
from it. Independent of the answer key in the notebook.

torch is imported on first use, so that the probes (which import the checks) load where torch must not."""
from __future__ import annotations

import numpy as np

from .problems import GRAD_KEYS, KEYS


def _torch():
    import torch
    import torch.nn.functional as F
    return torch, F


def _leaf(a):
    torch, _ = _torch()
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64, requires_grad=True)


def run(X, y, params, *, reduction="mean", probs_into_ce=False, label_shift=0) -> dict:
    """Forward and backward with autograd: the loss, the activations and the five gradients."""
    torch, F = _torch()
    t = {k: _leaf(params[k]) for k in KEYS}
    Xt = _leaf(X)
    Z1 = Xt @ t["W1"] + t["b1"]
    H1 = torch.relu(Z1)
    Z2 = H1 @ t["W2"] + t["b2"]
    C = Z2.shape[1]
    labels = torch.as_tensor((np.asarray(y) + label_shift) % C, dtype=torch.long)
    loss = F.cross_entropy(torch.softmax(Z2, 1) if probs_into_ce else Z2, labels, reduction=reduction)
    loss.backward()
    grads = {k: t[k].grad.numpy() for k in KEYS} | {"X": Xt.grad.numpy()}
    out = {"Z1": Z1, "H1": H1, "Z2": Z2, "P": torch.softmax(Z2, 1)}
    return {"loss": float(loss.detach()), "grads": grads} | {k: v.detach().numpy() for k, v in out.items()}


def softmax(Z) -> np.ndarray:
    torch, _ = _torch()
    return torch.softmax(torch.as_tensor(np.asarray(Z, dtype=np.float64)), 1).numpy()


def cross_entropy(logits, y, reduction="mean") -> float:
    torch, F = _torch()
    z = torch.as_tensor(np.asarray(logits, dtype=np.float64))
    return float(F.cross_entropy(z, torch.as_tensor(np.asarray(y), dtype=torch.long), reduction=reduction))


def cross_entropy_mistakes(logits, y) -> list[tuple[str, np.ndarray]]:
    """(tag, loss) of the common wrong versions of the mean cross-entropy."""
    torch, F = _torch()
    z = torch.as_tensor(np.asarray(logits, dtype=np.float64))
    logp = torch.log_softmax(z, 1).numpy()
    labels = np.asarray(y)
    C = logp.shape[1]
    out = [("sum_reduction", cross_entropy(logits, y, "sum")),
           ("off_by_one_labels", cross_entropy(logits, (labels + 1) % C)),
           ("off_by_one_labels", cross_entropy(logits, (labels - 1) % C)),
           ("probs_as_logits", cross_entropy(softmax(logits), y)),
           ("column_index", float(-logp[:, labels].mean())),
           ("mean_over_classes", cross_entropy(logits, y) / C)]
    return [(tag, np.asarray(v)) for tag, v in out]


def nll_mistakes(X, y, params) -> list[tuple[str, dict]]:
    """Loss and gradients when F.nll_loss (which expects log-probabilities) is fed raw logits or probabilities."""
    torch, F = _torch()
    out = []
    for feed in (lambda z: z, lambda z: torch.softmax(z, 1)):
        t = {k: _leaf(params[k]) for k in KEYS}
        Xt = _leaf(X)
        Z2 = torch.relu(Xt @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"]
        loss = F.nll_loss(feed(Z2), torch.as_tensor(np.asarray(y), dtype=torch.long))
        loss.backward()
        out.append(("logprob_confusion", {"loss": float(loss.detach()),
                                          "grads": {k: t[k].grad.numpy() for k in KEYS} | {"X": Xt.grad.numpy()}}))
    return out


def gd(X, y, params, lr, steps) -> tuple[dict, np.ndarray]:
    """Full-batch gradient descent with a constant lr: the parameters after `steps` updates, and the loss
    before each update."""
    torch, F = _torch()
    t = {k: _leaf(params[k]) for k in KEYS}
    Xt, labels = torch.as_tensor(np.asarray(X, dtype=np.float64)), torch.as_tensor(np.asarray(y), dtype=torch.long)
    losses = []
    for _ in range(steps):
        loss = F.cross_entropy(torch.relu(Xt @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"], labels)
        grads = torch.autograd.grad(loss, list(t.values()))
        losses.append(float(loss.detach()))
        with torch.no_grad():
            for v, g in zip(t.values(), grads):
                v -= lr * g
    return {k: v.detach().numpy().copy() for k, v in t.items()}, np.array(losses)


def _manual(ref: dict, X, params, dZ2, relu_mask) -> dict:
    """The chain rule by hand from the reference activations, for modelling wrong derivatives."""
    dW2, db2 = ref["H1"].T @ dZ2, dZ2.sum(0)
    dH1 = dZ2 @ params["W2"].T
    dZ1 = dH1 * relu_mask(ref["Z1"], ref["H1"], dH1)
    return {"W1": X.T @ dZ1, "b1": dZ1.sum(0), "W2": dW2, "b2": db2, "X": dZ1 @ params["W1"].T}


def misconceptions(X, y, params) -> list[tuple[str, dict]]:
    """(tag, gradients) that a student with each misconception would compute."""
    ref = run(X, y, params)
    g, B = ref["grads"], len(y)
    dZ2 = (ref["P"] - np.eye(ref["P"].shape[1])[np.asarray(y)]) / B
    relu_masks = [lambda z, h, d: 1.0, lambda z, h, d: h, lambda z, h, d: (d > 0) * 1.0, lambda z, h, d: (z < 0) * 1.0]
    return ([("missing_inv_B", {k: v * B for k, v in g.items()}),
             ("bias_mean", g | {"b1": g["b1"] / B, "b2": g["b2"] / B}),
             ("doubled_inv_B", {k: v / B for k, v in g.items()}),
             ("off_by_one_labels", run(X, y, params, label_shift=1)["grads"]),
             ("off_by_one_labels", run(X, y, params, label_shift=-1)["grads"])]
            + [("relu_derivative", _manual(ref, X, params, dZ2, m)) for m in relu_masks])


def sgd(X, y, params, lr, steps, zero_grad=True) -> dict:
    """Plain SGD on the reference network, with or without zeroing the gradients each step."""
    torch, F = _torch()
    t = {k: _leaf(params[k]) for k in KEYS}
    opt = torch.optim.SGD(list(t.values()), lr=lr)
    Xt, labels = torch.as_tensor(np.asarray(X, dtype=np.float64)), torch.as_tensor(np.asarray(y), dtype=torch.long)
    for _ in range(steps):
        if zero_grad:
            opt.zero_grad()
        Z2 = torch.relu(Xt @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"]
        F.cross_entropy(Z2, labels).backward()
        opt.step()
    return {k: v.detach().numpy().copy() for k, v in t.items()}


__all__ = ["run", "softmax", "cross_entropy", "cross_entropy_mistakes", "nll_mistakes", "misconceptions", "sgd",
           "gd", "GRAD_KEYS"]
