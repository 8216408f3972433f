"""The hidden test cells' entry point: run one check against the notebook's own namespace.

A hidden test cell holds only `check("name")`. A failure shows the student the check's message and
nothing of the grader's source."""
from __future__ import annotations

import sys

from . import probing, wire
from .checks import BY_NAME
from .problems import rng_for
from .verdict import Verdict


class CheckFailed(AssertionError):
    def __init__(self, verdict: Verdict):
        super().__init__(verdict.message)
        self.verdict = verdict

    def _render_traceback_(self):
        # IPython shows these lines instead of a traceback into the grader's code
        return [f"CheckFailed: {line}" if i == 0 else line for i, line in enumerate(self.verdict.message.splitlines())]


def run(name: str, ns: dict, submission: str = "") -> Verdict:
    """Draw the check's inputs, ask the student's code, judge the plain data it gave back."""
    chk = BY_NAME[name]
    inputs = chk.inputs(rng_for(name, submission))
    answer = wire.loads(wire.dumps(probing.ask(chk, ns, inputs)))
    with probing.quiet():
        return chk.decide(inputs, answer)


def check(name: str, ns: dict | None = None) -> None:
    verdict = run(name, ns if ns is not None else sys._getframe(1).f_globals)
    if not verdict.passed:
        raise CheckFailed(verdict).with_traceback(None) from None
    print(verdict.message)
