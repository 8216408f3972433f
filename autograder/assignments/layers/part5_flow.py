"""Part 5: deep networks, per-layer gradient statistics, vanishing gradients as a measured property, and
seed 003's gradient-flow table in torch."""
from __future__ import annotations

import numpy as np

from . import oracle, reference
from .base import LayerCheck, expect
from .blocks import Fail, StudentError, described
from ...core.objects import Obj, arr, new, scalar, what
from .part4_sequential import LAYERS, build

PART = "Part 5"
SEEDS = 20                      # vanishing_property: the median over this many networks
SIGMOID_BELOW = 1e-2            # median ratio mean|dW1| / mean|dW6|, sigmoid with torch's default init
RELU_ABOVE = 0.3                # the same, ReLU with He init
PROBE = np.array([[-1.0, 0.5, 2.0]])


def act_kind(layer) -> str:
    """Which activation a layer object is, by what it does (duck typing, never isinstance)."""
    try:
        out = np.asarray(Obj(layer).forward(PROBE.copy()), dtype=float)
    except Exception:
        return "?"
    if out.shape == PROBE.shape and np.allclose(out, 1 / (1 + np.exp(-PROBE))):
        return "sigmoid"
    if out.shape == PROBE.shape and np.allclose(out, np.maximum(PROBE, 0)):
        return "relu"
    return "other"


def describe_net(model) -> dict:
    """The layers of a Sequential as plain data: each Linear's W and b, each activation's kind and identity."""
    layers = getattr(model, "layers", None)
    if not isinstance(layers, (list, tuple)):
        return {"layers": what(layers)}
    out, ids = [], []
    for lay in layers:
        if hasattr(lay, "W"):
            out.append({"kind": "linear", "W": arr(lay.W), "b": arr(getattr(lay, "b", None))})
        else:
            ids.append(id(lay))
            out.append({"kind": act_kind(lay)})
    return {"layers": out, "shared_acts": len(set(ids)) != len(ids)}


def _linears(net):
    return [lay for lay in net["layers"] if lay["kind"] == "linear"]


# ---------------------------------------------------------------- make_deep_net

CONFIGS = (("sigmoid", "xavier"), ("relu", "he"), ("sigmoid", "torch_default"))


class MakeDeepNet(LayerCheck):
    def inputs(self, rng):
        return {"seed": int(rng.integers(0, 2 ** 31)), "depth": int(rng.integers(2, 5)),
                "width": int(rng.integers(48, 72)), "d_in": int(rng.integers(24, 40))}

    def ask(self, s, inp):
        nets = []
        for i, (act, init) in enumerate(CONFIGS):
            model = s.make_deep_net(act, init, np.random.default_rng(inp["seed"] + i), depth=inp["depth"],
                                    width=inp["width"], d_in=inp["d_in"])
            nets.append(describe_net(model))
        return {"nets": nets}

    def judge(self, inp, ans):
        depth, width, d_in = inp["depth"], inp["width"], inp["d_in"]
        call = f"depth={depth}, width={width}, d_in={d_in}"
        for (act, init), net in zip(CONFIGS, ans["nets"]):
            where = f"make_deep_net(\"{act}\", \"{init}\", rng, {call})"
            if not isinstance(net.get("layers"), list):
                raise Fail(f"{where} should return a Sequential with a list .layers, found {net.get('layers')}.",
                           "wrong_type")
            kinds = [lay["kind"] for lay in net["layers"]]
            lin = _linears(net)
            shapes = [list(np.shape(lay["W"])) for lay in lin]
            want = [[d_in, width]] + [[width, width]] * (depth - 1) + [[width, 1]]
            if shapes == want[:-1] or (len(shapes) == depth and shapes[-1:] != [[width, 1]]):
                raise Fail(f"{where}: the Linears have shapes {shapes}; expected {want}.", "missing_output_layer")
            if shapes != want:
                raise Fail(f"{where}: the Linears have shapes {shapes}; expected {want}.", "wrong_shape")
            expected = ["linear", act] * depth + ["linear"]
            if kinds != expected:
                tag = "act_swapped" if len(kinds) == len(expected) and "linear" in kinds else "missing_output_layer"
                raise Fail(f"{where}: the layers are {kinds}; expected {expected}.", tag)
            if net["shared_acts"]:
                raise Fail(f"{where}: the same activation object appears twice; layers keep caches, so each needs "
                           "its own.", "shared_cache")
            for i, lay in enumerate(lin):
                _init_stats(where, i, lay["W"], lay["b"], init, hidden=i < depth)
        return ""


