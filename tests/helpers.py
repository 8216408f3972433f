"""What the package's tests share: the backprop assignment, its answer files, and running answers in this
process (fast, for the per-check tests)."""
from __future__ import annotations

import functools
from pathlib import Path

from autograder import assignments, incell
from autograder.doors import submissions
from autograder.engine import notebook

ROOT = Path(__file__).resolve().parent.parent
A = assignments.get("backprop")
CHECKS = list(A.checks)
BY_NAME = A.by_name
ANSWERS_DIR = submissions.answers_dir(A)


def answer(name: str) -> submissions.Answer:
    return submissions.answer(A, name)


def filled(name: str, release: Path | None = None):
    """The release notebook (or `release`) filled in as the answer file `name` writes it."""
    return submissions.fill(answer(name), A, release)


@functools.lru_cache(maxsize=None)
def verdicts(name: str) -> dict:
    ns = {"__name__": "__main__"}
    notebook.execute(notebook.runnable_cells(filled(name), A.demo_cells), ns)
    return {c.name: incell.run(c.name, ns, submission=name, assignment=A) for c in CHECKS}
