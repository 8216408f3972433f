"""An assignment as data: everything the engine and the front doors need to know about one exercise."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .check import Check

# Modules a worker loads before any submission, so that a submission's first import costs nothing.
COMMON_PRELOAD = ("abc argparse array bisect collections collections.abc copy csv dataclasses decimal enum fractions "
                  "functools heapq inspect itertools json math numbers operator pathlib pprint random re statistics "
                  "string textwrap time timeit types typing warnings contextlib traceback cProfile pstats "
                  "concurrent.futures unittest encodings.idna numpy numpy.linalg numpy.random numpy.testing "
                  "matplotlib matplotlib.pyplot").split()
META = "autograder"       # the notebook metadata key this package writes (flags, notes) and reads (stand-ins)
TORCH_PRELOAD = ("torch torch.nn torch.nn.functional torch.optim torch.autograd torch.func").split()


@dataclass(frozen=True, eq=False)
class Assignment:
    """One exercise. `module` is the import path of the package that defines it (its checks are found there
    again inside the worker); `course` is the folder holding source/NAME/NAME.ipynb and release/."""

    name: str
    title: str
    module: str
    folder: Path                                    # the package's folder: workers may read it
    course: Path
    checks: tuple[Check, ...]
    hints: dict[str, str] = field(default_factory=dict)
    written: tuple[str, ...] = ()                   # grade ids of the hand-graded written answers
    written_points: float = 0.0
    setup_cells: tuple[str, ...] = ()               # locked cells run even when a submission deleted them
    demo_cells: tuple[str, ...] = ()                # locked cells that only show things: grading skips them
    preload: dict[str, tuple[str, ...]] = field(default_factory=dict)     # worker kind -> extra modules
    fixes: Callable[[dict, Check], dict] | None = None   # stand-ins for pieces that failed their own check
    demo: tuple = ()                                # the demo class: (kind, answer names) per student

    def __post_init__(self):
        names = [c.name for c in self.checks]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: check names must be unique within the assignment")
        for c in self.checks:
            c.hints = self.hints

    @property
    def by_name(self) -> dict[str, Check]:
        return {c.name: c for c in self.checks}

    @property
    def parts(self) -> list[str]:
        """The parts in notebook order."""
        return list(dict.fromkeys(c.part for c in self.checks))

    @property
    def points(self) -> float:
        return sum(c.points for c in self.checks)

    @property
    def kinds(self) -> list[str]:
        """The workers its checks need, in the order they are asked."""
        return list(dict.fromkeys(c.kind for c in self.checks))

    @property
    def probes(self) -> list[str]:
        """The names of the student's functions and classes its checks call."""
        return sorted({u for c in self.checks for u in c.uses})

    @property
    def notebook(self) -> str:
        return f"{self.name}.ipynb"

    @property
    def source(self) -> Path:
        return self.course / "source" / self.name / self.notebook

    @property
    def release(self) -> Path:
        return self.course / "release" / self.name / self.notebook

    @property
    def solutions(self) -> Path:
        return self.course / "solutions" / self.name / self.notebook

    def modules(self, kind: str) -> list[str]:
        """What a worker of `kind` loads ahead of submissions for this assignment (besides its package)."""
        base = COMMON_PRELOAD + (TORCH_PRELOAD if kind == "torch" else [])
        return base + list(self.preload.get(kind, ()))
