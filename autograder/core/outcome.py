"""What can happen to a submission or to one of its checks: one vocabulary that results, CSV rows, the
class report and feedback all read."""
from __future__ import annotations

from enum import Enum


class Outcome(str, Enum):
    PASSED = "passed"                   # the check's behaviour is right
    FAILED = "failed"                   # it ran and gave a wrong answer (the tag names the misconception)
    NOT_ATTEMPTED = "not_attempted"     # the stub is still there
    TIMEOUT = "timeout"                 # stopped at a time limit
    CRASHED = "crashed"                 # the process running the student's code ended
    MEMORY = "memory"                   # ran out of its memory
    TORCH_FORBIDDEN = "torch_in_numpy"  # used torch in a part graded without it
    TAMPERING = "tampering"             # replaced what the grader relies on, or forged its messages
    OUTPUT_FLOOD = "output_flood"       # printed more than is kept
    UNREADABLE = "unreadable"           # the file is not a notebook of this assignment
    SANDBOX = "sandbox"                 # its sandbox could not be set up, so its code was not run
    INTERNAL = "internal_error"         # the grader itself failed

    def __str__(self) -> str:
        return self.value


# Outcomes of a submission as a whole: what an instructor should look at (a report's flags).
FLAGS = (Outcome.TIMEOUT, Outcome.CRASHED, Outcome.MEMORY, Outcome.TORCH_FORBIDDEN, Outcome.TAMPERING,
         Outcome.OUTPUT_FLOOD, Outcome.UNREADABLE, Outcome.SANDBOX, Outcome.INTERNAL)


def of_tag(tag: str | None, passed: bool) -> Outcome:
    """A check's outcome from the tag its verdict carries."""
    if passed:
        return Outcome.PASSED
    try:
        outcome = Outcome(tag)
    except ValueError:
        return Outcome.NOT_ATTEMPTED if tag == "not_implemented" else Outcome.FAILED
    return Outcome.FAILED if outcome is Outcome.PASSED else outcome
