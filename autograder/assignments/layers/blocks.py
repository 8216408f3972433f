"""The shared building blocks this assignment uses, imported in one place."""
from autograder.compare import LOOSE, _differs, array, close, described, number, scale_error, show  # noqa: F401
from autograder.hints import HINTS as SHARED_HINTS, error_tag  # noqa: F401
from autograder.probing import StudentError, Student, arrays_in, quiet  # noqa: F401
from autograder.problems import rng_for  # noqa: F401
from autograder.verdict import Check, Fail, Verdict  # noqa: F401
from autograder import probing, wire  # noqa: F401
