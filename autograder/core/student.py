"""What a check's probe works with on the student's side: the student's namespace seen through its
functions (`Student`, failures become `StudentError` with the line of the student's code), torch standing in
as a poison where a part must not use it, quiet output, and where the student's arrays are."""
from __future__ import annotations

import contextlib
import difflib
import io
import os
import traceback
import types
import warnings

import numpy as np

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))    # the grader's own code
_LIBS = tuple(os.path.dirname(m.__file__) for m in (np, contextlib))


class StudentError(Exception):
    def __init__(self, kind: str, text: str):
        super().__init__(text)
        self.kind, self.text = kind, text


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
            except MemoryError as e:
                raise StudentError("memory", f"calling `{name}` raised MemoryError"
                                   f"{': ' + str(e).strip()[:300] if str(e).strip() else ''}{where(e)}.")
            except (Exception, SystemExit) as e:
                if _Poison.touched:
                    raise StudentError("torch_in_numpy", f"`{name}` used torch ({_Poison.touched[0]}), which is "
                                       "not available in the NumPy-only parts.")
                text = str(e).strip().splitlines()[0][:300] if str(e).strip() else ""
                raise StudentError("exception", f"calling `{name}` raised {type(e).__name__}"
                                   f"{': ' + text if text else ''}{where(e)}.")
        return call


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
