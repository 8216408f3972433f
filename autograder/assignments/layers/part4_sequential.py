"""Part 4: Sequential, Xavier and He initialisers, sigmoid + binary cross-entropy, collapsing linear layers,
XOR, and the same gradients from torch's nn.Sequential."""
from __future__ import annotations

import numpy as np

from . import oracle, reference
from .base import LayerCheck, expect, got_array, is_float, need_float64
from .blocks import Fail, described, show
from ...core import budget
from ...core.objects import Obj, arr, dtype, new, scalar, what
from .problems import sizes, stack_problem

PART = "Part 4"
LN2 = float(np.log(2))
CLASSES = {"linear": "Linear", "relu": "ReLU", "sigmoid": "Sigmoid", "layernorm": "LayerNorm"}
LAYERS = ("Linear", "ReLU", "Sigmoid", "LayerNorm")


def build(s, kind: str, p: dict) -> Obj:
    """One layer of the student's classes (or the reference for one that failed its own check)."""
    if kind == "linear":
        return new(s, "Linear", p["W"].copy(), p["b"].copy())
    if kind == "layernorm":
        o = new(s, "LayerNorm", len(p["gamma"]), eps=p["eps"])
        o.raw.gamma, o.raw.beta = p["gamma"].copy(), p["beta"].copy()
        return o
    return new(s, CLASSES[kind])


# ---------------------------------------------------------------- sigmoid + BCE

class Bce(LayerCheck):
    def inputs(self, rng):
        B = int(rng.integers(3, 9))
        z = rng.normal(size=B) * 3
        y = rng.integers(0, 2, B).astype(float)
        return {"z": z, "y": y, "z2": z[:, None] * 0.5, "y2": y[::-1, None].copy(),
                "big": np.array([1000.0, -1000.0, 800.0, -800.0]), "ybig": np.array([0.0, 1.0, 1.0, 0.0])}

    def ask(self, s, inp):
        out = {}
        for k, (z, y) in {"a": ("z", "y"), "b": ("z2", "y2"), "big": ("big", "ybig")}.items():
            res = s.bce_with_logits(inp[z], inp[y])
            if not isinstance(res, (tuple, list)) or len(res) != 2:
                return {"pair": what(res) if not isinstance(res, (tuple, list)) else f"{len(res)} values"}
            out[k] = {"loss": scalar(res[0]), "dz": arr(res[1]), "dtype": dtype(res[1])}
        return out

    def judge(self, inp, ans):
        if "pair" in ans:
            raise Fail(f"bce_with_logits should return a pair (loss, dz), returned {ans['pair']}.", "wrong_type")
        for k, (zk, yk) in {"a": ("z", "y"), "b": ("z2", "y2"), "big": ("big", "ybig")}.items():
            z, y, a = inp[zk], inp[yk], ans[k]
            B = z.shape[0]
            loss, dz = oracle.bce_logits(z, y)
            p = 1 / (1 + np.exp(-np.clip(z, -500, 500)))
            with np.errstate(all="ignore"):
                clamp = -np.mean(y * np.log(p + 1e-8) + (1 - y) * np.log(1 - p + 1e-8))
                probs_loss, probs_dz = oracle.bce_logits(p, y)
            what = f"for z = {show(z)}, y = {show(y)}"
            got = a["loss"]
            if isinstance(got, float) and not np.isfinite(got):
                raise Fail(f"the loss is {got} {what}; expected {loss:.6g}.", "bce_unstable")
            is_float(got, "the loss returned by bce_with_logits")
            expect("the loss returned by bce_with_logits", np.asarray(got), np.asarray(loss),
                   [("bce_eps_clamp", np.asarray(clamp)), ("sum_reduction", np.asarray(loss * B)),
                    ("bce_on_probs", np.asarray(probs_loss))], B=B, what=what)
            got_dz = got_array(a["dz"], "dz from bce_with_logits", z.shape)
            if not np.all(np.isfinite(got_dz)):
                raise Fail(f"dz contains NaN or inf {what}.", "bce_unstable")
            need_float64({"dz": a["dtype"]})
            expect("dz from bce_with_logits", got_dz, dz,
                   [("bce_extra_sigmoid_prime", dz * p * (1 - p)), ("missing_inv_B", dz * B),
                    ("bce_on_probs", probs_dz)], B=B, what=what)
        return ""


