"""Part 2: the manual backward pass, numerical gradients and the gradient check, in NumPy."""
from __future__ import annotations

import numpy as np

from .. import oracle
from ..compare import array, close, expect, number, scale_error, show
from ..probing import StudentError, arrays_in
from ..problems import GRAD_KEYS, problem
from ..verdict import Check, Fail
from ._common import grads_dict, need_key, pair, problem_inputs

PART = "Part 2"
BACKWARD = ("forward", "backward")
SHAPES = {"W1": "[D, H]", "b1": "[H]", "W2": "[H, C]", "b2": "[C]", "X": "[B, D]"}


def _backward(s, inp):
    _, cache = pair(s.forward(inp["X"], inp["y"], inp["params"]), "forward")
    return s.backward(cache)


def real_gradients(value, inp) -> dict:
    """The five gradients, of the right shapes, finite and not all zero: a real attempt, whatever its values."""
    grads = grads_dict(value)
    shapes = {"W1": inp["params"]["W1"].shape, "b1": inp["params"]["b1"].shape, "W2": inp["params"]["W2"].shape,
              "b2": inp["params"]["b2"].shape, "X": inp["X"].shape}
    out = {k: array(need_key(grads, k), f"d{k}", shapes[k]) for k in GRAD_KEYS}
    if not all(np.all(np.isfinite(v)) for v in out.values()) or not any(np.any(v) for v in out.values()):
        raise Fail("this behaviour is credited for a backward that computes gradients; received NaN, inf or "
                   "only zeros.", "wrong_value")
    return {k: np.asarray(v) for k, v in out.items()}


class Shapes(Check):
    def inputs(self, rng):
        return problem_inputs(rng)

    def probe(self, s, inp):
        return {"grads": _backward(s, inp)}

    def judge(self, inp, ans):
        grads = grads_dict(ans["grads"])
        ref = oracle.run(inp["X"], inp["y"], inp["params"])["grads"]
        for k in GRAD_KEYS:
            array(need_key(grads, k), f"d{k} (shape {SHAPES[k]})", ref[k].shape)
        return ""


class Gradient(Check):
    """One of the five gradients against autograd, naming the misconception a wrong one matches."""

    def __init__(self, key: str, points: float):
        super().__init__(f"backward_{key}", PART, f"backward d{key}", points, uses=BACKWARD)
        self.key = key

    def inputs(self, rng):
        return problem_inputs(rng)

    def probe(self, s, inp):
        grads = _backward(s, inp)
        return {"grad": grads.get(self.key, {"__missing__": True}) if isinstance(grads, dict) else grads}

    def judge(self, inp, ans):
        X, y, p = inp["X"], inp["y"], inp["params"]
        got = ans["grad"]
        if isinstance(got, dict) and got.get("__missing__"):
            raise Fail(f"backward returned no \"{self.key}\" gradient.", "missing_dX" if self.key == "X"
                       else "missing_key")
        if isinstance(got, dict):
            got = {"__type__": "dict"}
        models = [(tag, g[self.key]) for tag, g in oracle.misconceptions(X, y, p)]
        err = expect(f"d{self.key}", got, oracle.run(X, y, p)["grads"][self.key], models, B=len(y))
        return f"(max error relative to the largest entry: {err:.1e})"


class BatchScaling(Check):
    def inputs(self, rng):
        return problem_inputs(rng)

    def probe(self, s, inp):
        X, y, p = inp["X"], inp["y"], inp["params"]
        once = _backward(s, inp)
        twice = _backward(s, {"X": np.concatenate([X, X]), "y": np.concatenate([y, y]), "params": p})
        return {"once": once, "twice": twice}

    def judge(self, inp, ans):
        once, twice = grads_dict(ans["once"]), grads_dict(ans["twice"])
        B = len(inp["y"])
        for k in ("W1", "b1", "W2", "b2"):
            a = array(need_key(once, k), f"d{k}")
            b = array(need_key(twice, k), f"d{k} for the duplicated batch", a.shape)
            if close(b, a):
                continue
            if close(b, 2 * a):
                raise Fail(f"duplicating the batch (B = {B} -> {2 * B}) doubled d{k} ({show(a)} -> {show(b)}); "
                           "a mean loss leaves parameter gradients unchanged.", "missing_inv_B")
            if close(b, a / 2):
                raise Fail(f"duplicating the batch (B = {B} -> {2 * B}) halved d{k} ({show(a)} -> {show(b)}); "
                           "a mean loss leaves parameter gradients unchanged.", "doubled_inv_B")
            raise Fail(f"duplicating the batch changed d{k} from {show(a)} to {show(b)}; a mean loss leaves "
                       "parameter gradients unchanged.", "wrong_value")
        return ""