def _init_stats(where, i, W, b, init, hidden):
    fan_in, fan_out = W.shape
    W, b = np.asarray(W, float), np.asarray(b, float)
    if init == "xavier":
        bound, var = np.sqrt(6 / (fan_in + fan_out)), 2 / (fan_in + fan_out)
    elif init == "he":
        bound, var = np.inf, 2 / fan_in
    else:
        bound, var = 1 / np.sqrt(fan_in), 1 / (3 * fan_in)
    what = f"{where}: Linear {i}"
    if np.max(np.abs(W)) > bound * (1 + 1e-12):
        raise Fail(f"{what} has weights up to {np.max(np.abs(W)):.3g}, beyond the {init} bound {bound:.3g}.",
                   "init_ignored")
    if hidden and abs(np.var(W) / var - 1) > 0.2:
        raise Fail(f"{what} has weight variance {np.var(W):.3g}; {init} gives {var:.3g}.", "init_ignored")
    if init == "torch_default":
        if np.max(np.abs(b)) > bound * (1 + 1e-12) or (hidden and np.all(b == 0)):
            raise Fail(f"{what}: torch_default draws b from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) too "
                       f"(received b up to {np.max(np.abs(b)):.3g}).", "init_ignored")
    elif np.any(b != 0):
        raise Fail(f"{what}: with {init} the biases are zero.", "init_ignored")


# ---------------------------------------------------------------- layer_grad_stats

class LayerGradStats(LayerCheck):
    def inputs(self, rng):
        depth, width, B = int(rng.integers(2, 5)), int(rng.integers(4, 9)), int(rng.integers(5, 12))
        d_in = int(rng.integers(3, 8))
        act = str(rng.choice(["sigmoid", "relu"]))
        dims = [d_in] + [width] * depth + [1]
        Ws = [rng.normal(size=(a, b)) * rng.uniform(0.5, 1.5) / np.sqrt(a) for a, b in zip(dims[:-1], dims[1:])]
        bs = [rng.normal(size=b) * 0.1 for b in dims[1:]]
        return {"act": act, "Ws": Ws, "bs": bs, "X": rng.normal(size=(B, d_in)),
                "y": rng.integers(0, 2, (B, 1)).astype(float)}

    def ask(self, s, inp):
        layers = []
        for i, (W, b) in enumerate(zip(inp["Ws"], inp["bs"])):
            layers.append(build(s, "linear", {"W": W, "b": b}).raw)
            if i < len(inp["Ws"]) - 1:
                layers.append(build(s, inp["act"], {}).raw)
        model = new(s, "Sequential", layers).raw
        stats = s.layer_grad_stats(model, inp["X"].copy(), inp["y"].copy())
        if isinstance(stats, (list, tuple)):
            stats = [{k: scalar(v) for k, v in d.items()} if isinstance(d, dict) else d for d in stats]
        return {"stats": stats}

    def judge(self, inp, ans):
        stats, Ws = ans["stats"], inp["Ws"]
        ref = oracle.deep_net_stats(Ws, inp["bs"], inp["act"], inp["X"], inp["y"], grads=True)
        if not isinstance(stats, list) or len(stats) != len(Ws):
            raise Fail(f"layer_grad_stats should return a list with one dict per Linear ({len(Ws)}), returned "
                       f"{described(stats)}.", "wrong_type")
        for key, f in (("mean_abs", np.mean), ("max_abs", np.max)):
            got = []
            for i, d in enumerate(stats):
                if not isinstance(d, dict) or key not in d:
                    raise Fail(f"entry {i} of layer_grad_stats is {described(d)}; expected a dict with \"mean_abs\" "
                               "and \"max_abs\".", "wrong_type")
                got.append(d[key])
            got = np.array([v if isinstance(v, float) else np.nan for v in got])
            want = np.array([r[key] for r in ref])
            grads = [r["grad"] for r in ref]
            models = [("order_reversed", want[::-1]), ("signed_mean", np.array([np.mean(g) for g in grads])),
                      ("norm_not_mean", np.array([np.linalg.norm(g) for g in grads])),
                      ("param_not_grad", np.array([f(np.abs(W)) for W in Ws]))]
            if key == "max_abs":
                models.insert(1, ("signed_mean", np.array([np.max(g) for g in grads])))
            expect(f"the \"{key}\" entries of layer_grad_stats, input side first", got, want, models)
        return ""


# ---------------------------------------------------------------- vanishing gradients, measured

def ratios(nets: list, X: list, y: list) -> list[float]:
    """mean|dW1| / mean|dW6| (first and last hidden Linear) of each network, computed in the grader with the
    reference layers (NumPy; the same numbers as torch's to ~1e-15, measured in the tests, and 20x faster)."""
    out = []
    for net, Xi, yi in zip(nets, X, y):
        lin = _linears(net)
        acts = [lay["kind"] for lay in net["layers"] if lay["kind"] != "linear"]
        act = acts[0] if acts and all(a == acts[0] for a in acts) else "?"
        if act not in ("sigmoid", "relu") or len(lin) < 3:
            out.append(float("nan"))
            continue
        st = reference_stats([lay["W"] for lay in lin], [lay["b"] for lay in lin], act, Xi, yi)
        out.append(st[0] / max(st[-2], 1e-300))
    return out