# ---------------------------------------------------------------- Sequential

class SequentialBackward(LayerCheck):
    def inputs(self, rng):
        return stack_problem(rng)

    def ask(self, s, inp):
        layers = [build(s, k, p) for k, p in inp["layers"]]
        model = new(s, "Sequential", [o.raw for o in layers])
        out = arr(model.forward(inp["x"]))
        dx = model.backward(inp["G"])
        grads = []
        for (kind, _), o in zip(inp["layers"], layers):
            names = {"linear": ("dW", "db"), "layernorm": ("dgamma", "dbeta")}.get(kind, ())
            grads.append({n: arr(getattr(o, n)) for n in names})
        return {"out": out, "dx": arr(dx), "grads": grads}

    def judge(self, inp, ans):
        specs = [(k, p) for k, p in inp["layers"]]
        per, whole = oracle.sequence_vjp(specs, inp["x"], inp["G"])
        depth = " -> ".join(CLASSES[k] for k, _ in specs)
        expect("Sequential.forward(x)", ans["out"], whole["out"], what=f"for {depth}")
        wrong = _wrong_orders(specs, inp["x"], inp["G"])
        wrong = [(tag, m) for tag, m in wrong if _all_match(specs, m, ans["grads"])] or wrong
        for i, ((kind, _), ref, got) in enumerate(zip(specs, per, ans["grads"])):
            for name, key in {"linear": (("dW", "W"), ("db", "b")),
                              "layernorm": (("dgamma", "gamma"), ("dbeta", "beta"))}.get(kind, ()):
                expect(f"self.{name} of layer {i} ({CLASSES[kind]})", got[name], ref[key],
                       [(tag, m[i].get(name)) for tag, m in wrong], what=f"after backward through {depth}")
        expect("the dx returned by Sequential.backward", ans["dx"], whole["x"],
               [("returns_last_dx_wrong", inp["G"])] + [(tag, m[0].get("dx_first")) for tag, m in wrong],
               what=f"through {depth}")
        return ""


def _all_match(specs, model, grads) -> bool:
    """Whether every parameter gradient received is what the model gives."""
    for (kind, _), m, got in zip(specs, model, grads):
        for name in {"linear": ("dW", "db"), "layernorm": ("dgamma", "dbeta")}.get(kind, ()):
            g, want = got.get(name) if isinstance(got, dict) else None, m.get(name)
            if not (isinstance(g, np.ndarray) and want is not None and g.shape == np.shape(want)
                    and np.allclose(g, want, rtol=1e-7, atol=1e-12)):
                return False
    return True


def _wrong_orders(specs, x, G) -> list:
    """What the parameter gradients would be with backward in forward order, or without chaining."""
    out = []
    for tag in ("reverse_order_missing", "same_dout_every_layer"):
        layers = []
        for kind, p in specs:
            cls = getattr(reference, CLASSES[kind])
            o = cls(p["W"], p["b"]) if kind == "linear" else cls(len(p["gamma"]), p["eps"]) if kind == "layernorm" \
                else cls()
            if kind == "layernorm":
                o.gamma, o.beta = p["gamma"], p["beta"]
            layers.append(o)
        h = x
        for o in layers:
            h = o.forward(h)
        res = [{} for _ in layers]
        d = G
        with np.errstate(all="ignore"):
            for i, o in enumerate(layers):          # forward order, or the same dout for each
                d = o.backward(G if tag == "same_dout_every_layer" else d)
                res[i] = {n: getattr(o, a) for n, a in (("dW", "dW"), ("db", "db"), ("dgamma", "dgamma"),
                                                        ("dbeta", "dbeta")) if hasattr(o, a)}
        res[0]["dx_first"] = d
        out.append((tag, res))
    return out


