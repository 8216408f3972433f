"""Random problems for the checks: float64, distinct D, H, C and B >= 2, non-zero biases, no Z1 near 0."""
from __future__ import annotations

import numpy as np

KEYS = ("W1", "b1", "W2", "b2")
GRAD_KEYS = ("W1", "b1", "W2", "b2", "X")
Z1_MARGIN = 1e-3
LARGE = 3000.0          # "large logits": a plain np.exp overflows beyond about 709
FIXED_DIMS: list = []


def dims(rng: np.random.Generator, B: int | None = None) -> tuple[int, int, int, int]:
    if FIXED_DIMS:                    # set by the property tests, which choose B, D, H and C themselves
        b, D, H, C = FIXED_DIMS[0]
        return (int(B) if B is not None else b), D, H, C
    while True:
        D, H, C = (int(v) for v in rng.choice(np.arange(2, 10), size=3, replace=False))
        b = int(B if B is not None else rng.integers(3, 9))
        if b not in (D, H, C):
            return b, D, H, C


def problem(rng: np.random.Generator, B: int | None = None) -> dict:
    """X [B, D], y [B], params {W1 [D, H], b1 [H], W2 [H, C], b2 [C]}, with every |Z1| > Z1_MARGIN."""
    B, D, H, C = dims(rng, B)
    while True:
        X = rng.normal(size=(B, D))
        params = {"W1": rng.normal(size=(D, H)) / np.sqrt(D), "b1": rng.uniform(0.1, 0.5, H) * rng.choice([-1, 1], H),
                  "W2": rng.normal(size=(H, C)) / np.sqrt(H), "b2": rng.uniform(0.1, 0.5, C) * rng.choice([-1, 1], C)}
        Z1 = X @ params["W1"] + params["b1"]
        if np.abs(Z1).min() > Z1_MARGIN and (Z1 > 0).any():
            return {"X": X, "y": rng.integers(0, C, B), "params": params}


def large_logits(p: dict) -> dict:
    """The same problem with W2 and b2 scaled so that the largest |logit| is LARGE."""
    Z2 = np.maximum(p["X"] @ p["params"]["W1"] + p["params"]["b1"], 0) @ p["params"]["W2"] + p["params"]["b2"]
    k = LARGE / np.abs(Z2).max()
    return p | {"params": p["params"] | {"W2": p["params"]["W2"] * k, "b2": p["params"]["b2"] * k}}


def make_xor(n, noise=0.2, seed=0):
    """n points around the four corners (+-1, +-1); label 1 where the signs of the two coordinates differ."""
    rng = np.random.default_rng(seed)
    corners = rng.choice([-1.0, 1.0], size=(n, 2))
    X = corners + noise * rng.normal(size=(n, 2))
    y = (corners[:, 0] != corners[:, 1]).astype(np.int64)
    return X, y
