"""Probing a student's classes and values, and swapping in reference pieces. Nothing here knows an
assignment: a check names the class, the method and the pieces, and gets plain data or a StudentError."""
from __future__ import annotations

import contextlib
import difflib

import numpy as np

from .compare import described
from .student import Student, StudentError, quiet

_MISSING = object()


def value(s: Student, name: str, kind: type | tuple = object, what: str = "a value"):
    """A top-level name of the student's namespace that is not a function (a dict, a constant)."""
    ns = s._ns
    if name not in ns:
        near = difflib.get_close_matches(name, [k for k in ns if not k.startswith("_")], n=1)
        raise StudentError("missing_function", f"`{name}` is not defined"
                           + (f"; found `{near[0]}`: the name must be exactly `{name}`" if near else "") + ".")
    v = ns[name]
    if not isinstance(v, kind):
        raise StudentError("wrong_type", f"`{name}` should be {what}, found {type(v).__name__}.")
    return v


def new(s: Student, cls: str, *args, **kwargs) -> "Obj":
    """Construct the student's class `cls` with the same error attribution as a function call."""
    c = s._ns.get(cls)
    if not isinstance(c, type):
        near = difflib.get_close_matches(cls, [k for k, v in s._ns.items() if isinstance(v, type)], n=1)
        raise StudentError("missing_function", f"the class `{cls}` is not defined"
                           + ("" if c is None else f" (found {type(c).__name__} instead)")
                           + (f"; found `{near[0]}`: the name must be exactly `{cls}`" if near else "") + ".")
    return Obj(getattr(s, cls)(*args, **kwargs), cls)


class Obj:
    """A student's object seen through its methods: `o.forward(x)` runs the method under the same error
    attribution as a top-level function ("calling `Linear.backward` raised ..."); a missing method or
    attribute is a StudentError that names it. `o.raw` is the object itself, to hand to other student code."""

    def __init__(self, obj, cls: str | None = None):
        object.__setattr__(self, "raw", obj)
        object.__setattr__(self, "cls", cls or type(obj).__name__)

    def __setattr__(self, name: str, value):
        setattr(self.raw, name, value)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            attr = getattr(self.raw, name, _MISSING)
        except Exception as e:             # a property or __getattr__ of the student's that raised
            raise StudentError("exception", f"reading `{self.cls}.{name}` raised {type(e).__name__}: {e}"[:300])
        if attr is _MISSING:
            if callable(getattr(type(self.raw), name, None)) or name in ("forward", "backward"):
                raise StudentError("missing_method", f"`{self.cls}` has no method `{name}`; the notebook's interface "
                                   f"asks for `{name}`.")
            raise StudentError("missing_attribute", f"`{self.cls}` object has no attribute `{name}`"
                               + (f" after `backward`: backward stores it as `self.{name}`" if name.startswith("d")
                                  else f": keep it as `self.{name}`") + ".")
        if callable(attr) and not isinstance(attr, np.ndarray):
            label = f"{self.cls}.{name}"
            return getattr(Student({label: attr}), label)
        return attr

    def get(self, name: str, default=None):
        """An attribute, or default if the object has none (no error)."""
        try:
            return getattr(self.raw, name, default)
        except Exception:
            return default


def arr(x):
    """A copy of a NumPy array (so a later call cannot change what was read), anything else as it is."""
    return np.array(x, copy=True) if isinstance(x, np.ndarray) else x


def dtype(x) -> str:
    """The dtype of what a student's code returned, as the grader can read it (the wire makes floats float64)."""
    return str(x.dtype) if isinstance(x, (np.ndarray, np.generic)) else type(x).__name__


# ---------------------------------------------------------------- one mistake costs points once

def broken(ns: dict, pieces: dict) -> dict:
    """name -> reference for every student piece (function or class) that is missing or fails its test.
    pieces: name -> (reference, test); test(mine) runs the student's piece on a tiny fixed problem."""
    out = {}
    for name, (ref, test) in pieces.items():
        mine = ns.get(name)
        try:
            with quiet():
                ok = mine is not None and mine is not ref and bool(test(announced(mine, name)))
        except (Exception, SystemExit):
            ok = False
        if not ok and mine is not ref:
            out[name] = ref
    return out


def announced(piece, name: str):
    """A student's class or function whose every call is attributed as a probe's call is: a hang in a method
    is then blamed on that method (for each check that uses it), not on the check that happened to run."""
    if isinstance(piece, type):
        return lambda *a, **k: Obj(getattr(Student({name: piece}), name)(*a, **k), name)
    return getattr(Student({name: piece}), name) if callable(piece) else piece


def methods(names) -> tuple[str, ...]:
    """What a check that builds on these pieces may end up calling, in the engine's `uses` vocabulary."""
    return tuple(f"{n}.{m}" for n in names for m in ("forward", "backward") if n[:1].isupper()) + tuple(names)


@contextlib.contextmanager
def swapped(ns: dict, fixes: dict):
    """While a later piece is graded, `fixes` (the correct pieces for those that failed their own check) stand
    in the student's namespace, so that one mistake costs points once."""
    saved = {k: ns.get(k, _MISSING) for k in fixes}
    ns.update(fixes)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is _MISSING:
                ns.pop(k, None)
            else:
                ns[k] = v


@contextlib.contextmanager
def fixed(ns: dict, pieces: dict):
    """While a later piece is graded, the pieces it builds on that fail their own test are reference ones."""
    fixes = broken(ns, pieces) if pieces else {}
    with swapped(ns, fixes):
        yield sorted(fixes)


def scalar(v):
    """A float a student's code returned, as a Python float (np.float64 is a float); anything else as it is,
    so the judge can tell a float from an array, a tensor or a float32."""
    return float(v) if isinstance(v, float) and not isinstance(v, bool) else v


def what(v) -> str:
    """What a student's code returned, said for a message, computed beside the student's code (an object
    becomes its type's name, never its repr)."""
    if v is None or isinstance(v, (bool, int, float, str, list, tuple, dict, np.ndarray, np.generic)):
        return described(v)
    return f"an object of type {type(v).__name__}"
