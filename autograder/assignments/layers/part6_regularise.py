"""Part 6: L2 weight decay (penalty and gradient, weights only) and gradient clipping by the global norm."""
from __future__ import annotations

import numpy as np

from . import oracle
from .base import LayerCheck, expect, got_array, is_float
from .blocks import Fail, described, show
from ...core.objects import arr, new, scalar, what
from .part4_sequential import LAYERS, build

PART = "Part 6"


class L2Penalty(LayerCheck):
    def inputs(self, rng):
        shapes = [tuple(int(v) for v in rng.integers(2, 7, 2)) for _ in range(int(rng.integers(2, 4)))]
        return {"weights": [rng.normal(size=sh) for sh in shapes], "lam": float(rng.uniform(0.01, 0.5))}

    def ask(self, s, inp):
        ws = [w.copy() for w in inp["weights"]]
        return {"value": scalar(s.l2_penalty(ws, inp["lam"])),
                "same": all(np.array_equal(a, b) for a, b in zip(ws, inp["weights"]))}

    def judge(self, inp, ans):
        lam, ws = inp["lam"], inp["weights"]
        sq = sum(float(np.sum(w * w)) for w in ws)
        got = is_float(ans["value"], "l2_penalty(weights, lam)")
        want = lam / 2 * sq
        expect(f"l2_penalty(weights, lam={lam:.3g})", np.asarray(got), np.asarray(want),
               [("l2_no_half", np.asarray(lam * sq)), ("l2_norm_not_squared",
                                                        np.asarray(lam / 2 * sum(np.linalg.norm(w) for w in ws))),
                ("l2_over_B", np.asarray(lam / (2 * ws[0].shape[0]) * sq))])
        if not ans["same"]:
            raise Fail("l2_penalty changed the weight arrays it was given.", "mutates_input")
        return ""


STACK = ("linear", "layernorm", "relu", "linear")


class WeightDecayGrad(LayerCheck):
    def inputs(self, rng):
        B, d, w = (int(v) for v in rng.choice(np.arange(3, 9), 3, replace=False))
        layers = [["linear", {"W": rng.normal(size=(d, w)), "b": rng.normal(size=w)}],
                  ["layernorm", {"gamma": rng.uniform(0.5, 2, w), "beta": rng.normal(size=w), "eps": 1e-5}],
                  ["relu", {}], ["linear", {"W": rng.normal(size=(w, 2)), "b": rng.normal(size=2)}]]
        return {"layers": layers, "x": rng.normal(size=(B, d)), "G": rng.normal(size=(B, 2)),
                "lam": float(rng.uniform(0.05, 0.5))}

    def ask(self, s, inp):
        objs = [build(s, k, p) for k, p in inp["layers"]]
        model = new(s, "Sequential", [o.raw for o in objs])
        model.forward(inp["x"])
        model.backward(inp["G"])
        names = {"linear": ("dW", "db"), "layernorm": ("dgamma", "dbeta")}
        before = [{n: arr(getattr(o, n)) for n in names.get(k, ())} for (k, _), o in zip(inp["layers"], objs)]
        returned = s.add_weight_decay(model.raw, inp["lam"])
        after = [{n: arr(getattr(o, n)) for n in names.get(k, ())} for (k, _), o in zip(inp["layers"], objs)]
        # the consistency the seed asks for: the derivative of the student's own penalty, by central differences
        W = np.array(inp["layers"][0][1]["W"], copy=True)
        h, i = 1e-6, (0, 0)
        plus, minus = W.copy(), W.copy()
        plus[i] += h
        minus[i] -= h
        slope = None
        try:
            slope = (float(s.l2_penalty([plus], inp["lam"])) - float(s.l2_penalty([minus], inp["lam"]))) / (2 * h)
        except Exception:
            pass
        return {"before": before, "after": after, "returned": what(returned) if returned is not None else None,
                "slope": slope}

    def judge(self, inp, ans):
        lam, specs = inp["lam"], inp["layers"]
        per, _ = oracle.sequence_vjp([(k, p) for k, p in specs], inp["x"], inp["G"])
        for i, ((kind, p), ref, before, after) in enumerate(zip(specs, per, ans["before"], ans["after"])):
            if kind == "linear":
                W, b = p["W"], p["b"]
                dW_data = got_array(before["dW"], f"layer {i}'s dW before add_weight_decay", W.shape)
                dW = got_array(after["dW"], f"layer {i}'s dW after add_weight_decay", W.shape)
                if np.array_equal(dW, dW_data):
                    raise Fail(f"layer {i}'s dW is unchanged after add_weight_decay"
                               + (f" (it returned {ans['returned']} instead)" if ans["returned"] else "") + ".",
                               "not_in_place")
                B = inp["x"].shape[0]
                expect(f"layer {i}'s dW after add_weight_decay(model, lam={lam:.3g})", dW, ref["W"] + lam * W,
                       [("l2_grad_half", ref["W"] + lam / 2 * W), ("l2_no_half", ref["W"] + 2 * lam * W),
                        ("l2_over_B", ref["W"] + lam / B * W)], what=_consistency(ans, lam, W))
                db = got_array(after["db"], f"layer {i}'s db after add_weight_decay", b.shape)
                if not np.array_equal(db, got_array(before["db"], "db", b.shape)):
                    model = [("decays_bias", ref["b"] + lam * b)]
                    expect(f"layer {i}'s db after add_weight_decay", db, ref["b"], model)
            elif kind == "layernorm":
                for n in ("dgamma", "dbeta"):
                    if not np.array_equal(got_array(after[n], n), got_array(before[n], n)):
                        raise Fail(f"add_weight_decay changed the LayerNorm's {n}: only Linear weights are decayed.",
                                   "decays_bias")
        return ""


