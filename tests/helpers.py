"""Running answers in this process: fast, for the per-check tests."""
from __future__ import annotations

import functools

from autograder import incell, notebook, submissions
from autograder.checks import CHECKS


@functools.lru_cache(maxsize=None)
def verdicts(name: str) -> dict:
    answer = submissions.parse(submissions.ANSWERS / f"{name}.py")
    ns = {"__name__": "__main__"}
    notebook.execute(notebook.runnable_cells(submissions.fill(answer)), ns)
    return {c.name: incell.run(c.name, ns, submission=name) for c in CHECKS}
