"""Part 3: the same network with PyTorch autograd, the zero_grad follow-up and SGD with torch.optim."""
from __future__ import annotations

import contextlib

import numpy as np

from .. import oracle
from ....core.compare import close, expect, number, show
from ..problems import GRAD_KEYS, problem
from ....core.check import Check, Fail
from ._common import grads_dict, need_key, pair

PART = "Part 3"


@contextlib.contextmanager
def counting_autograd(calls: list):
    """Count calls into autograd's backward engine (loss.backward() and torch.autograd.grad go through it)."""
    import torch
    originals = torch.autograd.backward, torch.autograd.grad

    def counted(fn):
        def wrapper(*a, **k):
            calls.append(fn.__name__)
            return fn(*a, **k)
        return wrapper

    torch.autograd.backward, torch.autograd.grad = (counted(f) for f in originals)
    try:
        yield
    finally:
        torch.autograd.backward, torch.autograd.grad = originals


class TorchForwardBackward(Check):
    def inputs(self, rng):
        return problem(rng)

    def probe(self, s, inp):
        calls = []
        with counting_autograd(calls):
            loss, grads = pair(s.torch_forward_backward(inp["X"], inp["y"], inp["params"]), "torch_forward_backward")
        return {"loss": loss, "grads": grads, "autograd_calls": len(calls)}

    def judge(self, inp, ans):
        X, y, p = inp["X"], inp["y"], inp["params"]
        ref, probs = oracle.run(X, y, p), oracle.run(X, y, p, probs_into_ce=True)
        loss = number(ans["loss"], "the loss returned by torch_forward_backward")
        expect("the loss from torch_forward_backward", np.asarray(loss), np.asarray(ref["loss"]),
               [("probs_into_ce", np.asarray(probs["loss"]))])
        grads = grads_dict(ans["grads"], "torch_forward_backward")
        for k in GRAD_KEYS:
            g = need_key(grads, k, "torch_forward_backward")
            expect(f"d{k} from torch_forward_backward", g, ref["grads"][k],
                   [("probs_into_ce", probs["grads"][k])], B=len(y))
        if ans["autograd_calls"] == 0:
            raise Fail("the gradients are right, but autograd was never called (no loss.backward()).",
                       "not_autograd")
        return ""


class Accumulation(Check):
    def inputs(self, rng):
        return problem(rng) | {"n": int(rng.integers(2, 5))}

    def probe(self, s, inp):
        args = inp["X"], inp["y"], inp["params"]
        return {"one": s.grad_after_repeated_backward(*args, 1), "n": s.grad_after_repeated_backward(*args, inp["n"])}

    def judge(self, inp, ans):
        n, g = inp["n"], oracle.run(inp["X"], inp["y"], inp["params"])["grads"]["W1"]
        expect("W1.grad after 1 backward", ans["one"], g)
        got = ans["n"]
        if isinstance(got, np.ndarray) and close(got, g) and n > 1:
            raise Fail(f"after {n} backward calls W1.grad equals one gradient ({show(g)}); without zero_grad it "
                       f"should be {n} times that ({show(n * g)}).", "zeroed_between_calls")
        expect(f"W1.grad after {n} backward calls", got, n * g)
        return ""


class TrainTorch(Check):
    def inputs(self, rng):
        return problem(rng) | {"lr": float(rng.uniform(0.05, 0.5)), "steps": int(rng.integers(3, 7))}

    def probe(self, s, inp):
        return {"params": s.train_torch(inp["X"], inp["y"], inp["params"], inp["lr"], inp["steps"])}

    def judge(self, inp, ans):
        args = inp["X"], inp["y"], inp["params"], inp["lr"], inp["steps"]
        ref, acc = oracle.sgd(*args), oracle.sgd(*args, zero_grad=False)
        got = grads_dict(ans["params"], "train_torch")
        for k in ("W1", "b1", "W2", "b2"):
            expect(f"{k} after {inp['steps']} SGD steps (lr={inp['lr']:.3g})", need_key(got, k, "train_torch"),
                   ref[k], [("no_zero_grad", acc[k])])
        return ""


CHECKS = [
    TorchForwardBackward("torch_forward_backward", PART, "torch_forward_backward", 8, numpy_only=False,
                         uses=("torch_forward_backward",)),
    Accumulation("zero_grad_accumulation", PART, "gradient accumulation", 5, numpy_only=False,
                 uses=("grad_after_repeated_backward",)),
    TrainTorch("train_torch", PART, "train_torch", 7, numpy_only=False, uses=("train_torch",)),
]
