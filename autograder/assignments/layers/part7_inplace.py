"""Part 7: in-place operations and autograd's version counter, judged by running the snippets in torch."""
from __future__ import annotations

import numpy as np

from . import oracle
from .base import LayerCheck, expect
from .blocks import Fail, StudentError, described, show
from ...core.objects import value, what

PART = "Part 7"

# does `...sum().backward()` raise? x = torch.randn(3, requires_grad=True) (the notebook shows the same text)
SNIPPETS = {
    "A": "x = torch.randn(3, requires_grad=True)\ny = x.sigmoid()\ny.mul_(2)\ny.sum().backward()",
    "B": "x = torch.randn(3, requires_grad=True)\nh = x * 2\nr = h.relu()\nh.add_(1)\nr.sum().backward()",
    "C": "x = torch.randn(3, requires_grad=True)\nh = x + 1\nz = h * h\nh.add_(1)\nz.sum().backward()",
    "D": "x = torch.randn(3, requires_grad=True)\nh = x + 1\nz = h + h\nh.add_(1)\nz.sum().backward()",
    "E": "x = torch.randn(3, requires_grad=True)\nx.add_(1)\nx.sum().backward()",
    "F": "x = torch.randn(3, requires_grad=True)\nwith torch.no_grad():\n    x.add_(1)\nx.sum().backward()",
}
WHY = {"A": "sigmoid saves its output", "B": "relu saves its output r, not its input h",
       "C": "mul saves its inputs", "D": "add saves nothing", "E": "an in-place op on a leaf that requires grad",
       "F": "under torch.no_grad() the in-place op is not recorded"}


class InplacePredictions(LayerCheck):
    def inputs(self, rng):
        return {}

    def ask(self, s, inp):
        d = value(s, "INPLACE_RAISES", dict, "a dict {\"A\": True/False, ...}")
        return {"pred": {k: bool(d.get(k)) if isinstance(d.get(k), (bool, np.bool_)) else what(d.get(k))
                         for k in SNIPPETS}}

    def judge(self, inp, ans):
        pred = ans["pred"]
        for k, code in SNIPPETS.items():
            truth = oracle.run_snippet(code)
            p = pred.get(k)
            if not isinstance(p, (bool, np.bool_)):
                raise Fail(f"INPLACE_RAISES[\"{k}\"] is {p}; expected True or False.", "wrong_type")
            if bool(p) != truth:
                tag = "leaf_inplace" if k in "EF" else "saved_output_vs_input"
                raise Fail(f"snippet {k} {'raises' if truth else 'does not raise'} when run in torch "
                           f"({WHY[k]}); INPLACE_RAISES[\"{k}\"] says {bool(p)}.", tag)
        return ""


class FixedScaledSigmoid(LayerCheck):
    def inputs(self, rng):
        return {"x": rng.normal(size=int(rng.integers(3, 8)))}

    def ask(self, s, inp):
        import torch
        x = torch.tensor(inp["x"], dtype=torch.float64, requires_grad=True)
        out = s.fixed_scaled_sigmoid(x)
        if not isinstance(out, torch.Tensor):
            return {"type": what(out) if not isinstance(out, float) else "a Python float"}
        if not out.requires_grad:
            return {"value": float(out.detach()), "grad": None, "x": x.detach().numpy().copy(), "requires_grad": False}
        try:
            out.backward()
        except RuntimeError as e:
            return {"backward_error": str(e).splitlines()[0][:300]}
        return {"value": float(out.detach()), "grad": None if x.grad is None else x.grad.numpy().copy(),
                "x": x.detach().numpy().copy(), "requires_grad": bool(out.requires_grad)}

    def judge(self, inp, ans):
        if "type" in ans:
            raise Fail(f"fixed_scaled_sigmoid should return a scalar torch tensor (so that .backward() works), "
                       f"returned {ans['type']}.", "wrong_type")
        if "backward_error" in ans:
            raise Fail(f"backward through fixed_scaled_sigmoid raised RuntimeError: {ans['backward_error']}",
                       "still_inplace")
        val, grad = oracle.scaled_sigmoid(inp["x"])
        if not np.array_equal(ans["x"], inp["x"]):
            raise Fail("fixed_scaled_sigmoid changed x.", "mutates_input")
        expect("fixed_scaled_sigmoid(x)", np.asarray(ans["value"]), np.asarray(val))
        g = ans["grad"]
        if g is None or (isinstance(g, np.ndarray) and not np.any(g)):
            raise Fail(f"after backward, x.grad is {'None' if g is None else show(g)}; expected {show(grad)}.",
                       "detached")
        expect("x.grad after fixed_scaled_sigmoid(x).backward()", g, grad)
        return ""


