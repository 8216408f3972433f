"""Hints every assignment shares: what a stuck student reads for the outcomes no misconception explains."""

HINTS = {
    "wrong_type": "check the return type the docstring asks for.",
    "missing_function": "define the function with exactly the name and arguments the notebook gives.",
    "exception": "",
    "not_implemented": "replace `raise NotImplementedError()` with your code.",
    "timeout": "the function did not finish in time: look for an endless loop or far too much work.",
    "too_slow": "the code is far slower than it needs to be: look for a Python loop over the examples or the "
                "entries of an array where one whole-array operation would do.",
    "wrong_value": "",
    "torch_in_numpy": "this part is graded where torch is not available: compute it without torch.",
}


def error_tag(err: dict) -> str:
    kind = err.get("kind", "exception")
    if kind in ("missing_function", "timeout", "torch_in_numpy", "not_implemented", "wrong_type", "memory"):
        return kind
    return "exception"
