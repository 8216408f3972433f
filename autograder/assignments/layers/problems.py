"""Random problems for the checks: float64, distinct sizes, values away from the ReLU kink."""
from __future__ import annotations

import numpy as np

MARGIN = 1e-3


def sizes(rng: np.random.Generator, n: int = 3) -> list[int]:
    """n distinct sizes in 2..9."""
    return [int(v) for v in rng.choice(np.arange(2, 10), size=n, replace=False)]


def away_from_zero(rng: np.random.Generator, shape, scale: float = 1.0) -> np.ndarray:
    z = rng.normal(size=shape) * scale
    return np.where(np.abs(z) < MARGIN, np.sign(z + 0.5) * 0.5 * scale, z)


def layer_problem(rng: np.random.Generator) -> dict:
    """x [B, n_in], W [n_in, n_out], b [n_out] (non-zero), a random upstream G [B, n_out]; B, n_in, n_out distinct."""
    B, n_in, n_out = sizes(rng)
    return {"x": rng.normal(size=(B, n_in)), "W": rng.normal(size=(n_in, n_out)) / np.sqrt(n_in),
            "b": rng.uniform(0.1, 0.5, n_out) * rng.choice([-1, 1], n_out), "G": rng.normal(size=(B, n_out))}


def ln_problem(rng: np.random.Generator, eps: float) -> dict:
    """x [N, D] with row offsets about 3 and scales 2-5, random gamma (never ones), beta and upstream G; N != D."""
    N, D = sizes(rng, 2)
    x = 3.0 * rng.choice([-1, 1], size=(N, 1)) + rng.uniform(2, 5, size=(N, 1)) * rng.normal(size=(N, D))
    return {"x": x, "gamma": rng.uniform(0.5, 2.0, D) * rng.choice([-1, 1], D), "beta": rng.normal(size=D),
            "G": rng.normal(size=(N, D)), "eps": eps}


def stack_problem(rng: np.random.Generator) -> dict:
    """A random depth 2-6 stack of equal-width layers (so a wrong order does not crash), at least two Linears."""
    width, B = sizes(rng, 2)
    width, depth = width + 2, int(rng.integers(2, 7))
    kinds = ["linear"] + [str(rng.choice(["linear", "relu", "sigmoid", "layernorm"])) for _ in range(depth - 1)]
    if kinds.count("linear") < 2:
        kinds[-1] = "linear"
    layers = []
    for k in kinds:
        p = {}
        if k == "linear":
            p = {"W": rng.normal(size=(width, width)) / np.sqrt(width), "b": rng.normal(size=width) * 0.3}
        elif k == "layernorm":
            p = {"gamma": rng.uniform(0.5, 2.0, width) * rng.choice([-1, 1], width), "beta": rng.normal(size=width),
                 "eps": 1e-5}
        layers.append([k, p])
    return {"layers": layers, "x": away_from_zero(rng, (B, width)), "G": rng.normal(size=(B, width))}
