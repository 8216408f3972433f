"""The shared building blocks this assignment uses, imported in one place."""
from ...core import objects, wire  # noqa: F401
from ...core.check import Check, Fail, Verdict  # noqa: F401
from ...core.compare import LOOSE, _differs, array, close, described, number, scale_error, show  # noqa: F401
from ...core.hints import HINTS as SHARED_HINTS, error_tag  # noqa: F401
from ...core.rng import rng_for  # noqa: F401
from ...core.student import Student, StudentError, arrays_in, quiet  # noqa: F401
