"""Part 4: training the NumPy network on XOR (init_params, sgd_step, predict, train)."""
from __future__ import annotations

import numpy as np

from .. import oracle
from ....core import budget
from ....core.compare import array, close, described, expect, float64, show
from ....core.student import dtypes, int32
from ..problems import KEYS, dims, make_xor, problem
from ....core.check import Check, Fail
from ._common import grads_dict, need_key, pair

PART = "Part 4"
ACCURACY = 0.9
WIDE = (64, 48, 32)         # D, H, C large enough that a weight matrix's spread is measured to a few percent
SLACK = 0.8                 # sampling and truncated draws: the bounds are checked to within this factor


def init_scale(p) -> str:
    """What breaks the notebook's init rule in init_params(*WIDE) (std between 1/sqrt(fan_in + fan_out) and
    sqrt(2 / fan_in), |b| <= 0.1), or "" if nothing does."""
    if not isinstance(p, dict):
        return ""
    D, H, C = WIDE
    for w, b, fan_in, fan_out in (("W1", "b1", D, H), ("W2", "b2", H, C)):
        W, bias = p.get(w), p.get(b)
        if not isinstance(W, np.ndarray) or W.shape != (fan_in, fan_out) or not np.all(np.isfinite(W)):
            return ""
        low, high, std = 1 / np.sqrt(fan_in + fan_out), np.sqrt(2 / fan_in), float(np.std(W))
        if not SLACK * low <= std <= high / SLACK:
            return (f"init_params({D}, {H}, {C}) draws {w} with standard deviation {std:.3g}, outside the rule's "
                    f"range for fan_in = {fan_in}, fan_out = {fan_out}: from 1/sqrt(fan_in + fan_out) = {low:.3g} to "
                    f"sqrt(2 / fan_in) = {high:.3g}.")
        if isinstance(bias, np.ndarray) and bias.size and float(np.max(np.abs(bias))) > 0.1 / SLACK:
            return f"init_params({D}, {H}, {C}) draws {b} up to {float(np.max(np.abs(bias))):.3g}; the rule allows |b| <= 0.1."
    return ""


class InitParams(Check):
    def inputs(self, rng):
        _, D, H, C = dims(rng)
        return {"D": D, "H": H, "C": C, "seed": int(rng.integers(0, 1000))}

    def probe(self, s, inp):
        D, H, C, seed = inp["D"], inp["H"], inp["C"], inp["seed"]
        a = s.init_params(D, H, C, seed=seed)
        return {"a": a, "b": s.init_params(D, H, C, seed=seed), "c": s.init_params(D, H, C, seed=seed + 1),
                "dtypes": dtypes(a) if isinstance(a, dict) else {}, "wide": s.init_params(*WIDE, seed=seed)}

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
            raise Fail(f"init_params gave the same W1 for seed {inp['seed']} and seed {inp['seed'] + 1}: it ignores "
                       "its seed argument.", "unseeded")
        float64(ans.get("dtypes"), "params[\"{key}\"] from init_params")
        broken = init_scale(ans.get("wide"))
        if broken:
            raise Fail(broken, "init_scale")
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
            p0, g, lr = inp["params"][k], inp["grads"][k], inp["lr"]
            used = float(np.sum((p0 - got) * g) / np.sum(g * g))     # the step size it actually took
            name = f"params[\"{k}\"] after sgd_step with lr={lr:.3g}"
            if not close(got, want) and used > 0 and close(got, p0 - used * g):
                raise Fail(f"{name} moved by {used:.3g} * grads[\"{k}\"], not by lr = {lr:.3g} times it: sgd_step "
                           "ignores its lr argument.", "ignores_argument")
            expect(name, got, want, [("sign", p0 + lr * g)], f64=True)
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


def _own_loop(s, inp, init, own_step: bool) -> dict | None:
    """The loop the notebook describes, run with the student's own forward and backward (and, if own_step, their
    sgd_step), so that a mistake in those is not charged to train again. None if they cannot run."""
    try:
        p = {k: np.array(init[k], dtype=np.float64) for k in KEYS}
        losses = []
        for _ in range(inp["iters"]):
            loss, cache = pair(s.forward(inp["X"], inp["y"], p), "forward")
            g = s.backward(cache)
            if not all(isinstance(g[k], np.ndarray) and g[k].dtype.kind == "f" for k in KEYS):
                return None                              # not gradients: nothing to be consistent with
            losses.append(float(loss))
            if own_step:
                s.sgd_step(p, g, inp["lr"])
            else:
                p = {k: p[k] - inp["lr"] * np.asarray(g[k], dtype=np.float64) for k in KEYS}
        return {"params": p, "losses": np.array(losses)}
    except Exception:
        return None


