"""Reading a submission: which cells run, and running them into a namespace."""
from __future__ import annotations

import functools
import hashlib
import json
import linecache
import re
from pathlib import Path

import nbformat

from ..core.assignment import META

_MAGIC = re.compile(r"^([ \t]*)([%!].*)$", re.M)


def read(path: Path, data: bytes):
    """(notebook, "") or (None, why it cannot be graded)."""
    if not path.is_file():
        return None, f"{path.name} is not a file."
    if not data.strip():
        return None, f"{path.name} is empty."
    if path.suffix != ".ipynb":
        return None, f"{path.name} is not a notebook (.ipynb); submit the assignment's notebook itself."
    try:
        nb = nbformat.reads(data.decode("utf-8", "replace"), 4)
        nbformat.validate(nb)
    except Exception as e:
        first = str(e).strip().splitlines()[0][:200] if str(e).strip() else ""
        return None, f"{path.name} could not be read as a notebook ({type(e).__name__}: {first})."
    stand_in = nb.metadata.get(META, {}).get("unreadable")
    if stand_in:                        # the course kept the original and put the blank notebook in its place
        return None, f"the file as submitted could not be read ({stand_in})."
    return nb, ""


def cells_to_run(nb, release, setup: tuple[str, ...], demo: tuple[str, ...]) -> list[tuple[str, str]]:
    """The submission's runnable cells, with every locked cell's text taken from the release; the `setup`
    cells run even when the submission deleted them."""
    locked = {c.metadata.nbgrader["grade_id"]: c.source for c in release.cells
              if c.cell_type == "code" and c.get("metadata", {}).get("nbgrader", {}).get("locked")}
    cells = runnable_cells(nb, demo)
    have = {label for label, _ in cells}
    cells = [(label, locked.get(label, src)) for label, src in cells]
    missing = [(gid, src) for gid, src in locked.items() if gid not in have and gid in setup]
    return missing + cells


@functools.lru_cache(maxsize=None)
def release(a):
    """The assignment's release notebook, read once per process (its locked cells are restored from it)."""
    return nbformat.read(a.release, 4)


def cells_of(nb, a) -> list[tuple[str, str]]:
    """The cells grading runs of a submission of the assignment `a` (see cells_to_run)."""
    return cells_to_run(nb, release(a), a.setup_cells, a.demo_cells)


def cells_key(cells: list[tuple[str, str]]) -> str:
    """What the checks' inputs are seeded from: the cells that run, not outputs or metadata, so the same code
    draws the same inputs however the notebook was saved (by the student, or re-saved by nbgrader)."""
    return hashlib.sha256(json.dumps(cells).encode()).hexdigest()


def runnable_cells(nb, demo: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(label, source) of every code cell the grader runs: all but test cells and the `demo` cells (locked
    cells that only show things)."""
    out = []
    for i, c in enumerate(nb.cells):
        meta = c.get("metadata", {}).get("nbgrader", {})
        gid = meta.get("grade_id") or c.get("id") or f"cell{i}"
        if c.get("cell_type") != "code" or (meta.get("grade") and not meta.get("solution")) or gid in demo:
            continue
        out.append((str(gid), _MAGIC.sub(r"\1pass  # \2", c.get("source", ""))))
    return out


def execute(cells: list[tuple[str, str]], ns: dict) -> list[str]:
    """Run each cell's code in ns as a kernel would (an error stops that cell only). Returns the errors."""
    errors = []
    for label, src in cells:
        filename = f"<cell {label}>"
        linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
        try:
            exec(compile(src, filename, "exec"), ns)
        except SyntaxError as e:
            errors.append(f"cell {label}: SyntaxError: {e.msg} (line {e.lineno})")
        except (Exception, SystemExit) as e:
            first = str(e).strip().splitlines()[0][:200] if str(e).strip() else ""
            errors.append(f"cell {label}: {type(e).__name__}{': ' + first if first else ''}")
    return errors