class SgdStepInplace(LayerCheck):
    def inputs(self, rng):
        shapes = [(int(rng.integers(2, 5)), int(rng.integers(2, 5))), (int(rng.integers(2, 6)),)]
        return {"values": [rng.normal(size=sh) for sh in shapes], "grads": [rng.normal(size=sh) for sh in shapes],
                "lr": float(rng.uniform(0.01, 0.5))}

    def ask(self, s, inp):
        import torch
        params = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in inp["values"]]
        for p, g in zip(params, inp["grads"]):
            (p * torch.tensor(g)).sum().backward()        # a real backward leaves p.grad = g
        ids, versions = [id(p) for p in params], [p._version for p in params]
        given = list(params)
        try:
            s.sgd_step_inplace(given, inp["lr"])
        except StudentError as e:
            if "leaf Variable" in e.text or "in-place operation" in e.text:
                return {"leaf_error": e.text}
            raise
        same = [id(q) == i for q, i in zip(given, ids)]
        return {"same": same, "values": [p.detach().numpy().copy() for p in params],
                "leaf": [bool(p.is_leaf and p.requires_grad) for p in params],
                "grads": [None if p.grad is None else p.grad.numpy().copy() for p in params],
                "versions": [p._version - v for p, v in zip(params, versions)]}

    def judge(self, inp, ans):
        if "leaf_error" in ans:
            raise Fail(f"{ans['leaf_error']}", "no_grad_missing")
        lr = inp["lr"]
        for i, (v, g) in enumerate(zip(inp["values"], inp["grads"])):
            if not ans["same"][i]:
                raise Fail(f"the list's tensor {i} was replaced by a new tensor; the caller's tensors must be "
                           "updated in place.", "rebinds")
            if np.array_equal(ans["values"][i], v):
                raise Fail(f"tensor {i} is unchanged after sgd_step_inplace (lr={lr:.3g}).", "rebinds")
            expect(f"tensor {i} after sgd_step_inplace(params, lr={lr:.3g})", ans["values"][i], v - lr * g)
            if not ans["leaf"][i]:
                raise Fail(f"tensor {i} is no longer a leaf that requires grad.", "no_grad_missing")
            if ans["versions"][i] < 1:
                raise Fail(f"tensor {i}'s version counter did not change: its values were changed behind "
                           "autograd's back (through .data), which hides in-place changes from the check that "
                           "snippets A-E showed.", "uses_data_and_forgets_zero")
            gr = ans["grads"][i]
            if gr is not None and np.any(gr):
                raise Fail(f"tensor {i}'s grad is still {show(gr)} after the step; clear it (p.grad = None).",
                           "uses_data_and_forgets_zero")
        return ""


CHECKS = [
    InplacePredictions("inplace_predictions", PART, "in-place predictions", 3, numpy_only=False,
                       uses=("INPLACE_RAISES",)),
    FixedScaledSigmoid("fixed_scaled_sigmoid", PART, "fixed_scaled_sigmoid", 3, numpy_only=False,
                       uses=("fixed_scaled_sigmoid",)),
    SgdStepInplace("sgd_step_inplace", PART, "sgd_step_inplace", 4, numpy_only=False, uses=("sgd_step_inplace",)),
]
