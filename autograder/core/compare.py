"""Judging helpers: turn received data into arrays and say how they differ from the reference."""
from __future__ import annotations

import numpy as np

from .check import Fail

TOL = 1e-6          # relative to the largest reference entry; float64 answers land near 1e-15
LOOSE = 1e-5        # within this but not TOL: the right formula at the wrong precision (float32)
F64 = 1e-9          # float64 answers agree with the reference below this; float32 arithmetic lands near 1e-7


def scale_error(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b| relative to the largest entry of the reference b."""
    return float(np.max(np.abs(a - b), initial=0.0) / max(float(np.max(np.abs(b), initial=0.0)), 1e-12))


def close(a, b, tol: float = TOL) -> bool:
    return (isinstance(a, np.ndarray) and np.shape(a) == np.shape(b) and bool(np.all(np.isfinite(a)))
            and scale_error(a, b) <= tol)


def described(value) -> str:
    if isinstance(value, dict) and "__type__" in value:
        return f"an object of type {value['__type__']}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {list(value.shape)}" if value.ndim else "a number"
    if isinstance(value, dict):
        return f"a dict with keys {sorted(value)}"
    if isinstance(value, list):
        return f"a sequence of length {len(value)}"
    return f"{type(value).__name__} {value!r}"[:120]


def array(value, name: str, shape: tuple | None = None) -> np.ndarray:
    """The received value as a float array of the given shape, or Fail saying what came back instead."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = np.asarray(float(value))
    if not isinstance(value, np.ndarray) or value.dtype == np.bool_:
        raise Fail(f"{name} should be a NumPy array{_shape(shape)}, received {described(value)}.", "wrong_type")
    if shape is not None and value.shape != tuple(shape):
        tag = "transposed" if value.shape == tuple(shape)[::-1] and len(shape) == 2 else "wrong_shape"
        raise Fail(f"{name} has shape {list(value.shape)}, expected {list(shape)}.", tag)
    return value.astype(np.float64)


def number(value, name: str) -> float:
    """One number: a Python float, np.float64 (a float) or a 0-d array, as the notebook allows."""
    arr = array(value, name)
    if arr.ndim != 0:
        raise Fail(f"{name} should be a single number (a float), received an array of shape {list(arr.shape)}.",
                   "wrong_type")
    return float(arr)


def float64(dtypes: dict, name: str) -> None:
    """Fail unless every array a function returned was float64 (dtypes: name -> dtype, from probing.dtypes)."""
    for key, dt in (dtypes or {}).items():
        if isinstance(dt, str) and dt.startswith("float") and dt != "float64":
            raise Fail(f"{name.format(key=key)} has dtype {dt}; the notebook requires float64 throughout.",
                       "float32")


def _shape(shape) -> str:
    return f" of shape {list(shape)}" if shape is not None else ""


def show(a: np.ndarray) -> str:
    flat = np.asarray(a, dtype=np.float64).ravel()
    body = ", ".join(f"{v:.6g}" for v in flat[:4])
    return f"[{body}{', ...' if flat.size > 4 else ''}]" if np.ndim(a) else f"{float(a):.6g}"


def ratio(received: np.ndarray, expected: np.ndarray) -> float | None:
    """The scalar s with received ~ s * expected, if there is one."""
    denom = float(np.sum(expected * expected))
    if denom == 0.0:
        return None
    s = float(np.sum(received * expected)) / denom
    return s if close(received, s * expected, 1e-6) else None


def expect(name: str, received, expected: np.ndarray, models=(), B: int | None = None,
           what: str = "", f64: bool = False) -> float:
    """Fail unless received matches expected; name the misconception of the first model it matches.
    models: (tag, array) pairs, or a function giving them (only called when the answer is wrong).
    f64: also fail an answer that matches only to float32 accuracy (the notebook requires float64)."""
    got = array(received, name, expected.shape)
    err = scale_error(got, expected)
    if close(got, expected):
        if f64 and err > F64:
            raise Fail(f"{name}{' ' + what if what else ''} agrees with the float64 reference only to {err:.1e} "
                       "(relative to its largest entry), the accuracy of float32 arithmetic; computed in float64 "
                       "it agrees to about 1e-15.", "float32")
        return err
    for tag, model in (models() if callable(models) else models):
        if close(got, model):
            raise Fail(_differs(name, got, expected, B, what), tag)
    if np.all(np.isfinite(got)) and err <= LOOSE:
        raise Fail(_differs(name, got, expected, B, what) + " That is close but not within the tolerance "
                   f"{TOL:g}: compute in float64 throughout.", "float32")
    raise Fail(_differs(name, got, expected, B, what), "wrong_value")


def _differs(name, got, expected, B, what) -> str:
    where = f" {what}" if what else ""
    if not np.all(np.isfinite(got)):
        return f"{name}{where} contains NaN or inf (expected {show(expected)}, received {show(got)})."
    s = ratio(got, expected)
    if s is not None and B and abs(s - B) < 1e-6 * B:
        size = f" is B = {B} times too large"
    elif s is not None and B and abs(s * B - 1) < 1e-6:
        size = f" is B = {B} times too small"
    elif s is not None:
        size = f" is {s:.4g} times the expected value"
    else:
        i = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape) if got.ndim else ()
        size = (f" differs most at index {tuple(int(v) for v in i)}: expected {float(expected[i]):.6g}, "
                f"received {float(got[i]):.6g}") if got.ndim else ""
    return f"{name}{where}{size}. Expected {show(expected)}, received {show(got)}."
