"""The layers assignment's answer files (tests/answers/layers/), filled into its release notebook and run in
this process, as tests/helpers.py does for backprop."""
from __future__ import annotations

import functools

import nbformat

from autograder import assignments, incell
from autograder.doors import submissions
from autograder.engine import notebook

A = assignments.get("layers")
ANSWERS = submissions.answers_dir(A)


def source() -> nbformat.NotebookNode:
    return nbformat.read(A.source, 4)


def release() -> nbformat.NotebookNode:
    return nbformat.read(A.release, 4)


def key_cells() -> dict[str, str]:
    return submissions.key_cells(A)


def answer(name: str) -> submissions.Answer:
    return submissions.answer(A, name)


def all_answers() -> list[submissions.Answer]:
    return submissions.all_answers(A)


def fill(ans: submissions.Answer) -> nbformat.NotebookNode:
    return submissions.fill(ans, A)


def graded_cells(nb) -> list[tuple[str, str]]:
    """The cells the grader runs: not test cells, not demo cells."""
    return notebook.runnable_cells(nb, A.demo_cells)


def namespace(nb) -> tuple[dict, list[str]]:
    ns = {"__name__": "__main__"}
    errors = notebook.execute(graded_cells(nb), ns)
    return ns, errors


def run(name: str, ns: dict, submission: str = ""):
    return incell.run(name, ns, submission=submission, assignment=A)


@functools.lru_cache(maxsize=None)
def verdicts(name: str) -> dict:
    ns, _ = namespace(fill(answer(name)))
    return {c.name: run(c.name, ns, submission=name) for c in A.checks}