def _same(a: dict, b: dict) -> bool:
    return all(close(a[k], b[k]) for k in KEYS)


class TrainLoop(Check):
    """train obeys every argument: init_params(D, hidden, C, seed), iters steps of gradient descent with the
    constant lr, and the loss of every step recorded before that step's update."""

    def inputs(self, rng):
        p = problem(rng)
        C = p["params"]["W2"].shape[1]
        p["y"][0] = C - 1                                      # so that y.max() + 1 == C
        return {"X": p["X"], "y": p["y"], "hidden": int(rng.choice([3, 4, 5, 6, 7, 10, 12])),
                "lr": float(rng.uniform(0.05, 0.3)), "iters": int(rng.integers(3, 6)),
                "seeds": [int(v) for v in rng.choice(np.arange(1, 1000), 2, replace=False)]}

    def probe(self, s, inp):
        X, y, h, lr, it, (s1, s2) = (inp[k] for k in ("X", "y", "hidden", "lr", "iters", "seeds"))
        D, C = X.shape[1], int(y.max()) + 1
        out = {}
        for tag, seed in (("first", s1), ("other", s2)):
            params, losses = pair(s.train(X, int32(y), hidden=h, lr=lr, iters=it, seed=seed), "train")
            out[tag] = {"params": params, "losses": np.asarray(losses, dtype=float)
                        if isinstance(losses, (list, tuple)) else losses,
                        "dtypes": dtypes(params) if isinstance(params, dict) else {}}
        init = [s.init_params(D, h, C, seed=seed) for seed in (s1, s1, s2)]
        return out | {"init": init[0], "init_again": init[1], "init_other": init[2], "own": [_own_loop(s, inp, init[1], step) for step in (False, True)]}

    def judge(self, inp, ans):
        X, y, h, lr, it, (s1, s2) = (inp[k] for k in ("X", "y", "hidden", "lr", "iters", "seeds"))
        D, C = X.shape[1], int(y.max()) + 1
        call = f"train(X, y, hidden={h}, lr={lr:.3g}, iters={it}, seed={s1})"
        got = {}
        for tag in ("first", "other"):
            p = grads_dict(ans[tag]["params"], "train")
            got[tag] = {k: array(need_key(p, k, "train"), f"params[\"{k}\"] from train") for k in KEYS}
        float64(ans["first"].get("dtypes"), "params[\"{key}\"] from train")
        W1 = got["first"]["W1"]
        if W1.shape != (D, h):
            raise Fail(f"{call} returned W1 of shape {list(W1.shape)}, expected [{D}, {h}]"
                       + (": it ignores its hidden argument." if W1.shape == (D, 8) else "."),
                       "ignores_argument" if W1.shape == (D, 8) else "wrong_shape")
        losses = array(ans["first"]["losses"], "losses from train")
        if losses.ndim != 1 or losses.size != it:
            raise Fail(f"{call} returned {losses.size} losses, expected one per iteration ({it})"
                       + (": it ignores its iters argument." if losses.size == 3000 else "."),
                       "ignores_argument" if losses.size == 3000 else "wrong_shape")
        init = grads_dict(ans["init"], "init_params")
        if not all(isinstance(init.get(k), np.ndarray) and isinstance(ans["init_again"].get(k), np.ndarray)
                   and np.array_equal(init[k], ans["init_again"][k]) for k in KEYS):
            return "(init_params is not deterministic, so the steps of train were not compared)"
        if all(np.array_equal(got["first"][k], got["other"][k]) for k in KEYS) and \
                not np.array_equal(init["W1"], ans["init_other"]["W1"]):
            raise Fail(f"training gave the same weights for seed {s1} and seed {s2}: train ignores its seed "
                       "argument.", "ignores_argument")
        want, want_losses = oracle.gd(X, y, init, lr, it)
        for own in ans.get("own") or []:                     # your forward, backward and sgd_step: consistent
            if isinstance(own, dict) and isinstance(own.get("params"), dict) and \
                    _same(got["first"], own["params"]) and not _same(got["first"], want):
                want, want_losses = own["params"], own["losses"]
        step = f"after {it} steps of gradient descent with lr={lr:.3g} from init_params(D, {h}, C, seed={s1})"
        if not _same(got["first"], want):
            default, _ = oracle.gd(X, y, init, 0.5, it)
            if _same(got["first"], default):
                raise Fail(f"{call} gave the parameters of lr=0.5 (the default), not lr={lr:.3g}: train ignores its "
                           "lr argument.", "ignores_argument")
            k = next(k for k in KEYS if not close(got["first"][k], want[k]))
            raise Fail(f"{call}: params[\"{k}\"] is not what {step} gives (expected {show(want[k])}, received "
                       f"{show(got['first'][k])}). The notebook asks for iters steps of full-batch gradient descent "
                       "with the constant learning rate lr, from init_params(D, hidden, C, seed).", "wrong_value")
        if not close(losses, want_losses):
            _, later = oracle.gd(X, y, init, lr, it + 1)
            if close(losses, later[1:]):
                raise Fail(f"{call} recorded the loss after each update ({show(losses)}); the notebook asks for the "
                           f"loss before each update, losses[0] being the loss of the initial parameters "
                           f"({show(want_losses)}).", "loss_after_update")
            expect(f"the losses from {call}", losses, want_losses)
        return ""


