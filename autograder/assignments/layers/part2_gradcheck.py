"""Part 2: numerical gradients of array-valued functions with an upstream gradient, and a per-layer check
that must catch planted bugs."""
from __future__ import annotations

import numpy as np

from . import reference
from .base import LayerCheck, expect, got_array, need_float64
from .blocks import Fail, described, number, show
from ...core.objects import arr, dtype
from .problems import sizes

PART = "Part 2"
CORRECT_BELOW = 1e-6      # what a correct layer must report (float64 central differences land near 1e-9)
CORRECT_LN_BELOW = 0.1    # the same for a correct LayerNorm (see CheckLayerDetects.judge)
PLANTED_ABOVE = 1e-3      # what a planted bug must report


def _f1(v):
    return np.sin(v) * v ** 2


def _df1(v):
    return np.cos(v) * v ** 2 + 2 * v * np.sin(v)


class NumgradArray(LayerCheck):
    def inputs(self, rng):
        n, m, k = sizes(rng)
        x = rng.uniform(0.3, 2.0, size=(n, m)) * rng.choice([-1, 1], size=(n, m))
        return {"x": x, "df1": rng.normal(size=(n, m)), "M": rng.normal(size=(m, k)), "df2": rng.normal(size=(n, k)),
                "df3": rng.normal(size=(n, m))}

    def ask(self, s, inp):
        x, M = inp["x"], inp["M"]
        buf = np.empty_like(x)

        def reuses_buffer(v):
            np.tanh(v, out=buf)
            return buf

        g1 = s.numerical_gradient_array(_f1, x, inp["df1"])
        out = {"g1": arr(g1), "dtype": dtype(g1)}
        out["x1"] = arr(x)
        out["g2"] = arr(s.numerical_gradient_array(lambda v: v @ M, x, inp["df2"], h=1e-4))
        out["x2"] = arr(x)
        out["g3"] = arr(s.numerical_gradient_array(reuses_buffer, x, inp["df3"]))
        out["x3"] = arr(x)
        return out

    def judge(self, inp, ans):
        x, df1, h = inp["x"], inp["df1"], 1e-5
        need_float64({"numerical_gradient_array(f, x, df)": ans["dtype"]})
        one_sided = [("one_sided", (_f1(x + h) - _f1(x)) / h * df1), ("one_sided", (_f1(x) - _f1(x - h)) / h * df1)]
        expect("numerical_gradient_array(f, x, df) for f(x) = sin(x) * x**2", ans["g1"], _df1(x) * df1,
               one_sided + [("ignores_df", _df1(x))])
        for i in (1, 2, 3):
            after = got_array(ans[f"x{i}"], "x after the call", x.shape)
            if not np.array_equal(after, x):
                raise Fail(f"x was not restored exactly: after the call it differs from before by up to "
                           f"{np.max(np.abs(after - x)):.1e}.", "not_restored")
        expect("numerical_gradient_array(f, x, df, h=1e-4) for f(x) = x @ M", ans["g2"], inp["df2"] @ inp["M"].T,
               [("ignores_df", np.ones_like(inp["df2"]) @ inp["M"].T)], tol=1e-6)
        g3 = got_array(ans["g3"], "numerical_gradient_array for an f that returns the same buffer each call", x.shape)
        want = inp["df3"] * (1 - np.tanh(x) ** 2)
        if np.all(g3 == 0):
            raise Fail(f"for an f that returns the same array each call (f(x) = np.tanh(x, out=buf)), the gradient "
                       f"came out all zeros; expected {show(want)}.", "no_copy")
        expect("numerical_gradient_array for an f that returns the same buffer each call", g3, want,
               [("ignores_df", 1 - np.tanh(x) ** 2)])
        return ""


class _Recorder:
    """Remembers the upstream gradients a check hands to backward."""

    def backward(self, dout):
        self.seen = getattr(self, "seen", []) + [np.array(dout, copy=True)]
        return self._backward(dout)


class _IgnoresDout(_Recorder, reference.Linear):
    """dW = x.T @ ones_like(dout): right only when every entry of dout is the same."""

    def _backward(self, dout):
        dx = reference.Linear.backward(self, dout)
        self.dW = self.x.T @ np.ones_like(dout) * float(np.mean(dout))
        return dx


class _TransposedSquare(_Recorder, reference.Linear):
    def _backward(self, dout):
        dx = reference.Linear.backward(self, dout)
        self.dW = self.dW.T.copy()
        return dx


