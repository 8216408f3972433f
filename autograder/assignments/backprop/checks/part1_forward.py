"""Part 1: the forward pass in NumPy (relu, softmax, cross_entropy, forward)."""
from __future__ import annotations

import numpy as np

from .. import oracle
from ....core.check import Check, Fail
from ....core.compare import array, close, expect, float64, number, show
from ....core.student import arrays_in, dtypes, int32
from ..problems import LARGE, large_logits, problem
from ._common import pair

PART = "Part 1"


def _unchanged(before: np.ndarray, after, fn: str):
    """The notebook: relu and softmax return a new array and leave their argument unchanged."""
    if not (isinstance(after, np.ndarray) and after.shape == before.shape and after.tobytes() == before.tobytes()):
        raise Fail(f"{fn}(Z) changed its argument Z in place (Z afterwards: {show(after)}, before: {show(before)}); "
                   f"the notebook asks {fn} to return a new array and leave Z unchanged.", "modifies_argument")


class Relu(Check):
    def inputs(self, rng):
        Z = rng.normal(size=(int(rng.integers(3, 7)), int(rng.integers(2, 9))))
        return {"Z": np.where(np.abs(Z) < 1e-3, 0.5, Z)}

    def probe(self, s, inp):
        return {"out": s.relu(inp["Z"]), "Z_after": inp["Z"]}

    def judge(self, inp, ans):
        expect("relu(Z)", ans["out"], np.maximum(inp["Z"], 0.0))
        _unchanged(inp["Z"], ans["Z_after"], "relu")
        return ""


class Softmax(Check):
    def inputs(self, rng):
        B, C = int(rng.integers(3, 7)), int(rng.integers(3, 6))
        return {"Z": rng.normal(size=(B, C)) * 3, "big": rng.normal(size=(B, C)) * 1e4}

    def probe(self, s, inp):
        out = s.softmax(inp["Z"])
        return {"out": out, "dtype": dtypes(out), "Z_after": inp["Z"], "big": s.softmax(inp["big"])}

    def judge(self, inp, ans):
        float64(ans["dtype"], "softmax(Z)")
        out = array(ans["out"], "softmax(Z)", inp["Z"].shape)
        if np.allclose(out.sum(0), 1.0) and not np.allclose(out.sum(1), 1.0):
            raise Fail(f"the columns of softmax(Z) sum to 1 but its rows do not (row sums {show(out.sum(1))}).",
                       "softmax_axis")
        expect("softmax(Z)", out, oracle.softmax(inp["Z"]), what="on ordinary logits", f64=True)
        big = array(ans["big"], "softmax(Z)", inp["big"].shape)
        if not np.all(np.isfinite(big)):
            raise Fail(f"softmax(Z) returned NaN or inf for logits of size 1e4 (received {show(big)}).",
                       "naive_softmax")
        expect("softmax(Z)", big, oracle.softmax(inp["big"]), what="on logits of size 1e4")
        _unchanged(inp["Z"], ans["Z_after"], "softmax")
        return ""


class CrossEntropy(Check):
    def inputs(self, rng):
        B, C = int(rng.integers(3, 8)), int(rng.integers(3, 6))
        return {"Z": rng.normal(size=(B, C)) * 2, "y": rng.integers(0, C, B),
                "big": rng.normal(size=(B, C)) * 1e4}

    def probe(self, s, inp):
        return {"loss": s.cross_entropy(inp["Z"], int32(inp["y"])),       # labels of any integer dtype
                "big": s.cross_entropy(inp["big"], inp["y"])}

    def judge(self, inp, ans):
        Z, y = inp["Z"], inp["y"]
        B, C = Z.shape
        ref = np.asarray(oracle.cross_entropy(Z, y))
        name = "cross_entropy(logits, y)"
        expect(name, np.asarray(number(ans["loss"], name)), ref, oracle.cross_entropy_mistakes(Z, y), B=B,
               what="(with int32 labels)", f64=True)
        big = number(ans["big"], name)
        if not np.isfinite(big):
            raise Fail(f"cross_entropy returned {big} for logits of size 1e4; expected the finite value "
                       f"{oracle.cross_entropy(inp['big'], y):.6g}.", "naive_softmax")
        expect(name, np.asarray(big), np.asarray(oracle.cross_entropy(inp["big"], y)), what="on logits of size 1e4")
        return ""


