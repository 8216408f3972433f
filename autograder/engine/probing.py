"""Asking a check's questions of the student's code: runs beside that code and returns plain data."""
from __future__ import annotations

import contextlib
import copy
import sys
import types


from ..core import wire
from ..core.objects import swapped
from ..core.student import Student, StudentError, TorchFinder, TorchUsed, _Poison, quiet  # noqa: F401


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
