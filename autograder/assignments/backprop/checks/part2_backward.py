"""Part 2: the manual backward pass, numerical gradients and the gradient check, in NumPy."""
from __future__ import annotations

import numpy as np

from .. import oracle
from ....core.check import Check, Fail
from ....core.compare import array, close, expect, float64, number, scale_error, show
from ....core.student import PACKAGE_DIR, StudentError, arrays_in, dtypes, int32
from ..problems import GRAD_KEYS, LARGE, large_logits, problem
from ._common import grads_dict, need_key, pair

PART = "Part 2"
BACKWARD = ("forward", "backward")
SHAPES = {"W1": "[D, H]", "b1": "[H]", "W2": "[H, C]", "b2": "[C]", "X": "[B, D]"}


def _backward(s, inp):
    _, cache = pair(s.forward(inp["X"], inp["y"], inp["params"]), "forward")
    return s.backward(cache)


def real_gradients(value, inp) -> dict:
    """The five gradients of a real attempt at backprop: the right shapes, finite, and at least one of them
    equal to the reference or to what a known misconception gives. Behaviour checks credit nothing less."""
    grads = grads_dict(value)
    out = {k: array(need_key(grads, k), f"d{k}", _shape(inp, k)) for k in GRAD_KEYS}
    ref = oracle.run(inp["X"], inp["y"], inp["params"])["grads"]
    models = [ref] + [g for _, g in oracle.misconceptions(inp["X"], inp["y"], inp["params"])]
    if not any(close(out[k], m[k]) for k in GRAD_KEYS for m in models):
        raise Fail("this behaviour is credited once backward computes gradients; none of the five it returned "
                   f"is the gradient (e.g. dW2 expected {show(ref['W2'])}, received {show(out['W2'])}).",
                   "wrong_value")
    return out


def _shape(inp, key) -> tuple:
    return inp["X"].shape if key == "X" else inp["params"][key].shape


class Shapes(Check):
    """The five gradients have their tensors' shapes and are float64, to float64 accuracy (int32 labels)."""

    def inputs(self, rng):
        return problem(rng)

    def probe(self, s, inp):
        grads = _backward(s, inp | {"y": int32(inp["y"])})
        return {"grads": grads, "dtypes": dtypes(grads) if isinstance(grads, dict) else {}}

    def judge(self, inp, ans):
        grads = grads_dict(ans["grads"])
        for k in GRAD_KEYS:
            array(need_key(grads, k), f"d{k} (shape {SHAPES[k]})", _shape(inp, k))
        float64(ans["dtypes"], "the gradient d{key} from backward")
        ref = oracle.run(inp["X"], inp["y"], inp["params"])["grads"]
        for k in GRAD_KEYS:
            if close(grads[k], ref[k]):
                expect(f"d{k}", grads[k], ref[k], f64=True)
        return ""


class Stable(Check):
    """backward stays finite and right when the logits are large (the forward pass must, too)."""

    def inputs(self, rng):
        return large_logits(problem(rng))

    def probe(self, s, inp):
        return {"grads": _backward(s, inp)}

    def judge(self, inp, ans):
        grads = grads_dict(ans["grads"])
        ref = oracle.run(inp["X"], inp["y"], inp["params"])["grads"]
        for k in GRAD_KEYS:
            g = array(need_key(grads, k), f"d{k}", _shape(inp, k))
            if not np.all(np.isfinite(g)):
                raise Fail(f"for a network whose logits reach {LARGE:g}, backward returned NaN or inf in d{k} "
                           f"({show(g)}; expected {show(ref[k])}). The notebook requires backward, like forward, "
                           "to stay finite for large logits.", "unstable_backward")
        wrong = oracle.misconceptions(inp["X"], inp["y"], inp["params"])
        for k in GRAD_KEYS:
            expect(f"d{k}", grads[k], ref[k], [(t, g[k]) for t, g in wrong], B=len(inp["y"]),
                   what=f"for logits of size {LARGE:g}")
        return ""


