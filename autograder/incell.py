"""The hidden test cells' entry point: run one check against the notebook's own namespace.

A hidden test cell holds only `check("name")`. A failure shows the student the check's message and
nothing of the grader's source. The check's assignment is the one named by the notebook's folder (nbgrader
runs a notebook in its assignment's folder), else the only one with a check of that name."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from . import assignments
from .core import wire
from .core.assignment import Assignment
from .core.check import Verdict
from .core.rng import rng_for
from .engine import probing


class CheckFailed(AssertionError):
    def __init__(self, verdict: Verdict):
        super().__init__(verdict.message)
        self.verdict = verdict

    def _render_traceback_(self):
        # IPython shows these lines instead of a traceback into the grader's code
        return [f"CheckFailed: {line}" if i == 0 else line for i, line in enumerate(self.verdict.message.splitlines())]


def which(name: str) -> Assignment:
    known = assignments.all()
    here = known.get(Path(os.getcwd()).name)
    if here is not None and name in here.by_name:
        return here
    having = [a for a in known.values() if name in a.by_name]
    if len(having) != 1:
        raise KeyError(f"no single assignment has a check called {name!r} "
                       f"({', '.join(a.name for a in having) or 'none has'})")
    return having[0]


def run(name: str, ns: dict, submission: str = "", assignment: Assignment | None = None) -> Verdict:
    """Draw the check's inputs, ask the student's code, judge the plain data it gave back."""
    a = assignment or which(name)
    chk = a.by_name[name]
    inputs = chk.inputs(rng_for(name, submission))
    answer = wire.loads(wire.dumps(probing.ask(chk, ns, inputs, a.fixes)))
    with probing.quiet():
        return chk.decide(inputs, answer)


def check(name: str, ns: dict | None = None, assignment: str | None = None) -> None:
    """Run the check `name` (of `assignment`, when several assignments have one of that name)."""
    verdict = run(name, ns if ns is not None else sys._getframe(1).f_globals,
                  assignment=assignments.get(assignment) if assignment else None)
    if not verdict.passed:
        raise CheckFailed(verdict).with_traceback(None) from None
    print(verdict.message)
