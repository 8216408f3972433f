"""Part 3: the same network with PyTorch autograd, the zero_grad follow-up and SGD with torch.optim."""
from __future__ import annotations

import contextlib

import numpy as np

from .. import oracle
from ....core.compare import close, expect, float64, number, show
from ....core.student import StudentError, dtypes, int32
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
        try:
            loss32, _ = pair(s.torch_forward_backward(inp["X"], int32(inp["y"]), inp["params"]),
                             "torch_forward_backward")
            int32_error = None
        except StudentError as e:
            loss32, int32_error = None, e.text
        return {"loss": loss, "loss_type": type(loss).__name__, "grads": grads, "autograd_calls": len(calls),
                "dtypes": dtypes(grads) if isinstance(grads, dict) else {}, "loss32": loss32,
                "int32_error": int32_error}

    def judge(self, inp, ans):
        X, y, p = inp["X"], inp["y"], inp["params"]
        ref, probs = oracle.run(X, y, p), oracle.run(X, y, p, probs_into_ce=True)
        nll = oracle.nll_mistakes(X, y, p)
        name = "the loss returned by torch_forward_backward"
        if ans.get("loss_type") == "Tensor":
            raise Fail(f"{name} is a torch tensor; the notebook asks for a Python float (loss.item()).", "wrong_type")
        loss = number(ans["loss"], name)
        expect("the loss from torch_forward_backward", np.asarray(loss), np.asarray(ref["loss"]),
               [("probs_into_ce", np.asarray(probs["loss"]))] + [(t, np.asarray(m["loss"])) for t, m in nll],
               f64=True)
        grads = grads_dict(ans["grads"], "torch_forward_backward")
        float64(ans.get("dtypes"), "d{key} from torch_forward_backward")
        for k in GRAD_KEYS:
            g = need_key(grads, k, "torch_forward_backward")
            expect(f"d{k} from torch_forward_backward", g, ref["grads"][k],
                   [("probs_into_ce", probs["grads"][k])] + [(t, m["grads"][k]) for t, m in nll], B=len(y), f64=True)
        if ans["autograd_calls"] == 0:
            raise Fail("the gradients are right, but autograd was never called (no loss.backward()).",
                       "not_autograd")
        if ans.get("int32_error"):
            raise Fail(f"with labels of dtype int32 (the notebook allows any integer labels), "
                       f"{ans['int32_error']}", "int32_labels")
        expect("the loss from torch_forward_backward with int32 labels", np.asarray(number(ans["loss32"], name)),
               np.asarray(ref["loss"]))
        return ""


class Accumulation(Check):
    def inputs(self, rng):
        return problem(rng) | {"n": int(rng.integers(2, 5))}

    def probe(self, s, inp):
        args = inp["X"], inp["y"], inp["params"]
        n = s.grad_after_repeated_backward(*args, inp["n"])
        return {"one": s.grad_after_repeated_backward(*args, 1), "n": n, "dtype": dtypes(n)}

    def judge(self, inp, ans):
        n, g = inp["n"], oracle.run(inp["X"], inp["y"], inp["params"])["grads"]["W1"]
        float64(ans.get("dtype"), "W1.grad from grad_after_repeated_backward")
        expect("W1.grad after 1 backward", ans["one"], g, f64=True)
        got = ans["n"]
        if isinstance(got, np.ndarray) and close(got, g) and n > 1:
            raise Fail(f"after {n} backward calls W1.grad equals one gradient ({show(g)}); without zero_grad it "
                       f"should be {n} times that ({show(n * g)}).", "zeroed_between_calls")
        expect(f"W1.grad after {n} backward calls", got, n * g, f64=True)
        return ""


class TrainTorch(Check):
    def inputs(self, rng):
        return problem(rng) | {"lr": float(rng.uniform(0.05, 0.45)), "steps": int(rng.integers(3, 7))}

    def probe(self, s, inp):
        p = {k: v.copy() for k, v in inp["params"].items()}
        out = s.train_torch(inp["X"], inp["y"], p, inp["lr"], inp["steps"])
        return {"params": out, "dtypes": dtypes(out) if isinstance(out, dict) else {}, "given_after": p}

    def judge(self, inp, ans):
        X, y, p0, lr, steps = inp["X"], inp["y"], inp["params"], inp["lr"], inp["steps"]
        ref, acc = oracle.sgd(X, y, p0, lr, steps), oracle.sgd(X, y, p0, lr, steps, zero_grad=False)
        got = grads_dict(ans["params"], "train_torch")
        float64(ans.get("dtypes"), "params[\"{key}\"] from train_torch")

        def models(k):
            def made():
                out = [("no_zero_grad", acc[k])]
                for other in (0.5, 0.1, 0.01, 1.0):          # a learning rate written into the function
                    out.append(("ignores_argument", oracle.sgd(X, y, p0, other, steps)[k]))
                for other in (1, 20, 100):                   # a number of steps written into the function
                    out.append(("ignores_argument", oracle.sgd(X, y, p0, lr, other)[k]))
                return out
            return made
        for k in ("W1", "b1", "W2", "b2"):
            try:
                expect(f"{k} after {steps} SGD steps (lr={lr:.3g})", need_key(got, k, "train_torch"), ref[k],
                       models(k), f64=True)
            except Fail as f:
                if f.tag == "ignores_argument":
                    raise Fail(f.message + f" That is what another learning rate or number of steps gives: "
                               f"train_torch ignores its lr={lr:.3g} or steps={steps} argument.", f.tag)
                raise
        for k, v in p0.items():
            after = ans["given_after"].get(k) if isinstance(ans["given_after"], dict) else None
            if not (isinstance(after, np.ndarray) and after.shape == v.shape and after.tobytes() == v.tobytes()):
                raise Fail(f"train_torch changed the caller's params[\"{k}\"] in place; the notebook asks it to "
                           "leave params unchanged and return new arrays.", "shares_params")
        return ""


CHECKS = [
    TorchForwardBackward("torch_forward_backward", PART, "torch_forward_backward", 8, numpy_only=False,
                         uses=("torch_forward_backward",)),
    Accumulation("zero_grad_accumulation", PART, "gradient accumulation", 5, numpy_only=False,
                 uses=("grad_after_repeated_backward",)),
    TrainTorch("train_torch", PART, "train_torch", 7, numpy_only=False, uses=("train_torch",)),
]
