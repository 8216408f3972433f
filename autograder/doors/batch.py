"""Grading many submissions in parallel, one row each whatever happens."""
from __future__ import annotations

import os
import statistics
import sys
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path

from tqdm import tqdm

from .. import assignments as registry
from ..core.assignment import Assignment
from ..core.outcome import Outcome
from ..engine.engine import Engine, Report, not_graded
from . import results

Item = tuple[str, Path, Assignment | None]      # student, file, the assignment it belongs to (None: unknown)


def find(root: Path) -> list[tuple[str, Path]]:
    """(student, path) for every submission below root: each notebook, or, in a folder with no notebook,
    whatever single file was handed in (so it still gets a row). nbgrader's submitted/<student>/<assignment>/
    layout names the student by the first folder."""
    files = [p for p in sorted(root.rglob("*")) if p.is_file() and not any(
        part.startswith(".") for part in p.relative_to(root).parts)]
    notebooks = [p for p in files if p.suffix == ".ipynb"]
    covered = {p.parent for p in notebooks}
    others = {}                                 # one row for each folder that holds no notebook
    for p in files:
        if p.suffix != ".ipynb" and p.parent not in covered and (p.parent != root or p.suffix == ".py"):
            others.setdefault(p if p.parent == root else p.parent, p)
    found = []
    for p in notebooks + list(others.values()):
        rel = p.relative_to(root).parts
        found.append((rel[0] if len(rel) > 1 else p.stem, p))
    return found


def assign(found: list[tuple[str, Path]], forced: Assignment | None = None, root: Path | None = None) -> list[Item]:
    """Each submission with its assignment: `forced`, else the one its path below `root` or its cells name."""
    import nbformat
    items = []
    for student, path in found:
        a = forced or registry.infer(path, below=root)
        if a is None and path.suffix == ".ipynb":
            try:
                a = registry.infer(path, nbformat.read(path, 4), below=root)
            except Exception:
                a = None
        items.append((student, path, a))
    return items


def _internal_error(student: str, path: Path, a: Assignment | None, exc: BaseException,
                    why: str | None = None) -> Report:
    """A submission the grader failed to grade: `why` (a cause outside the grader, e.g. an unreachable cluster),
    or the grader's own error, to be reported."""
    text = why or f"grading failed inside the grader ({type(exc).__name__}: {exc}); please report this."
    report = not_graded(path, a, student, text, Outcome.INTERNAL)
    if why is None:
        report.notes.append(traceback.format_exc(limit=3))
    return report


def record_failure(items: list[Item], exc: BaseException, csv_path: Path | None, results_dir: Path | None,
                   why: str | None = None) -> None:
    """When the grader itself could not start: a row and a results file for every submission, saying so."""
    rec = Recorder(items, chosen_of(items, []), csv_path, results_dir, progress=False)
    for student, path, a in items:
        rec.add(_internal_error(student, path, a, exc, why))
    rec.close()


def _unknown(student: str, path: Path, sandbox: str) -> Report:
    known = ", ".join(registry.all())
    return Report(str(path), student, [], [f"{path.name}: not graded: it belongs to none of the assignments "
                                           f"({known}); name its folder or file after one, or pass --assignment."],
                  [Outcome.UNREADABLE.value], sandbox=sandbox)


def _grade_one(engine: Engine, item: Item) -> Report:
    student, path, a = item
    return engine.grade(path, a, student) if a else _unknown(student, path, engine.sandbox)


class Recorder:
    """Where a run's reports go as each one finishes, whoever graded it: a CSV row (flushed), a results file,
    the progress bar; and at the end the run's summary."""

    def __init__(self, items: list[Item], chosen: list[Assignment], csv_path: Path | None,
                 results_dir: Path | None, progress: bool = True):
        self.total, self.chosen, self.results_dir = len(items), chosen, results_dir
        self.log = results.CsvLog(csv_path, chosen) if csv_path else None
        self.reports: list[Report] = []
        self.start = time.monotonic()
        self.bar = tqdm(total=len(items), unit="nb", disable=not progress, file=sys.stderr, dynamic_ncols=True)

    def add(self, report: Report) -> None:
        self.reports.append(report)
        if self.log:
            self.log.add(report)
        if self.results_dir:
            name = _safe(report.student) if len(self.chosen) == 1 else \
                f"{_safe(report.student)}.{_safe(report.assignment)}"
            results.write_json(self.results_dir / f"{name}.json", results.gradescope(report))
        self.bar.set_postfix_str(f"{report.student[:20]} {report.score:g}/{report.max_score:g}")
        self.bar.update()

    def close(self) -> None:
        self.bar.close()
        if self.log:
            self.log.close()

    def interrupted(self) -> None:
        self.close()
        print(f"\ninterrupted: {len(self.reports)} of {self.total} graded; their rows are kept.", file=sys.stderr)

    def finish(self, *more: str) -> list[Report]:
        self.close()
        print("\n".join([summary(self.reports, time.monotonic() - self.start), *more]), file=sys.stderr)
        return self.reports


def chosen_of(items: list[Item], fallback: list[Assignment]) -> list[Assignment]:
    """The assignments of a run: those of its submissions, in order of first appearance."""
    return list(dict.fromkeys(a for _, _, a in items if a)) or list(fallback)


def grade_all(engine: Engine, items: list[Item], jobs: int, csv_path: Path | None,
              results_dir: Path | None, progress: bool = True) -> list[Report]:
    rec = Recorder(items, chosen_of(items, engine.assignments.values()), csv_path, results_dir, progress)
    pool = ThreadPoolExecutor(max_workers=jobs)
    futures = {pool.submit(_grade_one, engine, item): item for item in items}
    try:
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                student, path, a = futures[fut]
                try:
                    report = fut.result()
                except Exception as e:
                    report = _internal_error(student, path, a, e)
                rec.add(report)
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)
        rec.interrupted()
        raise
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return rec.finish()


def summary(reports: list[Report], seconds: float) -> str:
    if not reports:
        return "no submissions found"
    scores = sorted(r.score for r in reports)
    median = statistics.median(scores)
    flags = {}
    for r in reports:
        for f in r.flags:
            flags[f] = flags.get(f, 0) + 1
    full = sum(r.max_score > 0 and r.score == r.max_score for r in reports)
    lines = [f"graded {len(reports)} submissions in {seconds:.1f} s ({60 * len(reports) / max(seconds, 1e-9):.0f} "
             f"per minute)",
             f"score: mean {sum(scores) / len(scores):.1f}, median {median:g}, "
             f"full marks {full}, zero {sum(s == 0 for s in scores)}"]
    if flags:
        lines.append("flags: " + ", ".join(f"{k} {v}" for k, v in sorted(flags.items())))
    return "\n".join(lines)


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name) or "submission"


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
