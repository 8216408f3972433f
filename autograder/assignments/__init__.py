"""The course's assignments: one package per folder here, and any package folder named in the environment
variable BACKPROP_ASSIGNMENTS (separated by os.pathsep), each defining `ASSIGNMENT`."""
from __future__ import annotations

import functools
import importlib
import os
import pkgutil
import sys
from pathlib import Path

from ..core.assignment import Assignment

ENV = "BACKPROP_ASSIGNMENTS"


def extra_folders() -> list[Path]:
    return [Path(p).resolve() for p in os.environ.get(ENV, "").split(os.pathsep) if p.strip()]


@functools.lru_cache(maxsize=None)
def _load(extra: tuple[Path, ...]) -> dict[str, Assignment]:
    modules = [f"{__name__}.{m.name}" for m in pkgutil.iter_modules(__path__) if m.ispkg]
    for folder in extra:
        if str(folder.parent) not in sys.path:
            sys.path.append(str(folder.parent))
        modules.append(folder.name)
    found = {}
    for name in modules:
        a = importlib.import_module(name).ASSIGNMENT
        if a.name in found:
            raise ValueError(f"two assignments are called {a.name!r} ({found[a.name].module} and {a.module})")
        found[a.name] = a
    return found


def all() -> dict[str, Assignment]:  # noqa: A001  (the registry's natural name)
    """Every assignment, by name, in a stable order."""
    return dict(sorted(_load(tuple(extra_folders())).items()))


def get(name: str) -> Assignment:
    known = all()
    if name not in known:
        raise KeyError(f"no assignment called {name!r} (known: {', '.join(known) or 'none'})")
    return known[name]


def infer(path: Path, nb=None, below: Path | None = None) -> Assignment | None:
    """The assignment a submission belongs to: a folder on its path (below the folder `below`, when given)
    or its file named after one (nbgrader's submitted/<student>/<assignment>/ layout, or
    <assignment>.ipynb), else the one whose answer cells the notebook holds. None when nothing matches."""
    known = all()
    path = Path(path)
    folders = path.parent.relative_to(below).parts if below and path.is_relative_to(below) else path.parent.parts
    for part in [path.stem, *reversed(folders)]:
        if part in known:
            return known[part]
    if nb is None:
        return next(iter(known.values())) if len(known) == 1 else None
    ids = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in nb.get("cells", [])} - {None}
    best = max(known.values(), key=lambda a: len(ids & _grade_ids(a)), default=None)
    return best if best is not None and ids & _grade_ids(best) else None


@functools.lru_cache(maxsize=None)
def _grade_ids(a: Assignment) -> frozenset:
    import nbformat
    if not a.release.is_file():
        return frozenset()
    nb = nbformat.read(a.release, 4)
    return frozenset(c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells) - {None}