class Gradient(Check):
    """One of the five gradients against autograd, naming the misconception a wrong one matches."""

    def __init__(self, key: str, points: float):
        super().__init__(f"backward_{key}", PART, f"backward d{key}", points, uses=BACKWARD)
        self.key = key
        self.weight = {"b1": "W1", "b2": "W2"}.get(key)        # tells a bias mean from a doubled 1/B

    def inputs(self, rng):
        return problem(rng)

    def probe(self, s, inp):
        grads = _backward(s, inp)
        if not isinstance(grads, dict):
            return {"has": True, "grad": grads}
        return {"has": self.key in grads, "grad": grads.get(self.key), "weight": grads.get(self.weight)}

    def judge(self, inp, ans):
        X, y, p = inp["X"], inp["y"], inp["params"]
        got = ans["grad"]
        if not ans["has"]:
            raise Fail(f"backward returned no \"{self.key}\" gradient.", "missing_dX" if self.key == "X"
                       else "missing_key")
        if isinstance(got, dict):
            got = {"__type__": "dict"}
        ref = oracle.run(X, y, p)["grads"]

        def models():
            pairs = [(tag, g[self.key]) for tag, g in oracle.misconceptions(X, y, p)]
            w = ans.get("weight")
            if self.weight and close(w, ref[self.weight] / len(y)):      # the weights too: 1/B applied twice
                pairs.sort(key=lambda tm: tm[0] != "doubled_inv_B")
            return pairs
        err = expect(f"d{self.key}", got, ref[self.key], models, B=len(y))
        return f"(max error relative to the largest entry: {err:.1e})"


class BatchScaling(Check):
    def inputs(self, rng):
        return problem(rng)

    def probe(self, s, inp):
        X, y, p = inp["X"], inp["y"], inp["params"]
        once = _backward(s, inp)
        twice = _backward(s, {"X": np.concatenate([X, X]), "y": np.concatenate([y, y]), "params": p})
        return {"once": once, "twice": twice}

    def judge(self, inp, ans):
        once, twice = real_gradients(ans["once"], inp), grads_dict(ans["twice"])
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
                weights_fine = all(close(array(twice.get(w), w, once[w].shape), once[w]) for w in ("W1", "W2")
                                   if isinstance(twice.get(w), np.ndarray))
                raise Fail(f"duplicating the batch (B = {B} -> {2 * B}) halved d{k} ({show(a)} -> {show(b)}); "
                           "a mean loss leaves parameter gradients unchanged.",
                           "bias_mean" if k in ("b1", "b2") and weights_fine else "doubled_inv_B")
            raise Fail(f"duplicating the batch changed d{k} from {show(a)} to {show(b)}; a mean loss leaves "
                       "parameter gradients unchanged.", "wrong_value")
        return ""


class Pure(Check):
    """Arrays that existed before backward(cache) are unchanged byte for byte, and a second call agrees.
    New attributes or new objects (a layer keeping self.dW) are not a change."""

    def inputs(self, rng):
        return problem(rng)

    def probe(self, s, inp):
        X, y, p = inp["X"], inp["y"], inp["params"]
        _, cache = pair(s.forward(X, y, p), "forward")
        held = arrays_in(cache)
        before = [a.copy() for a in held]
        first = s.backward(cache)
        first = {k: np.array(v, copy=True) if isinstance(v, np.ndarray) else v for k, v in first.items()} \
            if isinstance(first, dict) else first
        second = s.backward(cache)
        return {"first": first, "second": second, "before": before, "after": held, "params": p}

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
        for a, b in zip(before, after):
            if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                    and a.tobytes() == b.tobytes()):
                shape = list(a.shape) if isinstance(a, np.ndarray) else "?"
                raise Fail(f"backward(cache) wrote into an array of the cache (shape {shape}) that forward had "
                           "stored (gradients came out the same twice, but the cache did not survive).",
                           "mutates_cache")
        return ""


