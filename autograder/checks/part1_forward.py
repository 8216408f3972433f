"""Part 1: the forward pass in NumPy (relu, softmax, cross_entropy, forward)."""
from __future__ import annotations

import numpy as np

from .. import oracle
from ..compare import array, close, expect, number, show
from ..probing import arrays_in
from ..problems import problem
from ..verdict import Check, Fail
from ._common import pair

PART = "Part 1"


class Relu(Check):
    def inputs(self, rng):
        Z = rng.normal(size=(int(rng.integers(3, 7)), int(rng.integers(2, 9))))
        return {"Z": np.where(np.abs(Z) < 1e-3, 0.5, Z)}

    def probe(self, s, inp):
        return {"out": s.relu(inp["Z"])}

    def judge(self, inp, ans):
        expect("relu(Z)", ans["out"], np.maximum(inp["Z"], 0.0))
        return ""


class Softmax(Check):
    def inputs(self, rng):
        B, C = int(rng.integers(3, 7)), int(rng.integers(3, 6))
        return {"Z": rng.normal(size=(B, C)) * 3, "big": rng.normal(size=(B, C)) * 1e4}

    def probe(self, s, inp):
        return {"out": s.softmax(inp["Z"]), "big": s.softmax(inp["big"])}

    def judge(self, inp, ans):
        out = array(ans["out"], "softmax(Z)", inp["Z"].shape)
        if np.allclose(out.sum(0), 1.0) and not np.allclose(out.sum(1), 1.0):
            raise Fail(f"the columns of softmax(Z) sum to 1 but its rows do not (row sums {show(out.sum(1))}).",
                       "softmax_axis")
        expect("softmax(Z)", out, oracle.softmax(inp["Z"]), what="on ordinary logits")
        big = array(ans["big"], "softmax(Z)", inp["big"].shape)
        if not np.all(np.isfinite(big)):
            raise Fail(f"softmax(Z) returned NaN or inf for logits of size 1e4 (received {show(big)}).",
                       "naive_softmax")
        expect("softmax(Z)", big, oracle.softmax(inp["big"]), what="on logits of size 1e4")
        return ""


class CrossEntropy(Check):
    def inputs(self, rng):
        B, C = int(rng.integers(3, 8)), int(rng.integers(3, 6))
        return {"Z": rng.normal(size=(B, C)) * 2, "y": rng.integers(0, C, B),
                "big": rng.normal(size=(B, C)) * 1e4}

    def probe(self, s, inp):
        return {"loss": s.cross_entropy(inp["Z"], inp["y"]), "big": s.cross_entropy(inp["big"], inp["y"])}

    def judge(self, inp, ans):
        Z, y = inp["Z"], inp["y"]
        B, C = Z.shape
        ref = np.asarray(oracle.cross_entropy(Z, y))
        models = [("sum_reduction", np.asarray(oracle.cross_entropy(Z, y, "sum"))),
                  ("off_by_one_labels", np.asarray(oracle.cross_entropy(Z, (y + 1) % C))),
                  ("off_by_one_labels", np.asarray(oracle.cross_entropy(Z, (y - 1) % C))),
                  ("probs_as_logits", np.asarray(oracle.cross_entropy(oracle.softmax(Z), y)))]
        expect("cross_entropy(logits, y)", np.asarray(number(ans["loss"], "cross_entropy(logits, y)")), ref,
               models, B=B)
        big = number(ans["big"], "cross_entropy(logits, y)")
        if not np.isfinite(big):
            raise Fail(f"cross_entropy returned {big} for logits of size 1e4; expected the finite value "
                       f"{oracle.cross_entropy(inp['big'], y):.6g}.", "naive_softmax")
        expect("cross_entropy(logits, y)", np.asarray(big), np.asarray(oracle.cross_entropy(inp["big"], y)),
               what="on logits of size 1e4")
        return ""


class Forward(Check):
    def inputs(self, rng):
        return problem(rng)

    def probe(self, s, inp):
        loss, _ = pair(s.forward(inp["X"], inp["y"], inp["params"]), "forward")
        return {"loss": loss}

    def judge(self, inp, ans):
        X, y, p = inp["X"], inp["y"], inp["params"]
        loss = number(ans["loss"], "the loss returned by forward")
        models = [("sum_reduction", np.asarray(oracle.run(X, y, p, reduction="sum")["loss"])),
                  ("off_by_one_labels", np.asarray(oracle.run(X, y, p, label_shift=1)["loss"])),
                  ("off_by_one_labels", np.asarray(oracle.run(X, y, p, label_shift=-1)["loss"]))]
        expect("the loss returned by forward", np.asarray(loss), np.asarray(oracle.run(X, y, p)["loss"]), models,
               B=len(y))
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
