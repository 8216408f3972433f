"""The check every part of this assignment builds on: its own hints, the reference swap, and comparisons."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...core import objects
from . import reference
from .blocks import LOOSE, SHARED_HINTS, Check, Fail, _differs, array, close, described, error_tag, scale_error
from .hints import HINTS

TOL = 1e-7          # array results, relative to the array's scale (float64 formulas land near 1e-15)
LOCAL_KINDS = {"missing_method", "missing_attribute"}


@dataclass
class LayerCheck(Check):
    """A check whose probe may build on earlier pieces: any of `builds_on` that fails its own test is
    replaced by the reference while this check asks its questions."""

    builds_on: tuple[str, ...] = ()

    def __post_init__(self):
        self.uses = tuple(dict.fromkeys(tuple(self.uses) + objects.methods(self.builds_on)))

    def probe(self, s, inp):
        with objects.fixed(s._ns, reference.pieces(*self.builds_on)) as replaced:
            answer = self.ask(s, inp)
        if replaced and isinstance(answer, dict):
            answer["replaced"] = replaced
        return answer

    def ask(self, s, inp) -> dict:
        raise NotImplementedError

    def decide(self, inputs, answer):
        err = answer.get("__error__") if isinstance(answer, dict) else None
        if isinstance(err, dict) and err.get("kind") in LOCAL_KINDS:
            tag = str(err["kind"])
            return self.verdict(False, self.say(str(err.get("text", ""))[:1000], tag), tag)
        v = super().decide(inputs, answer)
        replaced = answer.get("replaced") if isinstance(answer, dict) else None
        if not v.passed and isinstance(replaced, list) and replaced and v.tag not in ("timeout",):
            names = ", ".join(f"`{n}`" for n in replaced if isinstance(n, str))
            note = (f" (Your {names} failed {'its' if len(replaced) == 1 else 'their'} own check and "
                    "was replaced by a correct one here, so this result is about this check's code alone.)")
            head, sep, hint = v.message.partition("\nLikely cause:")
            v.message = head + note + sep + hint
        return v

    def say(self, text, tag):
        hint = HINTS.get(tag or "") or SHARED_HINTS.get(tag or "", "")
        return f"{self.part}, {self.title}: {text}" + (f"\nLikely cause: {hint}" if hint else "")


def error_kind_tag(err: dict) -> str:
    kind = err.get("kind", "exception")
    return kind if kind in LOCAL_KINDS else error_tag(err)


def got_array(value, name: str, shape=None) -> np.ndarray:
    """The received value as a float array of the given shape; None (a forgotten return) said plainly."""
    if value is None:
        raise Fail(f"{name} returned None.", "returns_none")
    return array(value, name, shape)


def expect(name: str, received, expected: np.ndarray, models=(), B: int | None = None, what: str = "",
           tol: float = TOL) -> float:
    """Fail unless received matches expected within tol; name the misconception of the first model it matches.
    models: (tag, array) pairs, or a function giving them (only called when the answer is wrong)."""
    got = got_array(received, name, expected.shape)
    err = scale_error(got, expected)
    if close(got, expected, tol):
        return err
    for tag, model in (models() if callable(models) else models):
        if model is not None and np.shape(model) == got.shape and _model_close(got, model, tol):
            raise Fail(_differs(name, got, expected, B, what), tag)
    if np.all(np.isfinite(got)) and err <= LOOSE:
        raise Fail(_differs(name, got, expected, B, what) + f" That is close but not within the tolerance {tol:g}: "
                   "compute in float64 throughout.", "precision")
    raise Fail(_differs(name, got, expected, B, what), "wrong_value")


def _model_close(got, model, tol) -> bool:
    model = np.asarray(model, dtype=float)
    if not np.all(np.isfinite(model)):          # a model that is NaN where the answer is NaN
        return bool(np.array_equal(np.isfinite(got), np.isfinite(model))
                    and close(np.nan_to_num(got, nan=0.0, posinf=0.0, neginf=0.0),
                              np.nan_to_num(model, nan=0.0, posinf=0.0, neginf=0.0), max(tol, 1e-9)))
    return close(got, model, max(tol, 1e-9))


def need_float64(dtypes: dict, what: str = ""):
    """Fail if a returned array was not float64 (the wire turns every float into float64: probes send dtypes)."""
    for name, dt in (dtypes or {}).items():
        if isinstance(dt, str) and dt not in ("float64", "float", "NoneType") and dt.startswith(("float", "int")):
            raise Fail(f"{name} has dtype {dt}, expected float64{what}.", "not_float64")


def is_float(value, name: str) -> float:
    """A Python float (np.float64 is one); a 0-d array, an int or a tensor are not."""
    if isinstance(value, bool) or not isinstance(value, float):
        raise Fail(f"{name} should be a Python float, received {described(value)} (use float(...) or .item()).",
                   "wrong_type")
    return value


def same(a, b) -> bool:
    return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b)