def reference_stats(Ws, bs, act, X, y) -> list[float]:
    """mean |dW| per Linear, input side first, with the reference layers and loss."""
    layers = []
    for i, (W, b) in enumerate(zip(Ws, bs)):
        layers.append(reference.Linear(np.asarray(W, float), np.asarray(b, float)))
        if i < len(Ws) - 1:
            layers.append(reference.Sigmoid() if act == "sigmoid" else reference.ReLU())
    model = reference.Sequential(layers)
    model.backward(reference.bce_with_logits(model.forward(X), y)[1])
    return [float(np.mean(np.abs(lay.dW))) for lay in layers[::2]]


class VanishingProperty(LayerCheck):
    CASES = (("sigmoid", "torch_default"), ("relu", "he"))

    def inputs(self, rng):
        return {"seed": int(rng.integers(0, 2 ** 31)),
                "X": [rng.normal(size=(16, 32)) for _ in range(SEEDS)],
                "y": [rng.integers(0, 2, (16, 1)).astype(float) for _ in range(SEEDS)]}

    def ask(self, s, inp):
        out = {}
        for c, (act, init) in enumerate(self.CASES):
            out[act] = [describe_net(s.make_deep_net(act, init, np.random.default_rng([inp["seed"], c, i])))
                        for i in range(SEEDS)]
        return out

    def judge(self, inp, ans):
        notes = []
        for act, init in self.CASES:
            nets = ans[act]
            if not all(isinstance(n.get("layers"), list) for n in nets):
                raise Fail(f"make_deep_net(\"{act}\", \"{init}\", rng) did not return a Sequential with a list "
                           ".layers.", "wrong_type")
            kinds = {lay["kind"] for n in nets for lay in n["layers"] if lay["kind"] != "linear"}
            r = float(np.nanmedian(ratios(nets, inp["X"], inp["y"]))) if kinds <= {"sigmoid", "relu"} else np.nan
            where = (f"with make_deep_net(\"{act}\", \"{init}\", rng), the median over {SEEDS} networks of "
                     f"mean|dW1| / mean|dW6|")
            if kinds != {act}:
                raise Fail(f"{where} could not be measured as asked: the activations are {sorted(kinds)}.",
                           "act_swapped")
            if act == "sigmoid" and not r < SIGMOID_BELOW:
                raise Fail(f"{where} is {r:.3g}; six sigmoid layers with torch's default init give below "
                           f"{SIGMOID_BELOW:g} (about 1e-4).", "init_scale_wrong")
            if act == "relu" and not r > RELU_ABOVE:
                raise Fail(f"{where} is {r:.3g}; ReLU with He init keeps it above {RELU_ABOVE:g} (about 1.7).",
                           "init_scale_wrong")
            notes.append(f"{act}/{init}: {r:.2g}")
        return f"(median ratios {', '.join(notes)})"


# ---------------------------------------------------------------- seed 003's table, in torch

def flow_model(inp, planted: bool = True):
    """The grader's torch model after one backward: one parameter unused (grad None), one gradient with a NaN
    (or, not planted, neither)."""
    import torch
    d, w = inp["W1"].shape
    net = torch.nn.Sequential(torch.nn.Linear(d, w), torch.nn.Sigmoid(), torch.nn.Linear(w, 1)).double()
    model = torch.nn.ModuleDict({"net": net})
    pairs = [(net[0], inp["W1"], inp["b1"]), (net[2], inp["W2"], inp["b2"])]
    if planted:
        model["unused"] = torch.nn.Linear(w, 2).double()
        pairs.append((model["unused"], inp["W3"], inp["b3"]))
    with torch.no_grad():
        for lin, W, b in pairs:
            lin.weight.copy_(torch.tensor(W.T))
            lin.bias.copy_(torch.tensor(b))
    X = torch.tensor(inp["X"])
    loss = torch.nn.functional.binary_cross_entropy_with_logits(net(X), torch.tensor(inp["y"]))
    loss.backward()
    if planted:
        net[0].bias.grad[inp["nan_at"]] = float("nan")
    return model


