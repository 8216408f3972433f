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

from . import reference, wire

GRADER_DIR = os.path.dirname(os.path.abspath(__file__))
_LIBS = tuple(os.path.dirname(m.__file__) for m in (np, contextlib))


class StudentError(Exception):
    def __init__(self, kind: str, text: str):
        super().__init__(text)
        self.kind, self.text = kind, text


class TorchUsed(ImportError):
    def __init__(self, what: str = "torch"):
        super().__init__(f"{what} was used in a NumPy-only part (Parts 1, 2 and 4 must not use torch)")


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
              if not f.filename.startswith((GRADER_DIR,) + _LIBS) and "site-packages" not in f.filename]
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
def primitives_fixed(ns: dict, active: bool = True):
    """While a later function is graded, Part 1 primitives that fail their own check are correct ones."""
    swapped = {}
    if active:
        with quiet():
            fixes = reference.broken_primitives(ns)
        swapped = {k: ns.get(k, _ABSENT) for k in fixes}
        ns.update(fixes)
    try:
        yield
    finally:
        for k, v in swapped.items():
            if v is _ABSENT:
                ns.pop(k, None)
            else:
                ns[k] = v


_ABSENT = object()


def ask(check, ns: dict, inputs: dict):
    """Run the check's probe against the student's namespace; return what the grader may see."""
    _Poison.touched.clear()
    block = torch_blocked(ns) if check.numpy_only else contextlib.nullcontext()
    try:
        with quiet(), block, primitives_fixed(ns, check.name not in reference.PRIMITIVES):
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


def arrays_in(obj, depth: int = 0, seen=None) -> list[np.ndarray]:
    """Every numeric NumPy array reachable in a cache, in a stable order: mappings (dicts, MappingProxyType),
    sequences, object arrays, objects' attributes and slots, and what functions hold (closure cells, defaults,
    functools.partial's arguments, a bound method's object)."""
    seen = set() if seen is None else seen
    if depth > 8 or id(obj) in seen:
        return []
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "biuf":
            return [obj]
        items = list(obj.ravel()[:100]) if obj.dtype.kind == "O" else []
    else:
        items = _parts(obj)
    return [a for item in items[:100] for a in arrays_in(item, depth + 1, seen)]


def _parts(obj) -> list:
    """The values an object holds, for arrays_in."""
    import collections.abc
    import functools
    if isinstance(obj, (str, bytes, int, float, complex, types.ModuleType, type)) or obj is None:
        return []
    if isinstance(obj, collections.abc.Mapping):
        return list(obj.values())
    if isinstance(obj, (list, tuple, set, frozenset, collections.deque)):
        return list(obj)
    if isinstance(obj, functools.partial):
        return [obj.func, *obj.args, *obj.keywords.values()]
    if isinstance(obj, types.MethodType):
        return [obj.__self__, obj.__func__]
    if isinstance(obj, types.FunctionType):
        cells = []
        for c in obj.__closure__ or ():
            try:
                cells.append(c.cell_contents)
            except ValueError:              # an empty cell
                pass
        return cells + list(obj.__defaults__ or ()) + list((obj.__kwdefaults__ or {}).values())
    out = list(vars(obj).values()) if hasattr(obj, "__dict__") else []
    for cls in type(obj).__mro__:
        for name in getattr(cls, "__slots__", ()) if not isinstance(getattr(cls, "__slots__", ()), str) else \
                (cls.__slots__,):
            if name not in ("__dict__", "__weakref__") and hasattr(obj, name):
                out.append(getattr(obj, name))
    return out


def dtypes(value) -> dict:
    """The dtype of each array (or NumPy number) in a dict, or of a single one under the key "": the wire
    sends every float as float64, so a probe that must judge precision reports dtypes itself."""
    items = value.items() if isinstance(value, dict) else [("", value)]
    return {str(k): str(v.dtype) for k, v in items if isinstance(v, (np.ndarray, np.generic))}


def int32(y: np.ndarray) -> np.ndarray:
    """Labels as int32: the notebook allows any integer dtype, and the wire carries int64 only."""
    return np.asarray(y).astype(np.int32)
