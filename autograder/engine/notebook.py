"""Reading a submission: which cells run, and running them into a namespace."""
from __future__ import annotations

import linecache
import re


DEMO_CELLS = {"plots"}          # locked cells that only show things; grading skips them
_MAGIC = re.compile(r"^([ \t]*)([%!].*)$", re.M)


def runnable_cells(nb) -> list[tuple[str, str]]:
    """(label, source) of every code cell the grader runs: all but test cells and demo cells."""
    out = []
    for i, c in enumerate(nb.cells):
        meta = c.get("metadata", {}).get("nbgrader", {})
        gid = meta.get("grade_id") or c.get("id") or f"cell{i}"
        if c.get("cell_type") != "code" or (meta.get("grade") and not meta.get("solution")) or gid in DEMO_CELLS:
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

