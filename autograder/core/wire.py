"""Plain data between the student's process and the grader: JSON with typed arrays, nothing executable."""
from __future__ import annotations

import base64
import json

import numpy as np

_DTYPES = {"f8": np.float64, "i8": np.int64, "b1": np.bool_}
MAX_DEPTH = 6
MAX_ITEMS = 200
MAX_ELEMENTS = 5_000_000


def to_data(obj, depth: int = 0):
    """Copy whatever student code returned into plain data: arrays, numbers, strings, lists, dicts.
    Anything else becomes {"__type__": name} so the judge can say what came back."""
    if depth > MAX_DEPTH:
        return {"__type__": "nested too deeply"}
    if obj is None or isinstance(obj, (bool, str)):
        return obj if not isinstance(obj, str) else obj[:2000]
    if type(obj) in (int, float) or isinstance(obj, np.generic) and obj.dtype.kind in "biuf":
        return _array(np.asarray(obj)) if isinstance(obj, np.generic) else obj
    if isinstance(obj, np.ndarray):
        return _array(obj)
    if isinstance(obj, dict):
        return {_key(k): to_data(v, depth + 1) for k, v in list(obj.items())[:MAX_ITEMS]}
    if isinstance(obj, (list, tuple)):
        return [to_data(v, depth + 1) for v in list(obj)[:MAX_ITEMS]]
    return {"__type__": f"{type(obj).__module__}.{type(obj).__qualname__}"[:200]}


def _key(k) -> str:
    """A student's dict key as a string that cannot be mistaken for one of the wire's markers."""
    k = str(k)[:100]
    return "~" + k if k.startswith(("__", "~")) else k


def _array(a: np.ndarray):
    a = np.asarray(a)
    if a.size > MAX_ELEMENTS:
        return {"__type__": f"array too large ({a.size} elements)"}
    kind = a.dtype.kind
    if kind == "f":
        return np.array(a, dtype=np.float64)
    if kind in "iu":
        return np.array(a, dtype=np.int64)
    if kind == "b":
        return np.array(a, dtype=np.bool_)
    return {"__type__": f"numpy array of dtype {a.dtype}"}


class _Encoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, np.ndarray):
            code = {np.dtype(v): k for k, v in _DTYPES.items()}[o.dtype]
            return {"__nd__": [code, list(o.shape), base64.b64encode(np.ascontiguousarray(o).tobytes()).decode()]}
        if isinstance(o, np.generic):
            return o.item()
        return super().default(o)


def dumps(data) -> str:
    return json.dumps(data, cls=_Encoder)


def _hook(d):
    if "__nd__" in d and len(d) == 1:
        try:
            code, shape, b64 = d["__nd__"]
            dtype = _DTYPES[code]
            shape = tuple(int(s) for s in shape)
            if len(shape) > 32 or any(s < 0 for s in shape):
                raise ValueError("bad shape")
            raw = base64.b64decode(b64, validate=True)
            if len(raw) != int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize:
                raise ValueError("array payload does not match its shape")
            return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
        except (KeyError, TypeError, ValueError, OverflowError) as e:
            raise ValueError(f"malformed array: {e}") from None
    return d


def loads(text: str):
    """Plain data from JSON text; anything malformed raises ValueError."""
    try:
        return json.loads(text, object_hook=_hook)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def roundtrip(obj):
    """What the grader would receive from the student's process."""
    return loads(dumps(to_data(obj)))