class GradientFlowTable(LayerCheck):
    def inputs(self, rng):
        d, w, B = (int(v) for v in rng.choice(np.arange(3, 9), 3, replace=False))
        return {"W1": rng.normal(size=(d, w)), "b1": rng.normal(size=w), "W2": rng.normal(size=(w, 1)),
                "b2": rng.normal(size=1), "W3": rng.normal(size=(w, 2)), "b3": rng.normal(size=2),
                "X": rng.normal(size=(B, d)), "y": rng.integers(0, 2, (B, 1)).astype(float),
                "nan_at": int(rng.integers(0, w))}

    def ask(self, s, inp):
        try:
            rows = s.gradient_flow_table(flow_model(inp))
        except StudentError as e:
            if e.kind != "exception":
                raise
            s.gradient_flow_table(flow_model(inp, planted=False))     # raises again if it is not about None
            return {"crash": e.text}
        if isinstance(rows, (list, tuple)):
            rows = [{k: _plain(v) for k, v in r.items()} if isinstance(r, dict) else r for r in rows]
        return {"rows": rows}

    def judge(self, inp, ans):
        if "crash" in ans:
            raise Fail(f"with one parameter unused (its grad is None), {ans['crash']}", "none_grad_crash")
        model = flow_model(inp)
        rows = ans["rows"]
        names = [n for n, _ in model.named_parameters()]
        if not isinstance(rows, list) or len(rows) != len(names):
            raise Fail(f"gradient_flow_table should return a list with one dict per parameter ({len(names)}: "
                       f"{names}), returned {described(rows)}.", "wrong_type")
        for row, (name, p) in zip(rows, model.named_parameters()):
            if not isinstance(row, dict) or not {"name", "mean_abs", "max_abs", "has_nan"} <= set(row):
                raise Fail(f"the row for {name} is {described(row)}; expected a dict with \"name\", \"mean_abs\", "
                           "\"max_abs\", \"has_nan\".", "wrong_type")
            if row["name"] != name:
                raise Fail(f"a row is named {row['name']!r} where model.named_parameters() gives {name!r}.",
                           "wrong_value")
            _flow_row(row, name, p)
        return ""


def _plain(v):
    """Python floats, bools, None and strings pass; anything else is described, so its type can be judged."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, float):
        return float(v)
    return {"type": f"{type(v).__module__}.{type(v).__name__}"}


def _what(v) -> str:
    return f"a {v['type']}" if isinstance(v, dict) and set(v) == {"type"} else described(v)


def _flow_row(row, name, p):
    import torch
    if p.grad is None:
        if row["mean_abs"] is not None or row["max_abs"] is not None:
            raise Fail(f"{name} has no gradient (grad None: it took no part in the loss); its row should say None "
                       f"for the means, not {row['mean_abs']!r}.", "param_not_grad")
        if row["has_nan"] is not False:
            raise Fail(f"{name} has no gradient; its has_nan should be False, not {row['has_nan']!r}.", "has_nan_wrong")
        return
    g = p.grad.detach()
    nan = bool(torch.isnan(g).any())
    if not isinstance(row["has_nan"], bool):
        raise Fail(f"the row for {name} has has_nan = {_what(row['has_nan'])}; expected a Python bool "
                   "(.item()).", "wrong_type")
    if row["has_nan"] != nan:
        raise Fail(f"the row for {name} says has_nan = {row['has_nan']!r}; expected {nan}.", "has_nan_wrong")
    for key, v in (("mean_abs", g.abs().mean()), ("max_abs", g.abs().max())):
        got = row[key]
        if not isinstance(got, float):
            raise Fail(f"the row for {name} has {key} = {_what(got)}; expected a Python float (.item()).",
                       "wrong_type")
        want = float(v)
        if nan:
            continue        # NaN in the gradient: the means are whatever torch gives
        if abs(got - want) <= 1e-9 * max(abs(want), 1e-12):
            continue
        signed = float(g.mean()) if key == "mean_abs" else float(g.max())
        weights = float(p.detach().abs().mean() if key == "mean_abs" else p.detach().abs().max())
        tag = ("signed_mean" if abs(got - signed) <= 1e-9 * max(abs(signed), 1e-12) else
               "param_not_grad" if abs(got - weights) <= 1e-9 * weights else "wrong_value")
        raise Fail(f"the row for {name} has {key} = {got:.6g}; expected {want:.6g}.", tag)


CHECKS = [
    MakeDeepNet("make_deep_net", PART, "make_deep_net", 2, uses=("make_deep_net",),
                builds_on=LAYERS + ("Sequential", "xavier_uniform", "he_normal")),
    LayerGradStats("layer_grad_stats", PART, "layer_grad_stats", 4, uses=("layer_grad_stats",),
                   builds_on=LAYERS + ("Sequential", "bce_with_logits")),
    VanishingProperty("vanishing_property", PART, "vanishing gradients, measured", 3, uses=("make_deep_net",),
                      builds_on=LAYERS + ("Sequential", "xavier_uniform", "he_normal")),
    GradientFlowTable("gradient_flow_table", PART, "gradient_flow_table", 3, numpy_only=False,
                      uses=("gradient_flow_table",)),
]