class Forward(Check):
    def inputs(self, rng):
        p = problem(rng)
        return p | {"large": large_logits(problem(rng))}

    def probe(self, s, inp):
        loss, _ = pair(s.forward(inp["X"], int32(inp["y"]), inp["params"]), "forward")
        big = inp["large"]
        large, _ = pair(s.forward(big["X"], big["y"], big["params"]), "forward")
        return {"loss": loss, "large": large, "X_after": inp["X"], "params_after": inp["params"]}

    def judge(self, inp, ans):
        X, y, p = inp["X"], inp["y"], inp["params"]
        name = "the loss returned by forward"
        loss = number(ans["loss"], name)
        models = [("sum_reduction", np.asarray(oracle.run(X, y, p, reduction="sum")["loss"])),
                  ("off_by_one_labels", np.asarray(oracle.run(X, y, p, label_shift=1)["loss"])),
                  ("off_by_one_labels", np.asarray(oracle.run(X, y, p, label_shift=-1)["loss"]))]
        expect(name, np.asarray(loss), np.asarray(oracle.run(X, y, p)["loss"]), models, B=len(y), f64=True)
        big = inp["large"]
        large = number(ans["large"], name)
        want = oracle.run(big["X"], big["y"], big["params"])["loss"]
        if not np.isfinite(large):
            raise Fail(f"forward returned the loss {large} for a network whose logits reach {LARGE:g}; expected the "
                       f"finite value {want:.6g}. The notebook requires forward to stay finite for large logits.",
                       "naive_softmax")
        expect(name, np.asarray(large), np.asarray(want), what=f"for logits of size {LARGE:g}")
        after = ans.get("params_after") if isinstance(ans.get("params_after"), dict) else {}
        for k, before in [("X", X)] + [(f"params[\"{k}\"]", p[k]) for k in p]:
            got = ans.get("X_after") if k == "X" else after.get(k[8:-2])
            if not (isinstance(got, np.ndarray) and got.shape == before.shape and got.tobytes() == before.tobytes()):
                raise Fail(f"forward changed its argument {k} in place; the notebook asks forward to leave the "
                           "arrays it is given unchanged.", "modifies_argument")
        return ""


class ForwardCache(Check):
    def inputs(self, rng):
        return problem(rng)

    def probe(self, s, inp):
        _, cache = pair(s.forward(inp["X"], inp["y"], inp["params"]), "forward")
        return {"arrays": arrays_in(cache)[:100]}

    def judge(self, inp, ans):
        ref = oracle.run(inp["X"], inp["y"], inp["params"])
        found = [a for a in ans["arrays"] if isinstance(a, np.ndarray)]
        for names, keys in ((("Z1", "H1"), ("Z1", "H1")), (("Z2", "softmax(Z2)"), ("Z2", "P"))):
            want = [ref[k] for k in keys]
            if not any(close(v, w, 1e-6) for a in found for v in (a, a.T) for w in want):     # [B, H] or [H, B]
                raise Fail(f"the cache from forward holds no array equal to {names[0]} or {names[1]} "
                           f"(shape {list(want[0].shape)}); found arrays of shapes "
                           f"{[list(a.shape) for a in found][:8]}. backward(cache) needs the activations "
                           "of this forward pass.", "cache_incomplete")
        return ""


CHECKS = [
    Relu("relu", PART, "relu", 2, uses=("relu",)),
    Softmax("softmax", PART, "softmax", 4, uses=("softmax",)),
    CrossEntropy("cross_entropy", PART, "cross_entropy", 5, uses=("cross_entropy",)),
    Forward("forward_loss", PART, "forward loss", 5, uses=("forward",)),
    ForwardCache("forward_cache", PART, "forward cache", 4, uses=("forward",)),
]
