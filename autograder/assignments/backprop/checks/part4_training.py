"""Part 4: training the NumPy network on XOR (init_params, sgd_step, predict, train)."""
from __future__ import annotations

import numpy as np

from .. import oracle
from ....core.compare import array, described, expect, show
from ..problems import KEYS, dims, make_xor, problem
from ....core.check import Check, Fail
from ._common import grads_dict, need_key, pair

PART = "Part 4"
ACCURACY = 0.9


class InitParams(Check):
    def inputs(self, rng):
        _, D, H, C = dims(rng)
        return {"D": D, "H": H, "C": C, "seed": int(rng.integers(0, 1000))}

    def probe(self, s, inp):
        D, H, C, seed = inp["D"], inp["H"], inp["C"], inp["seed"]
        return {"a": s.init_params(D, H, C, seed=seed), "b": s.init_params(D, H, C, seed=seed),
                "c": s.init_params(D, H, C, seed=seed + 1)}

    def judge(self, inp, ans):
        D, H, C = inp["D"], inp["H"], inp["C"]
        shapes = {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}
        a, b, c = (grads_dict(ans[k], "init_params") for k in "abc")
        for k, shape in shapes.items():
            va = array(need_key(a, k, "init_params"), f"params[\"{k}\"]", shape)
            if not np.all(np.isfinite(va)):
                raise Fail(f"params[\"{k}\"] holds NaN or inf.", "wrong_value")
            if not np.array_equal(va, array(need_key(b, k, "init_params"), k, shape)):
                raise Fail(f"init_params(..., seed={inp['seed']}) gave different params[\"{k}\"] on two calls; "
                           "seed a generator with np.random.default_rng(seed).", "unseeded")
        for k in ("W1", "W2"):
            w = a[k]
            if np.ptp(w) == 0 or np.ptp(w, axis=-1 if k == "W1" else 0).max() == 0:
                raise Fail(f"params[\"{k}\"] has all entries equal ({show(w)}).", "zero_init")
        if np.array_equal(a["W1"], array(need_key(c, "W1", "init_params"), "W1", shapes["W1"])):
            raise Fail(f"seeds {inp['seed']} and {inp['seed'] + 1} gave the same W1: the seed is ignored.",
                       "unseeded")
        return ""


class SgdStep(Check):
    def inputs(self, rng):
        p = problem(rng)["params"]
        return {"params": p, "grads": {k: rng.normal(size=v.shape) for k, v in p.items()},
                "lr": float(rng.uniform(0.01, 1.0))}

    def probe(self, s, inp):
        params, grads, lr = inp["params"], inp["grads"], inp["lr"]
        returned = s.sgd_step(params, grads, lr)
        return {"after": dict(params), "returned_new": isinstance(returned, dict) and returned is not params}

    def judge(self, inp, ans):
        after = grads_dict(ans["after"], "sgd_step")
        for k in KEYS:
            want = inp["params"][k] - inp["lr"] * inp["grads"][k]
            got = array(need_key(after, k, "sgd_step"), f"params[\"{k}\"] after sgd_step", want.shape)
            if np.array_equal(got, inp["params"][k]):
                raise Fail(f"params[\"{k}\"] is unchanged after sgd_step"
                           + (" (a new dict was returned instead)" if ans["returned_new"] else "") + ".",
                           "not_in_place")
            expect(f"params[\"{k}\"] after sgd_step with lr={inp['lr']:.3g}", got, want,
                   [("sign", inp["params"][k] + inp["lr"] * inp["grads"][k])])
        return ""


class Predict(Check):
    def inputs(self, rng):
        return problem(rng)

    def probe(self, s, inp):
        return {"pred": s.predict(inp["X"], inp["params"])}

    def judge(self, inp, ans):
        want = oracle.run(inp["X"], inp["y"], inp["params"])["Z2"].argmax(1)
        got = ans["pred"]
        if not isinstance(got, np.ndarray) or got.dtype.kind not in "iu":
            what = f"an array of dtype {got.dtype}" if isinstance(got, np.ndarray) else described(got)
            raise Fail(f"predict should return an integer array of shape [{len(want)}], received {what}.",
                       "wrong_type")
        if got.shape != want.shape:
            raise Fail(f"predict returned shape {list(got.shape)}, expected one class per row, shape "
                       f"[{len(want)}] (argmax over axis=1).", "wrong_shape")
        if not np.array_equal(got, want):
            raise Fail(f"predict returned {got.tolist()[:8]}, expected the argmax of the logits "
                       f"{want.tolist()[:8]}.", "wrong_value")
        return ""


class TrainXor(Check):
    def inputs(self, rng):
        seed = int(rng.integers(0, 10_000))
        (X, y), (Xt, yt) = make_xor(200, seed=seed), make_xor(500, seed=seed + 1)
        return {"X": X, "y": y, "X_test": Xt, "y_test": yt}

    def probe(self, s, inp):
        params, losses = pair(s.train(inp["X"], inp["y"]), "train")
        return {"params": params, "losses": np.asarray(losses, dtype=float) if isinstance(losses, list) else losses}

    def judge(self, inp, ans):
        p = grads_dict(ans["params"], "train")
        params = {k: array(need_key(p, k, "train"), f"params[\"{k}\"] from train") for k in KEYS}
        try:
            logits = oracle.run(inp["X_test"], inp["y_test"], params)["Z2"]
        except (RuntimeError, IndexError, ValueError) as e:
            raise Fail(f"the parameters returned by train do not fit together: {e}", "wrong_shape")
        acc = float(np.mean(logits.argmax(1) == inp["y_test"]))
        losses = array(ans["losses"], "losses from train")
        if losses.ndim != 1 or losses.size < 2:
            raise Fail(f"train should return the loss of every iteration, received {described(losses)}.",
                       "wrong_type")
        trend = f"the loss went from {losses[0]:.3g} to {losses[-1]:.3g} over {losses.size} iterations"
        if not acc >= ACCURACY:
            stalled = np.isfinite(losses[-1]) and losses[-1] < 0.9 * losses[0]
            raise Fail(f"held-out XOR accuracy is {acc:.1%}, expected at least {ACCURACY:.0%}; {trend}.",
                       "stalled" if stalled else "no_learning")
        return f"(held-out accuracy {acc:.1%}; {trend})"


CHECKS = [
    InitParams("init_params", PART, "init_params", 3, uses=("init_params",)),
    SgdStep("sgd_step", PART, "sgd_step", 3, uses=("sgd_step",)),
    Predict("predict", PART, "predict", 2, uses=("predict",)),
    TrainXor("train_xor", PART, "training on XOR", 7, uses=("train",)),
]
