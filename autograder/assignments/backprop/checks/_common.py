"""Small pieces the part modules share."""
from __future__ import annotations

from ....core.compare import described
from ....core.student import StudentError
from ....core.check import Fail


def pair(result, fn: str):
    """Unpack the (loss, cache)-style pair a function must return."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        kind = type(result).__name__
        raise StudentError("wrong_type", f"`{fn}` should return a pair (tuple of two), returned {kind}"
                           + (f" of length {len(result)}" if isinstance(result, (tuple, list)) else "") + ".")
    return result


def grads_dict(value, fn: str = "backward") -> dict:
    if not isinstance(value, dict) or "__type__" in value:
        raise Fail(f"`{fn}` should return a dict of gradients, returned {described(value)}.", "wrong_type")
    return value


def need_key(grads: dict, key: str, fn: str = "backward"):
    if key not in grads:
        raise Fail(f"the gradients returned by `{fn}` have no key \"{key}\" (keys: {sorted(grads)}).",
                   "missing_key")
    return grads[key]

