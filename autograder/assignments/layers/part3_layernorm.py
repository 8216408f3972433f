"""Part 3: LayerNorm forward and backward, checked with random gamma, random upstream and eps = 0.1."""
from __future__ import annotations

import numpy as np

from . import oracle
from .base import LayerCheck, expect, got_array, need_float64, same
from .blocks import Fail, show
from ...core.objects import arr, dtype, new
from .problems import ln_problem

PART = "Part 3"
EPS = (1e-5, 0.1)


def _params(p):
    return {"gamma": p["gamma"], "beta": p["beta"], "eps": p["eps"]}


def _build(s, p):
    o = new(s, "LayerNorm", p["x"].shape[1], eps=p["eps"])
    o.raw.gamma, o.raw.beta = p["gamma"].copy(), p["beta"].copy()
    return o


def _stats(x, axis=1, ddof=0, eps=1e-5, inside=True):
    mu = x.mean(axis=axis, keepdims=True)
    var = x.var(axis=axis, keepdims=True, ddof=ddof)
    sd = np.sqrt(var + eps) if inside else np.sqrt(var) + eps
    return (x - mu) / sd, sd


class LnForward(LayerCheck):
    def inputs(self, rng):
        return {"cases": [ln_problem(rng, eps) for eps in EPS]}

    def ask(self, s, inp):
        outs = []
        for p in inp["cases"]:
            out = _build(s, p).forward(p["x"])
            outs.append({"out": arr(out), "dtype": dtype(out)})
        return {"cases": outs}

    def judge(self, inp, ans):
        for p, a in zip(inp["cases"], ans["cases"]):
            x, g, b, eps = p["x"], p["gamma"], p["beta"], p["eps"]
            need_float64({"LayerNorm.forward(x)": a["dtype"]})
            expect("LayerNorm.forward(x)", a["out"], oracle.layernorm(x, g, b, eps), [
                ("ln_unbiased_var", g * _stats(x, ddof=1, eps=eps)[0] + b),
                ("ln_batch_axis", g * _stats(x, axis=0, eps=eps)[0] + b),
                ("ln_eps_outside_sqrt", g * _stats(x, eps=eps, inside=False)[0] + b),
                ("ln_no_affine", _stats(x, eps=eps)[0])],
                what=f"for x [{x.shape[0]}, {x.shape[1]}], random gamma and beta, eps = {eps:g}")
        return ""


def _ln_models(x, gamma, G, eps) -> list:
    xhat, sd = _stats(x, eps=eps)
    g = G * gamma
    mean = lambda a: a.mean(axis=1, keepdims=True)
    xb, sdb = _stats(x, axis=0, eps=eps)
    return [("ln_dx_naive", g / sd),
            ("ln_dx_missing_mean_term", (g - xhat * mean(g * xhat)) / sd),
            ("ln_dx_missing_var_term", (g - mean(g)) / sd),
            ("ln_dx_no_gamma", (G - mean(G) - xhat * mean(G * xhat)) / sd),
            ("ln_batch_axis", (g - g.mean(0) - xb * (g * xb).mean(0)) / sdb)]


def _own_forward(p, out):
    """If the student's forward matches a forward misconception that only changes the statistics (ddof=1, eps
    outside the root), the xhat and sigma it used: a correct backward on them is not a second mistake."""
    if not isinstance(out, np.ndarray) or out.shape != p["x"].shape:
        return None
    for tag, kw in (("ln_unbiased_var", {"ddof": 1}), ("ln_eps_outside_sqrt", {"inside": False})):
        xhat, sd = _stats(p["x"], eps=p["eps"], **kw)
        if np.allclose(out, p["gamma"] * xhat + p["beta"], rtol=1e-9, atol=1e-12):
            return xhat, sd, tag
    return None


NOTE = "(judged against your forward's statistics: the mistake is in forward, which ln_forward marks)"


class LnBackwardDx(LayerCheck):
    def inputs(self, rng):
        return {"cases": [ln_problem(rng, eps) for eps in EPS]}

    def ask(self, s, inp):
        outs = []
        for p in inp["cases"]:
            o = _build(s, p)
            out = arr(o.forward(p["x"]))
            dx = o.backward(p["G"])
            outs.append({"dx": arr(dx), "dtype": dtype(dx), "out": out})
        return {"cases": outs}

    def judge(self, inp, ans):
        note = ""
        for p, a in zip(inp["cases"], ans["cases"]):
            x, G, eps = p["x"], p["G"], p["eps"]
            ref = oracle.layer_vjp("layernorm", _params(p), x, G)
            need_float64({"LayerNorm.backward(dout)": a["dtype"]})
            own = _own_forward(p, a["out"])
            if own is not None:
                xhat, sd, _ = own
                g = G * p["gamma"]
                dx = (g - g.mean(1, keepdims=True) - xhat * (g * xhat).mean(1, keepdims=True)) / sd
                if isinstance(a["dx"], np.ndarray) and a["dx"].shape == dx.shape and np.allclose(a["dx"], dx, rtol=1e-7):
                    note = NOTE
                    continue
            expect("dx = LayerNorm.backward(dout)", a["dx"], ref["x"], lambda: _ln_models(x, p["gamma"], G, eps),
                   what=f"for x [{x.shape[0]}, {x.shape[1]}], random gamma, random dout, eps = {eps:g}")
        return note