class Pure(Check):
    def inputs(self, rng):
        return problem_inputs(rng)

    def probe(self, s, inp):
        X, y, p = inp["X"], inp["y"], inp["params"]
        p0 = {k: v.copy() for k, v in p.items()}
        _, cache = pair(s.forward(X, y, p), "forward")
        before = [a.copy() for a in arrays_in(cache)]
        first = s.backward(cache)
        first = {k: np.array(v, copy=True) if isinstance(v, np.ndarray) else v for k, v in first.items()} \
            if isinstance(first, dict) else first
        after = arrays_in(cache)
        second = s.backward(cache)
        return {"first": first, "second": second, "before": before, "after": after, "params": p}

    def judge(self, inp, ans):
        for k, v in inp["params"].items():
            got = ans["params"].get(k) if isinstance(ans["params"], dict) else None
            if not (isinstance(got, np.ndarray) and got.shape == v.shape and np.array_equal(got, v)):
                raise Fail(f"forward/backward changed params[{k!r}]; they must only read the parameters.",
                           "mutates_cache")
        first = real_gradients(ans["first"], inp)
        second = grads_dict(ans["second"])
        for k in GRAD_KEYS:
            b = array(need_key(second, k), f"d{k} from the second call", first[k].shape)
            if not np.array_equal(first[k], b):
                raise Fail(f"calling backward(cache) twice gave different d{k}: {show(first[k])}, then {show(b)}.",
                           "mutates_cache")
        before, after = ans["before"], ans["after"]
        if len(before) != len(after) or any(not isinstance(a, np.ndarray) or not isinstance(b, np.ndarray)
                                            or a.shape != b.shape or not np.array_equal(a, b, equal_nan=True)
                                            for a, b in zip(before, after)):
            raise Fail("backward(cache) changed the arrays in the cache (gradients came out the same twice, "
                       "but the cache did not survive).", "mutates_cache")
        return ""


class _Counting(np.ndarray):
    """An array that counts per-example access: indexing with an integer, or iterating over rows."""
    hits = [0]

    def __getitem__(self, idx):
        if isinstance(idx, (int, np.integer)) or (isinstance(idx, tuple) and idx
                                                   and isinstance(idx[0], (int, np.integer))):
            _Counting.hits[0] += 1
        return super().__getitem__(idx)

    def __iter__(self):
        _Counting.hits[0] += len(self)
        return super().__iter__()


class Vectorized(Check):
    B = 64

    def inputs(self, rng):
        return problem(rng, self.B)

    def probe(self, s, inp):
        wrap = lambda a: np.asarray(a).view(_Counting)
        _Counting.hits[0] = 0
        try:
            _, cache = pair(s.forward(wrap(inp["X"]), wrap(inp["y"]),
                                     {k: wrap(v) for k, v in inp["params"].items()}), "forward")
            forward_hits = _Counting.hits[0]
            grads = s.backward(cache)
        except StudentError as e:
            # the counting arrays may upset unusual code: the plain call decides
            return {"forward": 0, "backward": 0, "grads": _backward(s, inp), "note": e.text}
        return {"forward": forward_hits, "backward": _Counting.hits[0] - forward_hits, "grads": grads}

    def judge(self, inp, ans):
        real_gradients(ans["grads"], inp)
        for fn in ("forward", "backward"):
            if ans[fn] >= self.B // 2:
                raise Fail(f"{fn} touched single examples {ans[fn]} times for a batch of B = {self.B} "
                           "(expected a handful of whole-batch operations).", "loop_over_examples")
        return ""


def _f1(x):
    return float(np.sum(np.sin(x) * x ** 3))


def _df1(x):
    return np.cos(x) * x ** 3 + 3 * x ** 2 * np.sin(x)


