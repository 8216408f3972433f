"""Answers as small files, filled into an assignment's release notebook the way a student fills it.

An assignment's answers live in tests/answers/<assignment>/ of its course. An answer file holds
`# %% <cell id>` sections, each the full text of one answer cell. Cells it does not name keep the answer
key's text, so a seeded bug is only the cell it breaks. A section named `extra...` is a cell the student
added at the end of the notebook. `base: <answer>` in the docstring starts from that answer's cells instead
of the key's. Its docstring may say `fails: <check> <tag>` (the check it must fail, and the misconception
named) and `style: ...`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..core.assignment import Assignment

_SOLUTION = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", re.M)


@dataclass
class Answer:
    name: str
    cells: dict[str, str]
    fails: list[tuple[str, str]] = field(default_factory=list)
    doc: str = ""


def answers_dir(a: Assignment) -> Path:
    return a.course / "tests" / "answers" / a.name


def parse(path: Path) -> Answer:
    text = path.read_text()
    doc = re.match(r'\s*"""(.*?)"""', text, re.S)
    doc = doc.group(1).strip() if doc else ""
    fails = [tuple(m.split()[:2]) for m in re.findall(r"^fails:\s*(.+)$", doc, re.M)]
    parts = re.split(r"^# %% (\S+)[ \t]*\n", text, flags=re.M)
    cells = {parts[i]: parts[i + 1].strip() + "\n" for i in range(1, len(parts), 2)}
    base = re.search(r"^base:\s*(\S+)", doc, re.M)
    if base:
        cells = parse(path.with_name(f"{base.group(1)}.py")).cells | cells
    return Answer(path.stem, cells, fails, doc)


def answer(a: Assignment, name: str) -> Answer:
    return parse(answers_dir(a) / f"{name}.py")


def all_answers(a: Assignment) -> list[Answer]:
    return [parse(p) for p in sorted(answers_dir(a).glob("*.py"))]


def key_cells(a: Assignment) -> dict[str, str]:
    """The answer key: each solution code cell of the master notebook without its markers."""
    nb = nbformat.read(a.source, 4)
    return {c.metadata.nbgrader["grade_id"]: _SOLUTION.sub("", c.source) for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}


def fill(answer: Answer, a: Assignment, release: Path | None = None) -> nbformat.NotebookNode:
    """The release notebook (or `release`) with its answer cells written as this answer writes them."""
    nb = nbformat.read(release or a.release, 4)
    key = key_cells(a)
    extra = {k: v for k, v in answer.cells.items() if k.startswith("extra")}
    cells = key | {k: v for k, v in answer.cells.items() if k not in extra}
    unknown = set(cells) - set(key)
    if unknown:
        raise ValueError(f"{answer.name}: no answer cell called {sorted(unknown)}")
    for c in nb.cells:
        gid = c.metadata.get("nbgrader", {}).get("grade_id")
        if c.cell_type == "code" and gid in cells:
            c.source = cells[gid].rstrip("\n")
    for label, text in extra.items():          # cells a student added, at the end
        cell = nbformat.v4.new_code_cell(text.rstrip("\n"))
        cell.id = label
        nb.cells.append(cell)
    return nb


def submit(course: Path, a: Assignment, student: str, nb) -> Path:
    path = course / "submitted" / student / a.name / a.notebook
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(nb, (str, bytes)):
        path.write_text(nb) if isinstance(nb, str) else path.write_bytes(nb)
    else:
        nbformat.write(nb, path)
    return path