class CollapseLinear(LayerCheck):
    def inputs(self, rng):
        n = int(rng.integers(2, 5))
        w = int(rng.integers(3, 7))
        return {"Ws": [rng.normal(size=(w, w)) for _ in range(n)], "bs": [rng.normal(size=w) for _ in range(n)],
                "x": rng.normal(size=(int(rng.integers(2, 6)), w))}

    def ask(self, s, inp):
        linears = [new(s, "Linear", W.copy(), b.copy()).raw for W, b in zip(inp["Ws"], inp["bs"])]
        res = s.collapse_linear(linears)
        if not isinstance(res, (tuple, list)) or len(res) != 2:
            return {"pair": what(res)}
        return {"W": arr(res[0]), "b": arr(res[1]), "dtypes": {"W": dtype(res[0]), "b": dtype(res[1])}}

    def judge(self, inp, ans):
        if "pair" in ans:
            raise Fail(f"collapse_linear should return a pair (W, b), returned {ans['pair']}.", "wrong_type")
        need_float64(ans["dtypes"], " (collapse_linear's W and b)")
        Ws, bs = inp["Ws"], inp["bs"]
        W, b = Ws[0], bs[0]
        for Wi, bi in zip(Ws[1:], bs[1:]):
            W, b = W @ Wi, b @ Wi + bi
        Wrev = Ws[-1]
        for Wi in Ws[-2::-1]:
            Wrev = Wrev @ Wi
        n = f"{len(Ws)} Linear layers"
        expect(f"the W of collapse_linear of {n}", ans["W"], W, [("collapse_order", Wrev)])
        expect(f"the b of collapse_linear of {n}", ans["b"], b,
               [("collapse_bias", bs[-1]), ("collapse_bias", sum(bs))])
        return ""


# ---------------------------------------------------------------- initialisers

FAN_IN, FAN_OUT = 400, 600


def _init_answer(s, name, seed):
    fn = getattr(s, name)
    a = fn(FAN_IN, FAN_OUT, np.random.default_rng(seed))
    b = fn(FAN_IN, FAN_OUT, np.random.default_rng(seed))
    c = fn(FAN_IN, FAN_OUT, np.random.default_rng(seed + 1))
    if not all(isinstance(v, np.ndarray) for v in (a, b, c)):
        return {"type": what(a)}
    return {"shape": list(a.shape), "dtype": dtype(a), "same": bool(a.shape == b.shape and np.array_equal(a, b)),
            "differs": bool(a.shape != c.shape or not np.array_equal(a, c)), "max": float(np.max(np.abs(a))),
            "var": float(np.var(a)), "mean": float(np.mean(a)), "size": int(a.size),
            "kurtosis": float(np.mean((a - a.mean()) ** 4) / max(np.var(a) ** 2, 1e-300))}


def _init_common(ans, fn):
    if "type" in ans:
        raise Fail(f"{fn} should return a NumPy array, returned {ans['type']}.", "wrong_type")
    if tuple(ans["shape"]) == (FAN_OUT, FAN_IN):
        raise Fail(f"{fn}({FAN_IN}, {FAN_OUT}, rng) has shape {ans['shape']}, expected [{FAN_IN}, {FAN_OUT}].",
                   "fan_swap")
    if tuple(ans["shape"]) != (FAN_IN, FAN_OUT):
        raise Fail(f"{fn}({FAN_IN}, {FAN_OUT}, rng) has shape {ans['shape']}, expected [{FAN_IN}, {FAN_OUT}].",
                   "wrong_shape")
    need_float64({f"{fn}(...)": ans["dtype"]})
    if not ans["same"]:
        raise Fail(f"two calls of {fn} with generators in the same state gave different weights.", "unseeded")
    if not ans["differs"]:
        raise Fail(f"{fn} gave the same weights for generators seeded differently: draw from the rng argument.",
                   "unseeded")