class _ZeroDx(_Recorder, reference.LayerNorm):
    """A LayerNorm whose dx is 0: right when gamma = 1 and dout is constant per row."""

    def _backward(self, dout):
        reference.LayerNorm.backward(self, dout)
        return np.zeros_like(dout)


class _Correct(_Recorder, reference.Linear):
    def _backward(self, dout):
        return reference.Linear.backward(self, dout)


class _CorrectLN(_Recorder, reference.LayerNorm):
    def _backward(self, dout):
        return reference.LayerNorm.backward(self, dout)


class CheckLayerDetects(LayerCheck):
    CASES = ("correct Linear", "correct LayerNorm", "Linear whose dW ignores the values of dout",
             "Linear with dW transposed (square W)", "LayerNorm whose dx is 0")

    def inputs(self, rng):
        B, n_in, n_out = sizes(rng)
        w = n_in
        return {"seed": int(rng.integers(0, 2 ** 31)), "x": rng.normal(size=(B, n_in)),
                "W": rng.normal(size=(n_in, n_out)), "b": rng.normal(size=n_out),
                "xs": rng.normal(size=(B, w)), "Ws": rng.normal(size=(w, w)), "bs": rng.normal(size=w),
                "xl": 3 + rng.uniform(1, 3) * rng.normal(size=(B, n_out)), "gamma": rng.uniform(0.5, 2, n_out),
                "beta": rng.normal(size=n_out)}

    def _layers(self, inp):
        ln, ln1 = _CorrectLN(len(inp["gamma"])), _ZeroDx(len(inp["gamma"]))
        ln.gamma, ln.beta = inp["gamma"].copy(), inp["beta"].copy()
        ln1.beta = inp["beta"].copy()                  # gamma stays 1: an all-ones dout then hides dx = 0
        return [(_Correct(inp["W"], inp["b"]), inp["x"]), (ln, inp["xl"]),
                (_IgnoresDout(inp["W"], inp["b"]), inp["x"]), (_TransposedSquare(inp["Ws"], inp["bs"]), inp["xs"]),
                (ln1, inp["xl"])]

    def ask(self, s, inp):
        out = []
        for layer, x in self._layers(inp):
            report = s.check_layer(layer, x.copy(), np.random.default_rng(inp["seed"]))
            seen = getattr(layer, "seen", [])
            out.append({"report": report, "uniform": bool(seen) and all(np.ptp(d) == 0 for d in seen)})
        return {"cases": out}

    def judge(self, inp, ans):
        for i, (name, case) in enumerate(zip(self.CASES, ans["cases"])):
            report = case["report"]
            if not isinstance(report, dict) or "__type__" in report:
                raise Fail(f"check_layer should return a dict of relative errors, returned {described(report)}.",
                           "wrong_type")
            keys = ("x", "gamma", "beta") if "LayerNorm" in name else ("x", "W", "b")
            for k in keys:
                if k not in report:
                    raise Fail(f"check_layer's report for a {name.split(' ', 1)[1] if i < 2 else name} has no key "
                               f"\"{k}\" (keys: {sorted(report)}).", "missing_param_key")
            errs = {k: number(report[k], f"check_layer()[\"{k}\"]") for k in keys}
            if i < 2:
                # LayerNorm's dx has entries near 0 by cancellation, where an elementwise relative error of a
                # correct check reaches 3e-3 (measured): only a gross misreport is judged for it
                limit = CORRECT_BELOW if i == 0 else CORRECT_LN_BELOW
                bad = {k: v for k, v in errs.items() if not v < limit}
                if bad:
                    raise Fail(f"for a {name}, check_layer reported {_fmt(bad)} (expected below {limit:g}).",
                               "gradcheck_misreports")
                continue
            key = "x" if i == 4 else "W"
            if not errs[key] > PLANTED_ABOVE:
                raise Fail(f"the grader handed check_layer a {name}; it reported {key}: {errs[key]:.2g} (a working "
                           f"check reports more than {PLANTED_ABOVE:g}).",
                           "uniform_upstream" if case["uniform"] else "gradcheck_misreports")
        return ""


def _fmt(errs: dict) -> str:
    return ", ".join(f"{k}: {v:.2g}" for k, v in errs.items())


CHECKS = [
    NumgradArray("numgrad_array", PART, "numerical_gradient_array", 5, uses=("numerical_gradient_array",)),
    CheckLayerDetects("check_layer_detects", PART, "check_layer catches planted bugs", 5,
                      uses=("check_layer", "numerical_gradient_array"), builds_on=("numerical_gradient_array",)),
]