class LnBackwardParams(LayerCheck):
    def inputs(self, rng):
        return {"cases": [ln_problem(rng, eps) for eps in EPS]}

    def ask(self, s, inp):
        outs = []
        for p in inp["cases"]:
            o = _build(s, p)
            out = arr(o.forward(p["x"]))
            o.backward(p["G"])
            outs.append({"dgamma": arr(o.dgamma), "dbeta": arr(o.dbeta), "out": out,
                         "dtypes": {"self.dgamma": dtype(o.dgamma), "self.dbeta": dtype(o.dbeta)}})
        return {"cases": outs}

    def judge(self, inp, ans):
        note = ""
        for p, a in zip(inp["cases"], ans["cases"]):
            x, G = p["x"], p["G"]
            N, D = x.shape
            ref = oracle.layer_vjp("layernorm", _params(p), x, G)
            dg, db = a["dgamma"], a["dbeta"]
            need_float64(a["dtypes"])
            for name, v in (("self.dgamma", dg), ("self.dbeta", db)):
                if isinstance(v, np.ndarray) and v.shape == (N,) and N != D:
                    raise Fail(f"{name} has shape [{N}] (one per row); expected [{D}], one per feature: sum over "
                               "the batch, axis=0.", "ln_dgamma_axis")
            if isinstance(dg, np.ndarray) and dg.shape == (D,) and np.allclose(dg, ref["beta"], rtol=1e-7) \
                    and isinstance(db, np.ndarray) and np.allclose(db, ref["gamma"], rtol=1e-7):
                raise Fail(f"self.dgamma is {show(dg)} and self.dbeta {show(db)}: each holds the other's gradient.",
                           "ln_dgamma_dbeta_swapped")
            own = _own_forward(p, a["out"])
            if own is not None and isinstance(dg, np.ndarray) and dg.shape == (D,) \
                    and np.allclose(dg, (G * own[0]).sum(0), rtol=1e-7) and isinstance(db, np.ndarray) \
                    and db.shape == (D,) and np.allclose(db, ref["beta"], rtol=1e-7):
                note = NOTE
                continue
            expect("self.dgamma", dg, ref["gamma"], [("ln_dgamma_uses_x", (G * x).sum(0)),
                                                     ("ln_batch_axis", (G * _stats(x, axis=0, eps=p["eps"])[0]).sum(0))])
            expect("self.dbeta", db, ref["beta"])
        return note


class LnPure(LayerCheck):
    def inputs(self, rng):
        return ln_problem(rng, 1e-5)

    def ask(self, s, inp):
        o = _build(s, inp)
        out = arr(o.forward(inp["x"]))
        first = arr(o.backward(inp["G"]))
        second = arr(o.backward(inp["G"]))
        return {"out": out, "first": first, "second": second, "x": inp["x"], "G": inp["G"],
                "gamma": arr(o.gamma), "beta": arr(o.beta)}

    def judge(self, inp, ans):
        if not same(ans["G"], inp["G"]):
            raise Fail("LayerNorm.backward changed the dout it was given.", "mutates_upstream")
        if not same(ans["x"], inp["x"]):
            raise Fail("LayerNorm.forward changed its input x.", "mutates_input")
        for k in ("gamma", "beta"):
            if not same(ans[k], inp[k]):
                raise Fail(f"LayerNorm changed self.{k} during forward or backward.", "mutates_cache")
        first = got_array(ans["first"], "LayerNorm.backward(dout)", inp["x"].shape)
        second = got_array(ans["second"], "LayerNorm.backward(dout), called again", inp["x"].shape)
        if not np.array_equal(first, second):
            raise Fail(f"calling backward(dout) twice after one forward gave different dx: {show(first)}, then "
                       f"{show(second)}.", "mutates_cache")
        return ""


CHECKS = [
    LnForward("ln_forward", PART, "LayerNorm.forward", 4, uses=("LayerNorm.forward",)),
    LnBackwardDx("ln_backward_dx", PART, "LayerNorm.backward dx", 6, uses=("LayerNorm.backward",)),
    LnBackwardParams("ln_backward_params", PART, "LayerNorm.backward dgamma and dbeta", 2,
                     uses=("LayerNorm.backward",)),
    LnPure("ln_pure", PART, "LayerNorm leaves its inputs unchanged", 2, uses=("LayerNorm.backward",)),
]