def _accuracy(params, inp) -> float:
    """Held-out accuracy, only to decide in the probe whether another seed is worth a run (the grader judges)."""
    try:
        logits = np.maximum(inp["X_test"] @ params["W1"] + params["b1"], 0) @ params["W2"] + params["b2"]
        return float(np.mean(np.argmax(logits, axis=1) == inp["y_test"]))
    except Exception:
        return 0.0


class TrainXor(Check):
    def inputs(self, rng):
        seed = int(rng.integers(0, 10_000))
        (X, y), (Xt, yt) = make_xor(200, seed=seed), make_xor(500, seed=seed + 1)
        return {"X": X, "y": y, "X_test": Xt, "y_test": yt}

    RETRY_SEEDS = (1, 2)
    ITERS = 3000                # the notebook's default iters, if train's own default cannot be read

    def probe(self, s, inp):
        X, y, clock = inp["X"], inp["y"], budget.Clock()
        iters = budget.default(s._ns.get("train"), "iters", self.ITERS)
        slow = budget.size_up(lambda k: s.train(X, y, iters=k), iters, clock)
        if slow:
            return {"too_slow": slow}
        runs, skipped = [], None
        for seed in (None,) + self.RETRY_SEEDS:      # your defaults; other seeds only if a run falls short
            if runs and not clock.affords(one_run):
                skipped = {"run_seconds": one_run, "budget": budget.seconds}
                break
            before = clock.spent
            params, losses = pair(clock.run(s.train, X, y) if seed is None else
                                  clock.run(s.train, X, y, seed=seed), "train")
            one_run = clock.spent - before
            runs.append({"params": params, "seed": seed,
                         "losses": np.asarray(losses, dtype=float) if isinstance(losses, list) else losses})
            if _accuracy(params, inp) >= ACCURACY:
                break
        return {"runs": runs, "wide": s.init_params(*WIDE, seed=0) if len(runs) > 1 else None, "skipped": skipped}

    def judge(self, inp, ans):
        if ans.get("too_slow") is not None:
            raise Fail(budget.message(ans["too_slow"], "`train(X, y)`", "iteration", "iterations"), "too_slow")
        try:
            return self._judge_runs(inp, ans)
        except Fail as f:
            skipped = ans.get("skipped")
            if isinstance(skipped, dict):       # a second chance the budget had no room for
                f.message += (f" Other seeds were not tried: one run of train took {skipped['run_seconds']:.1f} s "
                              f"of CPU, and another would pass the {skipped['budget']:g} s this check allows.")
            raise

    def _judge_runs(self, inp, ans):
        runs = ans["runs"] if isinstance(ans.get("runs"), list) and ans["runs"] else [{}]
        broken = init_scale(ans.get("wide")) if len(runs) > 1 else ""
        if broken:                      # other seeds are a second chance for inits within the rule only
            try:
                self._judge_run(inp, runs[0])
            except Fail as f:
                raise Fail(f"{f.message} The check tries other seeds only for an init within the notebook's rule, "
                           f"and {broken}", f.tag)
            runs = runs[:1]
        notes = []
        for run in runs:
            try:
                return self._judge_run(inp, run) + (f" (with seed={run['seed']})" if run.get("seed") else "")
            except Fail as f:
                notes.append(f)
        raise notes[0]

    def _judge_run(self, inp, ans):
        p = grads_dict(ans.get("params"), "train")
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
    TrainLoop("train_loop", PART, "train follows its arguments", 3,
              uses=("train", "init_params", "forward", "backward", "sgd_step")),
    TrainXor("train_xor", PART, "training on XOR", 4, uses=("train", "init_params")),
]