def _consistency(ans, lam, W) -> str:
    slope = ans.get("slope")
    if not isinstance(slope, float) or not np.isfinite(slope):
        return ""
    k = slope / (lam * W[0, 0]) if W[0, 0] != 0 else float("nan")
    return f"(the derivative of your own l2_penalty is {k:.3g} x lam * W)" if np.isfinite(k) else ""


class ClipGradNorm(LayerCheck):
    def inputs(self, rng):
        shapes = [(int(rng.integers(2, 5)), int(rng.integers(2, 5))), (int(rng.integers(2, 6)),),
                  (int(rng.integers(2, 4)), int(rng.integers(2, 4)))]
        grads = [rng.normal(size=sh) * rng.uniform(0.5, 3) for sh in shapes]
        total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
        return {"grads": grads, "above": total * float(rng.uniform(0.1, 0.5)), "below": total * float(rng.uniform(1.5, 3))}

    def ask(self, s, inp):
        out = {}
        for case in ("above", "below"):
            gs = [g.copy() for g in inp["grads"]]
            ret = s.clip_grad_norm(gs, inp[case])
            out[case] = {"total": scalar(ret), "grads": [arr(g) for g in gs],
                         "returned": what(ret) if isinstance(ret, (list, tuple)) else None}
        return out

    def judge(self, inp, ans):
        grads = inp["grads"]
        total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
        for case, why in (("above", "the total norm is above max_norm"), ("below", "the total norm is below max_norm")):
            m = inp[case]
            a = ans[case]
            ref, ref_total = oracle.clip_grad_norm(grads, m)
            what = f"(max_norm = {m:.4g}, total norm {total:.4g}: {why})"
            got = [got_array(g, f"gradient {i} after clip_grad_norm", grads[i].shape) for i, g in enumerate(a["grads"])]
            if case == "above" and all(np.array_equal(g, h) for g, h in zip(got, grads)):
                raise Fail(f"the gradient arrays are unchanged after clip_grad_norm {what}"
                           + (f"; it returned {a['returned']} instead" if a["returned"] else "") + ".", "not_in_place")
            exact = [g * min(1.0, m / total) for g in grads]          # the factor without torch's 1e-6
            for i, (g, want, alt) in enumerate(zip(got, ref, exact)):
                if np.allclose(g, alt, rtol=1e-12, atol=0):
                    continue
                norm = float(np.linalg.norm(grads[i]))
                expect(f"gradient {i} after clip_grad_norm", g, want,
                       [("clip_scales_up", grads[i] * m / total), ("clip_scales_up", grads[i] * m / (total + 1e-6)),
                        ("clip_per_tensor", grads[i] * min(1.0, m / max(norm, 1e-300))),
                        ("clip_per_tensor", grads[i] * min(1.0, m / (norm + 1e-6))),
                        ("clip_by_value", np.clip(grads[i], -m, m))], what=what)
            if not isinstance(a["total"], float):
                raise Fail(f"clip_grad_norm should return the total norm as a Python float, returned "
                           f"{described(a['total'])}.", "wrong_type")
            t = a["total"]
            post = float(np.sqrt(sum(np.sum(g * g) for g in ref)))
            if abs(t - ref_total) > 1e-9 * ref_total:
                tag = "returns_post_norm" if case == "above" and abs(t - post) <= 1e-6 * post else "wrong_value"
                raise Fail(f"clip_grad_norm returned {t:.6g}; expected the total norm before clipping, "
                           f"{ref_total:.6g} {what}.", tag)
        return ""


CHECKS = [
    L2Penalty("l2_penalty", PART, "l2_penalty", 2, uses=("l2_penalty",)),
    WeightDecayGrad("weight_decay_grad", PART, "add_weight_decay", 4, uses=("add_weight_decay",),
                    builds_on=LAYERS + ("Sequential",)),
    ClipGradNorm("clip_grad_norm", PART, "clip_grad_norm", 6, uses=("clip_grad_norm",)),
]
