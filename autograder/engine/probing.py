"""Asking a check's questions of the student's code: runs beside that code and returns plain data."""
from __future__ import annotations

import contextlib
import copy
import difflib
import io
import os
import sys
import traceback
import types
import warnings

import numpy as np

from ..core import wire
from ..core.student import PACKAGE_DIR, StudentError

_LIBS = tuple(os.path.dirname(m.__file__) for m in (np, contextlib))


class TorchUsed(ImportError):
    def __init__(self, what: str = "torch"):
        super().__init__(f"{what} was used in a NumPy-only part (this part must not use torch)")


class _Poison(types.ModuleType):
    """Stands in for torch where it is not allowed: importing it works; while a probe runs (armed), touching
    it is recorded and calling it fails. Outside probes it is inert, so a cell's top-level torch lines pass."""
    touched: list[str] = []
    armed = False

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        if _Poison.armed:
            _Poison.touched.append(f"{self.__name__}.{name}")
        return _Poison(f"{self.__name__}.{name}")

    def __call__(self, *a, **k):
        if not _Poison.armed:
            return _Poison(self.__name__ + "()")
        _Poison.touched.append(self.__name__)
        raise TorchUsed(self.__name__)

    def __mro_entries__(self, bases):
        if not _Poison.armed:
            return (object,)
        _Poison.touched.append(self.__name__)
        raise TorchUsed(self.__name__)


class _Loader:
    def create_module(self, spec):
        return _Poison(spec.name)

    def exec_module(self, module):
        pass


class TorchFinder:
    """A meta path finder that answers every import of torch with a poison module."""

    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            import importlib.machinery
            return importlib.machinery.ModuleSpec(name, _Loader(), is_package=True)
        return None


def _is_torch(value) -> bool:
    mod = getattr(type(value), "__module__", "") if not isinstance(value, types.ModuleType) else value.__name__
    if isinstance(value, (types.FunctionType, type, types.BuiltinFunctionType)):
        mod = getattr(value, "__module__", "") or ""
    return isinstance(mod, str) and (mod == "torch" or mod.startswith("torch."))


@contextlib.contextmanager
def torch_blocked(ns: dict):
    """Within the block, torch in ns, in sys.modules and in new imports is a poison module."""
    saved_mods = {k: sys.modules.pop(k) for k in [k for k in sys.modules if k == "torch" or k.startswith("torch.")]}
    saved_ns = {k: v for k, v in list(ns.items()) if not k.startswith("__") and _is_torch(v)}
    finder = TorchFinder()
    sys.meta_path.insert(0, finder)
    for k, v in saved_ns.items():
        ns[k] = _Poison(getattr(v, "__name__", "torch") if isinstance(v, types.ModuleType) else f"torch.{k}")
    try:
        yield
    finally:
        if finder in sys.meta_path:
            sys.meta_path.remove(finder)
        for k in [k for k in sys.modules if k == "torch" or k.startswith("torch.")]:
            del sys.modules[k]
        sys.modules.update(saved_mods)
        ns.update(saved_ns)


@contextlib.contextmanager
def quiet():
    """Nothing the student's code prints or warns reaches stderr (nbgrader zeroes such a cell)."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
            warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def where(exc: BaseException) -> str:
    """The line of the student's own code where an exception came from."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not f.filename.startswith((PACKAGE_DIR,) + _LIBS) and "site-packages" not in f.filename]
    if not frames:
        return ""
    f = frames[-1]
    line = (f.line or "").strip()
    return f" (in {f.name}, at `{line}`)" if line else f" (in {f.name})"


announce = None     # set by the worker: tells the grader which student function is running


class Student:
    """The student's namespace, seen through its functions; failures become StudentError."""

    def __init__(self, ns: dict):
        self._ns = ns

    def __getattr__(self, name: str):
        fn = self._ns.get(name)
        if fn is None or not callable(fn):
            near = difflib.get_close_matches(name, [k for k, v in self._ns.items() if callable(v)], n=1)
            raise StudentError("missing_function", f"the function `{name}` is not defined"
                               + ("" if fn is None else f" (found {type(fn).__name__} instead)")
                               + (f"; found `{near[0]}`: the name must be exactly `{name}`" if near else "") + ".")

        def call(*args, **kwargs):
            if announce:
                announce(name)
            try:
                return fn(*args, **kwargs)
            except StudentError:
                raise
            except TorchUsed as e:
                raise StudentError("torch_in_numpy", f"`{name}` used torch: {e}.")
            except NotImplementedError as e:
                raise StudentError("not_implemented", f"`{name}` is not implemented yet (it raises "
                                   f"NotImplementedError{where(e)}).")
            except (Exception, SystemExit) as e:
                if _Poison.touched:
                    raise StudentError("torch_in_numpy", f"`{name}` used torch ({_Poison.touched[0]}), which is "
                                       "not available in the NumPy-only parts.")
                text = str(e).strip().splitlines()[0][:300] if str(e).strip() else ""
                raise StudentError("exception", f"calling `{name}` raised {type(e).__name__}"
                                   f"{': ' + text if text else ''}{where(e)}.")
        return call


@contextlib.contextmanager
def swapped(ns: dict, fixes: dict):
    """While a later piece is graded, the pieces that failed their own check are the assignment's correct
    ones, so that one mistake costs points once."""
    saved = {k: ns.get(k, _ABSENT) for k in fixes}
    ns.update(fixes)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is _ABSENT:
                ns.pop(k, None)
            else:
                ns[k] = v


_ABSENT = object()


def ask(check, ns: dict, inputs: dict, fixes=None):
    """Run the check's probe against the student's namespace, with the stand-ins `fixes(ns, check)` gives;
    return what the grader may see."""
    _Poison.touched.clear()
    block = torch_blocked(ns) if check.numpy_only else contextlib.nullcontext()
    try:
        with quiet():
            stand_ins = fixes(ns, check) if fixes else {}
        with quiet(), block, swapped(ns, stand_ins):
            _Poison.armed = check.numpy_only
            try:
                answer = check.probe(Student(ns), copy.deepcopy(inputs))
            finally:
                _Poison.armed = False
        if check.numpy_only and _Poison.touched:
            raise StudentError("torch_in_numpy", f"the code reached torch ({_Poison.touched[0]}), which is not "
                               "available in the NumPy-only parts.")
    except StudentError as e:
        return {"__error__": {"kind": e.kind, "text": e.text}}
    except Exception as e:              # the probe could not use what the student's code returned
        return {"__error__": {"kind": "wrong_type", "text": f"what your code returned could not be used: "
                              f"{type(e).__name__}: {str(e)[:200]}"}}
    return wire.to_data(answer)
