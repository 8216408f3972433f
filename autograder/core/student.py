"""What a check's probe works with on the student's side: the error it raises for the student's mistakes,
and where the student's arrays are."""
from __future__ import annotations

import os
import types

import numpy as np

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))    # the grader's own code


class StudentError(Exception):
    def __init__(self, kind: str, text: str):
        super().__init__(text)
        self.kind, self.text = kind, text


def arrays_in(obj, depth: int = 0, seen=None) -> list[np.ndarray]:
    """Every NumPy array reachable in a cache: dicts, sequences and objects' attributes."""
    seen = set() if seen is None else seen
    if depth > 5 or id(obj) in seen:
        return []
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        return [obj] if obj.dtype.kind in "biuf" else []
    if isinstance(obj, dict):
        items = list(obj.values())
    elif isinstance(obj, (list, tuple)):
        items = list(obj)
    elif hasattr(obj, "__dict__") and not isinstance(obj, (types.ModuleType, types.FunctionType, type)):
        items = list(vars(obj).values())
    else:
        return []
    return [a for item in items[:100] for a in arrays_in(item, depth + 1, seen)]
