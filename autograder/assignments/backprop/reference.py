"""Correct NumPy versions of Part 1's primitives. A check of a later function swaps in one of these for a
student primitive that fails its own check, so that one mistake costs points once."""
import numpy as np


def relu(Z):
    return np.maximum(Z, 0.0)


def softmax(Z):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def cross_entropy(logits, y):
    shifted = logits - logits.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y)), y].mean())


_Z = np.array([[0.5, -1.25, 2.0], [-0.75, 0.25, -2.5], [1.5, 0.125, -0.5], [-1.0, 3.0, 0.75]])
_Y = np.array([2, 1, 0, 1])
PRIMITIVES = {"relu": lambda f: f(_Z.copy()), "softmax": lambda f: f(_Z.copy()),
              "cross_entropy": lambda f: f(_Z.copy(), _Y.copy())}


def broken_primitives(ns: dict) -> dict:
    """The reference for each student primitive that is missing or does not give the right answer."""
    out = {}
    for name, use in PRIMITIVES.items():
        mine = ns.get(name)
        try:
            ok = callable(mine) and np.allclose(np.asarray(use(mine), dtype=float), use(globals()[name]),
                                                rtol=1e-7, atol=1e-12)
        except Exception:
            ok = False
        if not ok:
            out[name] = globals()[name]
    return out


def fixes(ns: dict, check) -> dict:
    """What grading `check` swaps into the student's namespace: the Part 1 primitives that fail their own
    check, unless `check` grades one of them."""
    return {} if check.name in PRIMITIVES else broken_primitives(ns)