class NumericalGradient(Check):
    def inputs(self, rng):
        return {"x": rng.uniform(0.5, 2.0, size=(3, 4)) * rng.choice([-1, 1], size=(3, 4)),
                "v": rng.normal(size=5)}

    def probe(self, s, inp):
        x, v = inp["x"], inp["v"]
        g = s.numerical_gradient(lambda: _f1(x), x)
        gv = s.numerical_gradient(lambda: float(np.sum(np.exp(0.5 * v))), v, eps=1e-4)
        return {"g": g, "gv": gv, "x_after": x, "v_after": v}

    def judge(self, inp, ans):
        x, v = inp["x"], inp["v"]
        g = array(ans["g"], "numerical_gradient(f, x)", x.shape)
        one_sided = []
        for sign in (1, -1):
            fd = np.empty_like(x)
            for i in np.ndindex(x.shape):
                xp = x.copy()
                xp[i] += sign * 1e-5
                fd[i] = sign * (_f1(xp) - _f1(x)) / 1e-5
            one_sided.append(("one_sided", fd))
        err = scale_error(g, _df1(x)) if g.shape == x.shape else np.inf
        if err > 1e-7:
            for tag, model in one_sided:
                if close(g, model, 1e-7):
                    raise Fail(f"the derivative of sum(sin(x) * x**3) is off by {err:.1e} (relative), the size of "
                               "a one-sided difference's error.", tag)
            expect("numerical_gradient of sum(sin(x) * x**3)", g, _df1(x))
        expect("numerical_gradient of sum(exp(x / 2)) with eps=1e-4", array(ans["gv"], "gv", v.shape),
               0.5 * np.exp(0.5 * v))
        for name, before in (("x_after", x), ("v_after", v)):
            after = array(ans[name], "x", before.shape)
            if not np.array_equal(after, before):
                raise Fail(f"x was not restored exactly: after the call it differs from before by up to "
                           f"{np.max(np.abs(after - before)):.1e}.", "not_restored")
        return f"(error {err:.1e})"


class RelativeError(Check):
    def inputs(self, rng):
        a = rng.normal(size=(4, 3))
        b = a + rng.normal(size=(4, 3)) * 1e-3
        a[0, 0] = b[0, 0] = 0.0
        return {"a": a, "b": b, "tiny": np.full(3, 1e-12)}

    def probe(self, s, inp):
        a, b, t = inp["a"], inp["b"], inp["tiny"]
        return {"ab": s.relative_error(a, b), "aa": s.relative_error(a, a), "tiny": s.relative_error(t, 2 * t)}

    def judge(self, inp, ans):
        rel = lambda a, b: float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
        a, b, t = inp["a"], inp["b"], inp["tiny"]
        for key, expected, what in (("ab", rel(a, b), "relative_error(a, b)"), ("aa", 0.0, "relative_error(a, a)"),
                                    ("tiny", rel(t, 2 * t), "relative_error of entries near 1e-12")):
            got = number(ans[key], what)
            if not abs(got - expected) <= 1e-9 * max(1.0, abs(expected)):
                raise Fail(f"{what}: expected {expected:.6g}, received {got:.6g}.", "relerr_formula")
        return ""


class GradientCheck(Check):
    def inputs(self, rng):
        for _ in range(200):
            inp = problem(rng, 3)
            g = oracle.run(inp["X"], inp["y"], inp["params"])["grads"]
            if min(float(np.min(np.abs(v))) for v in g.values()) > 1e-3:
                return inp
        return inp

    def probe(self, s, inp):
        X, y, p = inp["X"], inp["y"], inp["params"]
        return {"report": s.gradient_check(X, y, p), "grads": _backward(s, inp)}

    def judge(self, inp, ans):
        report, grads = grads_dict(ans["report"], "gradient_check"), grads_dict(ans["grads"])
        ref = oracle.run(inp["X"], inp["y"], inp["params"])["grads"]
        for k in GRAD_KEYS:
            r = number(need_key(report, k, "gradient_check"), f"gradient_check()[\"{k}\"]")
            g = grads.get(k)
            right = isinstance(g, np.ndarray) and close(g, ref[k], 1e-7)
            if right and not r < 1e-6:
                raise Fail(f"your backward's d{k} is correct, yet gradient_check reports a relative error of "
                           f"{r:.2g} for it (expected below 1e-6).", "gradcheck_misreports")
            if not right and not r > 1e-4:
                raise Fail(f"your backward's d{k} is wrong, yet gradient_check reports a relative error of only "
                           f"{r:.2g} for it (a working check reports more than 1e-4 here).",
                           "gradcheck_misreports")
        return ""


CHECKS = [
    Shapes("backward_shapes", PART, "backward shapes", 4, uses=BACKWARD),
    Gradient("W2", 5), Gradient("b2", 4), Gradient("W1", 5), Gradient("b1", 4), Gradient("X", 4),
    BatchScaling("backward_batch_scaling", PART, "1/B scaling", 4, uses=BACKWARD),
    Pure("backward_pure", PART, "backward leaves its inputs unchanged", 3, uses=BACKWARD),
    Vectorized("backward_vectorized", PART, "batched computation", 3, uses=BACKWARD),
    NumericalGradient("numerical_gradient", PART, "numerical_gradient", 4, uses=("numerical_gradient",)),
    RelativeError("relative_error", PART, "relative_error", 2, uses=("relative_error",)),
    GradientCheck("gradient_check", PART, "gradient_check", 3, uses=("gradient_check",) + BACKWARD),
]