def _student_lines(call) -> int:
    """How many lines of the student's own code (not numpy's, not the grader's) run during call()."""
    import sys
    libs = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix, PACKAGE_DIR})
    count = [0]

    def local(frame, event, arg):
        if event == "line":
            count[0] += 1
        return local

    def tracer(frame, event, arg):
        return None if frame.f_code.co_filename.startswith(libs) else local

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        call()
    finally:
        sys.settrace(previous)
    return count[0]


class Vectorized(Check):
    SIZES = (16, 64)

    def inputs(self, rng):
        return {"small": problem(rng, self.SIZES[0]), "large": problem(rng, self.SIZES[1])}

    def probe(self, s, inp):
        lines, grads = {}, {}
        for size in ("small", "large"):
            lines[size] = _student_lines(lambda: grads.__setitem__(size, _backward(s, inp[size])))
        return {"lines": lines, "grads": grads["large"]}

    def judge(self, inp, ans):
        real_gradients(ans["grads"], inp["large"])
        small, large = (int(ans["lines"][k]) for k in ("small", "large"))
        extra = self.SIZES[1] - self.SIZES[0]
        if large - small >= extra:
            raise Fail(f"forward and backward ran {small} lines of your code for a batch of {self.SIZES[0]} and "
                       f"{large} for a batch of {self.SIZES[1]}: the work grows with the batch, so some line runs "
                       "once per example (expected the same few whole-batch operations for any B).",
                       "loop_over_examples")
        return ""


def _f1(x):
    return float(np.sum(np.sin(x) * x ** 3))


def _df1(x):
    return np.cos(x) * x ** 3 + 3 * x ** 2 * np.sin(x)


class NumericalGradient(Check):
    def inputs(self, rng):
        return {"x": rng.uniform(0.5, 2.0, size=(3, 4)) * rng.choice([-1, 1], size=(3, 4)),
                "v": rng.normal(size=5), "c": rng.normal(size=(2, 3)), "eps": float(rng.uniform(0.05, 0.2))}

    def probe(self, s, inp):
        x, v, c, eps = inp["x"], inp["v"], inp["c"], inp["eps"]
        g = s.numerical_gradient(lambda: _f1(x), x)
        gv = s.numerical_gradient(lambda: float(np.sum(np.exp(0.5 * v))), v, eps=1e-4)
        gc = s.numerical_gradient(lambda: float(np.sum(c ** 3)), c, eps=eps)
        return {"g": g, "gv": gv, "gc": gc, "x_after": x, "v_after": v, "dtype": dtypes(g)}

    def judge(self, inp, ans):
        x, v, c, eps = inp["x"], inp["v"], inp["c"], inp["eps"]
        g = array(ans["g"], "numerical_gradient(f, x)", x.shape)
        float64(ans.get("dtype"), "numerical_gradient(f, x)")
        one_sided = []
        for sign in (1, -1):
            fd = np.empty_like(x)
            for i in np.ndindex(x.shape):
                xp = x.copy()
                xp[i] += sign * 1e-5
                fd[i] = sign * (_f1(xp) - _f1(x)) / 1e-5
            one_sided.append(("one_sided", fd))
        err = scale_error(g, _df1(x))
        if err > 1e-7:
            for tag, model in one_sided:
                if close(g, model, 1e-7):
                    raise Fail(f"the derivative of sum(sin(x) * x**3) is off by {err:.1e} (relative), the size of "
                               "a one-sided difference's error.", tag)
            expect("numerical_gradient of sum(sin(x) * x**3)", g, _df1(x))
        expect("numerical_gradient of sum(exp(x / 2)) with eps=1e-4", array(ans["gv"], "gv", v.shape),
               0.5 * np.exp(0.5 * v))
        gc = array(ans["gc"], f"numerical_gradient(f, x, eps={eps:.3g})", c.shape)
        want = 3 * c ** 2 + eps ** 2           # the central difference of x**3 with step eps, exactly
        name = f"numerical_gradient of sum(x**3) with eps={eps:.3g} (central difference: 3 x**2 + eps**2)"
        if not close(gc, want) and close(gc, 3 * c ** 2, 1e-6):
            raise Fail(f"{name} returned 3 x**2 ({show(gc)}), the result of a tiny step instead of eps={eps:.3g} "
                       f"(expected {show(want)}): it ignores its eps argument.", "ignores_argument")
        expect(name, gc, want)
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