class XavierUniform(LayerCheck):
    def inputs(self, rng):
        return {"seed": int(rng.integers(0, 2 ** 31))}

    def ask(self, s, inp):
        return _init_answer(s, "xavier_uniform", inp["seed"])

    def judge(self, inp, ans):
        _init_common(ans, "xavier_uniform")
        a = np.sqrt(6 / (FAN_IN + FAN_OUT))
        var, mx = ans["var"], ans["max"]
        said = f"(max |W| {mx:.4g}, variance {var:.4g}; expected max |W| <= a = {a:.4g} and variance a^2/3 = {a * a / 3:.4g})"
        if abs(var / (a * a / 3) - 1) > 0.05:
            for tag, v in (("xavier_no_sqrt", (a * a) ** 2 / 3), ("xavier_fan_in_only", 6 / FAN_IN / 3)):
                if abs(var / v - 1) < 0.05:
                    raise Fail(f"xavier_uniform({FAN_IN}, {FAN_OUT}, rng) {said}.", tag)
            if mx > a:
                raise Fail(f"xavier_uniform({FAN_IN}, {FAN_OUT}, rng) has values beyond the bound {said}.",
                           "xavier_normal")
            raise Fail(f"xavier_uniform({FAN_IN}, {FAN_OUT}, rng) {said}.", "wrong_value")
        if mx > a * (1 + 1e-12):
            raise Fail(f"xavier_uniform({FAN_IN}, {FAN_OUT}, rng) has values beyond the bound {said}.",
                       "xavier_normal")
        if mx < 0.95 * a:
            raise Fail(f"xavier_uniform({FAN_IN}, {FAN_OUT}, rng) never comes near the bound {said}.",
                       "xavier_normal")
        return ""


class HeNormal(LayerCheck):
    def inputs(self, rng):
        return {"seed": int(rng.integers(0, 2 ** 31))}

    def ask(self, s, inp):
        return _init_answer(s, "he_normal", inp["seed"])

    def judge(self, inp, ans):
        _init_common(ans, "he_normal")
        want = 2 / FAN_IN
        var = ans["var"]
        said = f"he_normal({FAN_IN}, {FAN_OUT}, rng) has variance {var:.4g}; expected 2 / fan_in = {want:.4g}"
        if abs(var / want - 1) > 0.05:
            for tag, v in (("he_fan_out", 2 / FAN_OUT), ("he_std_not_sqrt", want ** 2), ("lecun", 1 / FAN_IN)):
                if abs(var / v - 1) < 0.05:
                    raise Fail(f"{said}, yours is about {tag_text(tag)}.", tag)
            raise Fail(f"{said}.", "wrong_value")
        if abs(ans["mean"]) > 5 * np.sqrt(want / ans["size"]):
            raise Fail(f"he_normal's weights have mean {ans['mean']:.3g}; expected 0.", "wrong_value")
        if ans["kurtosis"] < 2.5:
            raise Fail(f"he_normal's weights have kurtosis {ans['kurtosis']:.3g}: a normal distribution has 3, a "
                       "uniform one 1.8.", "uniform_not_normal")
        return ""


def tag_text(tag):
    return {"he_fan_out": "2 / fan_out", "he_std_not_sqrt": "(2 / fan_in)^2", "lecun": "1 / fan_in"}[tag]


# ---------------------------------------------------------------- XOR

XOR_X, XOR_Y = oracle.XOR_X, oracle.XOR_Y
RUNS = ({},)                                        # the defaults; SHORT exercises every argument
SHORT = {"hidden": 3, "lr": 0.5, "steps": 7}


def _xor_run(s, kwargs) -> dict:
    res = s.train_xor(**kwargs)
    if not isinstance(res, (tuple, list)) or len(res) != 2:
        return {"pair": what(res)}
    model, losses = Obj(res[0], "the model returned by train_xor"), res[1]
    logits = model.forward(XOR_X.copy())
    layers = getattr(model.raw, "layers", [])
    shapes = [list(np.shape(lay.W)) for lay in layers if hasattr(lay, "W")] if isinstance(layers, list) else []
    ok = isinstance(losses, (list, tuple)) and all(isinstance(v, float) for v in losses)
    return {"logits": arr(logits), "losses": np.array(losses, dtype=np.float64) if ok else what(losses),
            "shapes": shapes}


