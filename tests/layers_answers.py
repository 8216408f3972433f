"""The layers assignment's answer files, filled into its master notebook and run in this process.

An answer file is in the format of tests/answers/*.py (`# %% <cell id>` sections, `fails:`, `base:`,
`style:`), read with submissions.parse; cells it does not name keep the key's text."""
from __future__ import annotations

import functools
import re
from pathlib import Path

import nbformat

from autograder import notebook, submissions
from autograder.assignments import layers
from autograder.assignments.layers import incell

ANSWERS = Path(__file__).resolve().parent / "answers" / "layers"
_SOLUTION = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", re.M)
_REGION = re.compile(r"^([ \t]*)### BEGIN SOLUTION[ \t]*\n.*?^[ \t]*### END SOLUTION[ \t]*\n?", re.M | re.S)
_HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[ \t]*\n?", re.M | re.S)


def source() -> nbformat.NotebookNode:
    return nbformat.read(layers.SOURCE, 4)


def key_cells() -> dict[str, str]:
    """The answer key: each solution code cell of the master notebook without its markers."""
    return {c.metadata.nbgrader["grade_id"]: _SOLUTION.sub("", c.source + "\n") for c in source().cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}


def stub(text: str) -> str:
    """What nbgrader's release gives the student: each solution region replaced by a NotImplementedError."""
    return _REGION.sub(lambda m: f"{m.group(1)}# YOUR CODE HERE\n{m.group(1)}raise NotImplementedError()\n", text)


def release() -> nbformat.NotebookNode:
    """A release-like notebook: stubs in the answer cells, no hidden tests."""
    nb = source()
    for c in nb.cells:
        if c.cell_type == "code":
            c.source = _HIDDEN.sub("", stub(c.source + "\n")).rstrip("\n")
    return nb


def answer(name: str) -> submissions.Answer:
    return submissions.parse(ANSWERS / f"{name}.py")


def all_answers() -> list[submissions.Answer]:
    return [submissions.parse(p) for p in sorted(ANSWERS.glob("*.py"))]


def fill(ans: submissions.Answer) -> nbformat.NotebookNode:
    nb = source()
    key = key_cells()
    unknown = set(ans.cells) - set(key)
    if unknown:
        raise ValueError(f"{ans.name}: no answer cell called {sorted(unknown)}")
    cells = key | ans.cells
    for c in nb.cells:
        gid = c.metadata.get("nbgrader", {}).get("grade_id")
        if c.cell_type == "code" and gid in cells:
            c.source = cells[gid].rstrip("\n")
    return nb


def graded_cells(nb) -> list[tuple[str, str]]:
    """The cells the grader runs: not test cells, not demo cells."""
    return [(label, src) for label, src in notebook.runnable_cells(nb) if label not in layers.DEMO_CELLS]


def namespace(nb) -> tuple[dict, list[str]]:
    ns = {"__name__": "__main__"}
    errors = notebook.execute(graded_cells(nb), ns)
    return ns, errors


@functools.lru_cache(maxsize=None)
def verdicts(name: str) -> dict:
    ns, _ = namespace(fill(answer(name)))
    return {c.name: incell.run(c.name, ns, submission=name) for c in layers.CHECKS}