def _central(loss, arrays: dict, eps: float) -> dict:
    """Central differences of loss() with respect to each array, perturbed in place and restored."""
    numeric = {}
    for k, a in arrays.items():
        g = np.zeros_like(a)
        for i in np.ndindex(a.shape):
            old = a[i]
            a[i] = old + eps
            plus = loss()
            a[i] = old - eps
            minus = loss()
            a[i] = old
            g[i] = (plus - minus) / (2 * eps)
        numeric[k] = g
    return numeric


def _relative_error(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def _relerr_works(fn) -> bool:
    a, b = np.array([1.0, -2.0, 0.0]), np.array([1.5, -2.0, 0.0])
    try:
        return callable(fn) and abs(float(fn(a, b)) - 0.2) < 1e-12 and float(fn(a, a)) == 0.0
    except Exception:
        return False


class GradientCheck(Check):
    """gradient_check reports what is true of your backward against your forward: small for a right gradient,
    large for a wrong one (the check swaps in a backward with one gradient wrong), at the eps it is given."""
    EPS = 1e-2

    def inputs(self, rng):
        for _ in range(200):
            inp = problem(rng, 3)
            g = oracle.run(inp["X"], inp["y"], inp["params"])["grads"]
            if min(float(np.min(np.abs(v))) for v in g.values()) > 1e-3:
                break
        return inp | {"wrong_key": str(rng.choice(GRAD_KEYS)), "factor": float(rng.choice([-1.0, 0.5, 2.0]))}

    def probe(self, s, inp):
        ns, theirs = s._ns, s._ns.get("relative_error")
        if not _relerr_works(theirs):           # a broken relative_error costs its own check's points, once
            ns["relative_error"] = _relative_error
        try:
            return self._probe(s, inp)
        finally:
            if theirs is None:
                ns.pop("relative_error", None)
            else:
                ns["relative_error"] = theirs

    def _probe(self, s, inp):
        X, y, p = inp["X"], inp["y"], inp["params"]
        report = s.gradient_check(X, y, p)
        grads = _backward(s, inp)
        loss = lambda: float(pair(s.forward(X, y, p), "forward")[0])
        numeric = _central(loss, dict(p, X=X), 1e-5)
        at_eps = s.gradient_check(X, y, p, eps=self.EPS)
        numeric_eps = _central(loss, dict(p, X=X), self.EPS)
        ns, mine, calls = s._ns, s._ns.get("backward"), []

        def wrong_backward(cache):                # the student's backward with one gradient wrong
            calls.append(1)
            out = dict(mine(cache))
            out[inp["wrong_key"]] = out[inp["wrong_key"]] * inp["factor"]
            return out
        c = np.linspace(-1.0, 1.0, 4)
        ng = s.numerical_gradient(lambda: float(np.sum(c ** 3)), c, eps=0.1)
        ns["backward"] = wrong_backward
        try:
            blind = s.gradient_check(X, y, p)
        except StudentError as e:
            blind = {"__error__": e.text}
        finally:
            ns["backward"] = mine
        return {"report": report, "grads": grads, "numeric": numeric, "at_eps": at_eps, "numeric_eps": numeric_eps,
                "blind": blind, "blind_calls": len(calls), "numerical_eps": ng}

    def judge(self, inp, ans):
        report, grads = grads_dict(ans["report"], "gradient_check"), grads_dict(ans["grads"])
        rel = lambda a, b: float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
        for k in GRAD_KEYS:
            r = number(need_key(report, k, "gradient_check"), f"gradient_check()[\"{k}\"]")
            g = array(need_key(grads, k), f"d{k}", _shape(inp, k))
            truth = rel(g, array(ans["numeric"][k], "numeric", g.shape))
            if truth < 1e-7 and 1e-6 <= r < 1e-3:
                raise Fail(f"your backward's d{k} agrees with your forward (relative error {truth:.1e} by central "
                           f"differences), yet gradient_check reports {r:.2g}: the size of a one-sided "
                           "difference's error.", "one_sided")
            if truth < 1e-7 and not r < 1e-6:
                raise Fail(f"your backward's d{k} agrees with your forward (relative error {truth:.1e} by central "
                           f"differences), yet gradient_check reports {r:.2g} for it (expected below 1e-6).",
                           "gradcheck_misreports")
            if truth > 1e-3 and not r > 1e-4:
                raise Fail(f"your backward's d{k} disagrees with your forward (relative error {truth:.2g} by "
                           f"central differences), yet gradient_check reports only {r:.2g} (a working check "
                           "reports more than 1e-4 here).", "gradcheck_misreports")
        key, factor = inp["wrong_key"], inp["factor"]
        blind = ans["blind"]
        if isinstance(blind, dict) and "__error__" in blind:
            raise Fail(f"with a backward whose d{key} is {factor:g} times the gradient, gradient_check raised: "
                       f"{blind['__error__']}", "gradcheck_blind")
        blind = grads_dict(blind, "gradient_check")
        truth = rel(factor * array(grads[key], f"d{key}"), array(ans["numeric"][key], "numeric"))
        r = number(need_key(blind, key, "gradient_check"), f"gradient_check()[\"{key}\"]")
        if not r > 1e-4:
            unused = "" if ans["blind_calls"] else (" and never called that backward (it must call backward by "
                                                    "name each time it runs)")
            raise Fail(f"given a backward whose d{key} is {factor:g} times the true gradient (relative error "
                       f"{truth:.2g}), gradient_check still reported {r:.2g} for {key}{unused}: it says OK to a "
                       "wrong gradient, so it checks nothing.", "gradcheck_blind")
        c = np.linspace(-1.0, 1.0, 4)
        if isinstance(ans.get("numerical_eps"), np.ndarray) and close(ans["numerical_eps"], 3 * c ** 2):
            return "(eps not judged: numerical_gradient ignores its eps, which its own check reports)"
        at_eps = grads_dict(ans["at_eps"], "gradient_check")
        for k in GRAD_KEYS:
            truth = rel(grads[k], array(ans["numeric_eps"][k], "numeric", grads[k].shape))
            r = number(need_key(at_eps, k, "gradient_check"), f"gradient_check(..., eps={self.EPS:g})[\"{k}\"]")
            if truth > 1e-6 and r < truth / 10:
                raise Fail(f"gradient_check(X, y, params, eps={self.EPS:g}) reported {r:.2g} for {k}, but with "
                           f"eps={self.EPS:g} central differences of your forward differ from your backward by "
                           f"{truth:.2g}: it ignores its eps argument.", "ignores_argument")
        return ""


CHECKS = [
    Shapes("backward_shapes", PART, "backward shapes and dtype", 4, uses=BACKWARD),
    Gradient("W2", 4), Gradient("b2", 4), Gradient("W1", 4), Gradient("b1", 4), Gradient("X", 4),
    Stable("backward_stable", PART, "backward for large logits", 2, uses=BACKWARD),
    BatchScaling("backward_batch_scaling", PART, "1/B scaling", 4, uses=BACKWARD),
    Pure("backward_pure", PART, "backward leaves its inputs unchanged", 3, uses=BACKWARD),
    Vectorized("backward_vectorized", PART, "batched computation", 3, uses=BACKWARD),
    NumericalGradient("numerical_gradient", PART, "numerical_gradient", 4, uses=("numerical_gradient",)),
    RelativeError("relative_error", PART, "relative_error", 2, uses=("relative_error",)),
    GradientCheck("gradient_check", PART, "gradient_check", 3, uses=("gradient_check",) + BACKWARD),
]
