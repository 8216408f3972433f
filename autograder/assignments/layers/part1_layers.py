"""Part 1: layer objects (Linear, ReLU, Sigmoid) with forward, backward and their own caches, in NumPy."""
from __future__ import annotations

import numpy as np

from . import oracle
from .base import LayerCheck, expect, got_array, need_float64, same
from .blocks import Fail, show
from ...core.objects import arr, dtype, new
from .problems import away_from_zero, layer_problem, sizes

PART = "Part 1"


def _linear_params(inp):
    return {"W": inp["W"], "b": inp["b"]}


class LinearForward(LayerCheck):
    def inputs(self, rng):
        return layer_problem(rng)

    def ask(self, s, inp):
        x, W, b = inp["x"], inp["W"], inp["b"]
        o = new(s, "Linear", W, b)
        out = o.forward(x)
        return {"out": arr(out), "dtype": dtype(out), "x": x, "W": W, "b": b}

    def judge(self, inp, ans):
        x, W, b = inp["x"], inp["W"], inp["b"]
        need_float64({"Linear.forward(x)": ans["dtype"]})
        ref = oracle.layer_vjp("linear", _linear_params(inp), x, inp["G"])["out"]
        expect("Linear.forward(x)", ans["out"], ref,
               [("bias_not_broadcast", x @ W), ("bias_not_broadcast", x @ W + b.sum())],
               what=f"for x [{x.shape[0]}, {x.shape[1]}], W [{W.shape[0]}, {W.shape[1]}]")
        _unchanged(inp, ans, ("x", "W", "b"), "Linear.forward")
        return ""


def _unchanged(inp, ans, names, fn):
    for k in names:
        if not same(ans.get(k), inp[k]):
            raise Fail(f"{fn} changed its argument or parameter `{k}` (it must only read it).", "mutates_input")


class LinearBackward(LayerCheck):
    def inputs(self, rng):
        return layer_problem(rng)

    def ask(self, s, inp):
        x, W, b, G = inp["x"], inp["W"], inp["b"], inp["G"]
        o = new(s, "Linear", W, b)
        o.forward(x)
        dx = o.backward(G)
        return {"dx": arr(dx), "dW": arr(o.dW), "db": arr(o.db), "G": G, "W": W, "b": b,
                "dtypes": {"dx": dtype(dx), "dW": dtype(o.get("dW")), "db": dtype(o.get("db"))}}

    def judge(self, inp, ans):
        x, W, G = inp["x"], inp["W"], inp["G"]
        B, n_in = x.shape
        n_out = W.shape[1]
        ref = oracle.layer_vjp("linear", _linear_params(inp), x, G)
        dx = ans["dx"]
        if dx is None:
            raise Fail(f"Linear.backward(dout) returned None; it should return dx [{B}, {n_in}], the gradient for "
                       "the layer's input.", "dx_missing")
        if isinstance(dx, np.ndarray) and dx.shape != (B, n_in) and dx.shape in ((n_in, n_out), (n_out, n_in)):
            raise Fail(f"Linear.backward(dout) returned an array of dW's shape {list(dx.shape)}; it should return "
                       f"dx [{B}, {n_in}], the gradient for the layer's input.", "dx_missing")
        db = ans["db"]
        if isinstance(db, np.ndarray) and db.shape == (1, n_out):
            raise Fail(f"self.db has shape [1, {n_out}], expected b's shape [{n_out}].", "db_keepdims")
        need_float64(ans["dtypes"])
        expect("self.dW (shape [n_in, n_out])", ans["dW"], ref["W"])
        expect("self.db", db, ref["b"], [("bias_mean", ref["b"] / B)], B=B)
        expect("dx = backward(dout)", dx, ref["x"])
        _unchanged(inp, ans, ("G", "W", "b"), "Linear.backward")
        return ""


class LinearOverwrites(LayerCheck):
    def inputs(self, rng):
        return layer_problem(rng)

    def ask(self, s, inp):
        o = new(s, "Linear", inp["W"], inp["b"])
        o.forward(inp["x"])
        o.backward(inp["G"])
        first = arr(o.dW), arr(o.db)
        o.backward(inp["G"])
        return {"dW1": first[0], "db1": first[1], "dW2": arr(o.dW), "db2": arr(o.db)}

    def judge(self, inp, ans):
        for k in ("dW", "db"):        # their shapes and values are linear_backward's business
            a = got_array(ans[k + "1"], f"self.{k} after one backward")
            b = got_array(ans[k + "2"], f"self.{k} after a second backward", a.shape)
            if np.allclose(b, 2 * a, rtol=1e-9, atol=0) and np.any(a != 0):
                raise Fail(f"a second backward(dout) with the same dout doubled self.{k} ({show(a)} -> {show(b)}).",
                           "accumulates_dW")
            if not np.array_equal(a, b):
                raise Fail(f"a second backward(dout) with the same dout changed self.{k} ({show(a)} -> {show(b)}).",
                           "accumulates_dW")
        return ""