class TrainXor(LayerCheck):
    STEPS = 3000                # the notebook's default steps, if train_xor's own default cannot be read

    def inputs(self, rng):
        return {"seed": int(rng.integers(0, 10_000))}

    def ask(self, s, inp):
        steps = budget.default(s._ns.get("train_xor"), "steps", self.STEPS)
        slow = budget.size_up(lambda k: s.train_xor(seed=inp["seed"], steps=k), steps)
        if slow:
            return {"too_slow": slow}
        return {"runs": [_xor_run(s, kw | {"seed": inp["seed"]}) for kw in RUNS],
                "short": _xor_run(s, SHORT | {"seed": inp["seed"]})}

    def judge(self, inp, ans):
        if ans.get("too_slow") is not None:
            raise Fail(budget.message(ans["too_slow"], f"`train_xor(seed={inp['seed']})`", "step", "steps"),
                       "too_slow")
        for kw, run in zip(RUNS, ans["runs"]):
            call = "train_xor(" + ", ".join(f"{k}={v}" for k, v in (kw | {"seed": inp["seed"]}).items()) + ")"
            losses, logits = _run_parts(run, call, kw.get("steps", 3000))
            acc = float(np.mean((logits.ravel() > 0) == (XOR_Y.ravel() > 0.5)))
            trend = f"the loss went from {losses[0]:.4g} to {losses[-1]:.4g} over {len(losses)} steps"
            if acc < 1 or not losses[-1] < 0.05:
                if abs(losses[-1] - LN2) < 0.01:
                    raise Fail(f"{call}: {acc:.0%} of the 4 points right; {trend} (ln 2 = {LN2:.4f}).",
                               "stalled_plateau")
                raise Fail(f"{call}: {acc:.0%} of the 4 points right and final loss {losses[-1]:.4g} (expected "
                           f"100% and below 0.05); {trend}.", "no_learning")
            half = len(losses) // 2
            if not np.mean(losses[half:]) < np.mean(losses[:half]):
                raise Fail(f"{call}: the loss does not decrease on average; {trend}.", "no_learning")
        call = "train_xor(" + ", ".join(f"{k}={v}" for k, v in (SHORT | {"seed": inp["seed"]}).items()) + ")"
        losses, _ = _run_parts(ans["short"], call, SHORT["steps"])
        if ans["short"]["shapes"][:1] not in ([[2, SHORT["hidden"]]], []):
            raise Fail(f"{call}: the first Linear's W has shape {ans['short']['shapes'][0]}, expected "
                       f"[2, {SHORT['hidden']}].", "wrong_shape")
        want = reference_xor(**SHORT, seed=inp["seed"])
        expect(f"the losses of {call}", np.asarray(losses), np.asarray(want), tol=1e-6,
               what="(same seed, same init order W1 then W2, zero biases, full-batch steps: the same run)")
        return f"(final loss {ans['runs'][0]['losses'][-1]:.2g} at the defaults)"


def _run_parts(run, call, steps):
    if "pair" in run:
        raise Fail(f"{call} should return a pair (model, losses), returned {run['pair']}.", "wrong_type")
    losses = run["losses"]
    if not isinstance(losses, np.ndarray):
        raise Fail(f"{call} should return the losses as a list of Python floats, returned {losses}.", "wrong_type")
    if len(losses) != steps:
        raise Fail(f"{call} returned {len(losses)} losses; expected one per step, {steps}.", "wrong_shape")
    logits = got_array(run["logits"], f"model.forward(X) of the model from {call}")
    if logits.size != 4:
        raise Fail(f"model.forward(X) of the model from {call} has shape {list(logits.shape)}; expected [4, 1].",
                   "wrong_shape")
    return losses, logits


def reference_xor(hidden, lr, steps, seed) -> list[float]:
    rng = np.random.default_rng(seed)
    W1, W2 = reference.xavier_uniform(2, hidden, rng), reference.xavier_uniform(hidden, 1, rng)
    model = reference.Sequential([reference.Linear(W1, np.zeros(hidden)), reference.Sigmoid(),
                                  reference.Linear(W2, np.zeros(1))])
    losses = []
    for _ in range(steps):
        loss, dz = reference.bce_with_logits(model.forward(XOR_X), XOR_Y)
        model.backward(dz)
        for lay in model.layers[::2]:
            lay.W, lay.b = lay.W - lr * lay.dW, lay.b - lr * lay.db
        losses.append(loss)
    return losses