class OwnCache(LayerCheck):
    """Two instances used in turn must each compute from their own forward's input: interleaved results
    are compared with the same objects' results when used alone."""

    KINDS = ("Linear", "ReLU", "Sigmoid")

    def inputs(self, rng):
        p = layer_problem(rng)
        B, n_in = p["x"].shape
        return p | {"x2": away_from_zero(rng, (B, n_in)), "G2": rng.normal(size=p["G"].shape),
                    "W2": rng.normal(size=p["W"].shape), "b2": rng.normal(size=p["b"].shape),
                    "z": away_from_zero(rng, (B, n_in), 2.0), "z2": away_from_zero(rng, (B, n_in), 2.0),
                    "Gz": rng.normal(size=(B, n_in)), "Gz2": rng.normal(size=(B, n_in))}

    def ask(self, s, inp):
        out = {}
        for kind in self.KINDS:
            if kind == "Linear":
                make = [lambda: new(s, "Linear", inp["W"], inp["b"]), lambda: new(s, "Linear", inp["W2"], inp["b2"])]
                xs, gs, params = (inp["x"], inp["x2"]), (inp["G"], inp["G2"]), ("dW", "db")
            else:
                make = [lambda k=kind: new(s, k)] * 2
                xs, gs, params = (inp["z"], inp["z2"]), (inp["Gz"], inp["Gz2"]), ()
            alone = []
            for mk, x, g in zip(make, xs, gs):
                o = mk()
                o.forward(x)
                alone.append([arr(o.backward(g))] + [arr(getattr(o, p)) for p in params])
            a, b = make[0](), make[1]()
            a.forward(xs[0])
            b.forward(xs[1])
            got = [[arr(a.backward(gs[0]))] + [arr(getattr(a, p)) for p in params]]
            got.append([arr(b.backward(gs[1]))] + [arr(getattr(b, p)) for p in params])
            out[kind] = {"alone": alone, "interleaved": got, "names": ["dx"] + list(params)}
        return out

    def judge(self, inp, ans):
        for kind in self.KINDS:
            a = ans[kind]
            for which, alone, got in zip(("A", "B"), a["alone"], a["interleaved"]):
                for name, x, y in zip(a["names"], alone, got):
                    if x is None and y is None:         # a missing return is linear_backward's business
                        continue
                    x = got_array(x, f"{kind}.backward: {name}")
                    y = got_array(y, f"{kind}.backward: {name}", x.shape)
                    if not np.array_equal(x, y):
                        raise Fail(f"with two {kind} objects used in turn (A.forward(x1), B.forward(x2), "
                                   f"A.backward(g1), B.backward(g2)), {which}'s {name} was {show(y)}; the same object "
                                   f"used alone gives {show(x)}.", "shared_cache")
        return ""


class ReluBackward(LayerCheck):
    def inputs(self, rng):
        B, D = sizes(rng, 2)
        return {"z": away_from_zero(rng, (B, D), 2.0), "G": rng.normal(size=(B, D))}

    def ask(self, s, inp):
        z, G = inp["z"], inp["G"]
        o = new(s, "ReLU")
        out = o.forward(z)
        out = arr(out)
        dz = o.backward(G)
        return {"out": out, "dz": arr(dz), "G": G, "z": z, "dtype": dtype(dz)}

    def judge(self, inp, ans):
        z, G = inp["z"], inp["G"]
        ref = oracle.layer_vjp("relu", {}, z, G)
        expect("ReLU.forward(z)", ans["out"], ref["out"])
        dz = got_array(ans["dz"], "ReLU.backward(dout)", z.shape)
        if not same(ans["G"], G):
            raise Fail("ReLU.backward changed the dout it was given: after the call, dout "
                       f"{show(G)} had become {show(ans['G'])}.", "mutates_upstream")
        need_float64({"ReLU.backward(dout)": ans["dtype"]})
        expect("dz = ReLU.backward(dout)", dz, ref["x"],
               [("relu_derivative", G * (z < 0)), ("relu_derivative", G * (G > 0)),
                ("relu_derivative", G * np.maximum(z, 0)), ("relu_derivative", (z > 0) * 1.0)])
        _unchanged(inp, ans, ("z",), "ReLU")
        return ""