class TorchXorGrads(LayerCheck):
    def inputs(self, rng):
        H = int(rng.integers(3, 7))
        return {"W1": rng.normal(size=(2, H)), "b1": rng.normal(size=H), "W2": rng.normal(size=(H, 1)),
                "b2": rng.normal(size=1)}

    def ask(self, s, inp):
        grads = s.torch_xor_grads(*(inp[k].copy() for k in ("W1", "b1", "W2", "b2")))
        mine = None
        try:                # the seed's "these should match": the student's own NumPy layers on the same weights
            model = new(s, "Sequential", [new(s, "Linear", inp["W1"].copy(), inp["b1"].copy()).raw,
                                          new(s, "Sigmoid").raw, new(s, "Linear", inp["W2"].copy(), inp["b2"].copy()).raw])
            _, dz = s.bce_with_logits(model.forward(XOR_X.copy()), XOR_Y.copy())
            model.backward(dz)
            ls = model.raw.layers
            mine = {"W1": arr(ls[0].dW), "b1": arr(ls[0].db), "W2": arr(ls[2].dW), "b2": arr(ls[2].db)}
        except Exception:
            pass
        dtypes = {}
        if isinstance(grads, dict):
            dtypes = {f"torch_xor_grads()[{k!r}]": dtype(v) for k, v in grads.items()}
            grads = {k: arr(v) if isinstance(v, np.ndarray) else _tensor(v) for k, v in grads.items()}
        return {"grads": grads, "mine": mine, "dtypes": dtypes}

    def judge(self, inp, ans):
        grads = ans["grads"]
        if not isinstance(grads, dict) or "__type__" in grads:
            raise Fail(f"torch_xor_grads should return a dict of NumPy arrays, returned {described(grads)}.",
                       "wrong_type")
        need_float64(ans["dtypes"], " (build the model in float64: .double())")
        ref = oracle.xor_grads(inp["W1"], inp["b1"], inp["W2"], inp["b2"])
        other = oracle.xor_grads(inp["W1"], inp["b1"], inp["W2"], inp["b2"], probs_into_bce_with_logits=True)
        for k in ("W1", "b1", "W2", "b2"):
            if k not in grads:
                raise Fail(f"torch_xor_grads returned no \"{k}\" (keys: {sorted(grads)}).", "wrong_type")
            g = grads[k]
            if isinstance(g, str):
                raise Fail(f"torch_xor_grads()[\"{k}\"] is {g}; return NumPy arrays (.detach().numpy()).", "wrong_type")
            if isinstance(g, np.ndarray) and g.ndim == 2 and g.shape == ref[k].shape[::-1] and g.shape != ref[k].shape:
                raise Fail(f"torch_xor_grads()[\"{k}\"] has shape {list(g.shape)}, expected {list(ref[k].shape)}.",
                           "not_transposed")
            expect(f"torch_xor_grads()[\"{k}\"]", g, ref[k], [("bce_on_logits_vs_probs", other[k])])
        mine = ans.get("mine")
        if isinstance(mine, dict) and all(isinstance(mine.get(k), np.ndarray) and mine[k].shape == ref[k].shape
                                          for k in ref):
            diff = max(float(np.max(np.abs(mine[k] - ref[k]))) for k in ref)
            return f"(your NumPy Sequential + bce_with_logits on the same weights differs by at most {diff:.1e})"
        return ""


def _tensor(v):
    return f"a {type(v).__module__}.{type(v).__name__}"


CHECKS = [
    SequentialBackward("sequential_backward", PART, "Sequential.backward", 5, uses=("Sequential.backward",),
                       builds_on=LAYERS),
    Bce("bce", PART, "bce_with_logits", 4, uses=("bce_with_logits",)),
    XavierUniform("xavier_uniform", PART, "xavier_uniform", 2, uses=("xavier_uniform",)),
    HeNormal("he_normal", PART, "he_normal", 2, uses=("he_normal",)),
    CollapseLinear("collapse_linear", PART, "collapse_linear", 2, uses=("collapse_linear",), builds_on=("Linear",)),
    TrainXor("train_xor", PART, "train_xor", 4, uses=("train_xor",),
             builds_on=("Linear", "Sigmoid", "Sequential", "bce_with_logits", "xavier_uniform")),
    TorchXorGrads("torch_xor_grads", PART, "torch_xor_grads", 3, numpy_only=False, uses=("torch_xor_grads",),
                  builds_on=("Linear", "Sigmoid", "Sequential", "bce_with_logits")),
]