def _sigmoid(z):
    return oracle.layer_vjp("sigmoid", {}, z, np.ones_like(z))["out"]


class SigmoidForward(LayerCheck):
    def inputs(self, rng):
        B, D = sizes(rng, 2)
        big = rng.uniform(700, 1000, size=(2, D)) * np.array([[1.0], [-1.0]])
        return {"z": rng.normal(size=(B, D)) * 3, "big": big}

    def ask(self, s, inp):
        out = {}
        for k in ("z", "big"):
            a = new(s, "Sigmoid").forward(inp[k])
            out[k], out[k + "_dtype"] = arr(a), dtype(a)
        return out

    def judge(self, inp, ans):
        need_float64({"Sigmoid.forward(z)": ans["z_dtype"]})
        expect("Sigmoid.forward(z)", ans["z"], _sigmoid(inp["z"]))
        big = got_array(ans["big"], "Sigmoid.forward(z) for |z| in [700, 1000]", inp["big"].shape)
        if not np.all(np.isfinite(big)):
            raise Fail(f"Sigmoid.forward gave NaN or inf for z = {show(inp['big'])} (received {show(big)}).",
                       "sigmoid_overflow")
        expect("Sigmoid.forward(z) for |z| in [700, 1000]", big, _sigmoid(inp["big"]))
        return ""


class SigmoidBackward(LayerCheck):
    def inputs(self, rng):
        B, D = sizes(rng, 2)
        sat = np.array([[-800.0, 800.0, -1000.0, 900.0]])
        return {"z": rng.normal(size=(B, D)) * 2, "G": rng.normal(size=(B, D)), "sat": sat,
                "Gs": rng.normal(size=sat.shape)}

    def ask(self, s, inp):
        out = {}
        for z, g in (("z", "G"), ("sat", "Gs")):
            o = new(s, "Sigmoid")
            a = o.forward(inp[z])
            out[z + "_forward_finite"] = bool(isinstance(a, np.ndarray) and np.all(np.isfinite(a)))
            d = o.backward(inp[g])
            out[z], out[z + "_dtype"] = arr(d), dtype(d)
        return out

    def judge(self, inp, ans):
        z, G = inp["z"], inp["G"]
        ref = oracle.layer_vjp("sigmoid", {}, z, G)
        a = ref["out"]
        need_float64({"Sigmoid.backward(dout)": ans["z_dtype"]})
        sa = _sigmoid(a)
        expect("dz = Sigmoid.backward(dout)", ans["z"], ref["x"],
               [("sigmoid_prime_of_z", G * z * (1 - z)), ("sigmoid_double", G * sa * (1 - sa)),
                ("sigmoid_missing_dout", a * (1 - a))], what="for moderate z")
        if not ans["sat_forward_finite"]:
            return "(saturated inputs not judged here: your forward is not finite there, which sigmoid_forward marks)"
        sat = got_array(ans["sat"], "Sigmoid.backward(dout)", inp["sat"].shape)
        if not np.all(np.isfinite(sat)):
            raise Fail(f"Sigmoid.backward gave NaN or inf for saturated z = {show(inp['sat'])} (received {show(sat)}); "
                       "sigma'(z) there is 0.", "sigmoid_exp_form_nan")
        if np.max(np.abs(sat)) > 1e-12 * np.max(np.abs(inp["Gs"])):
            raise Fail(f"Sigmoid.backward for saturated z = {show(inp['sat'])} gave {show(sat)}; sigma'(z) is 0 there "
                       "(a = 0 or 1 exactly in float64).", "wrong_value")
        return ""


CHECKS = [
    LinearForward("linear_forward", PART, "Linear.forward", 2, uses=("Linear.forward",)),
    LinearBackward("linear_backward", PART, "Linear.backward", 5, uses=("Linear.backward",)),
    LinearOverwrites("linear_overwrites", PART, "Linear.backward overwrites dW and db", 2, uses=("Linear.backward",)),
    OwnCache("own_cache", PART, "each layer keeps its own cache", 3, uses=("Linear.backward", "ReLU.backward",
                                                                           "Sigmoid.backward")),
    ReluBackward("relu_backward", PART, "ReLU.backward", 2, uses=("ReLU.backward",)),
    SigmoidForward("sigmoid_forward", PART, "Sigmoid.forward", 2, uses=("Sigmoid.forward",)),
    SigmoidBackward("sigmoid_backward", PART, "Sigmoid.backward", 4, uses=("Sigmoid.backward",)),
]
