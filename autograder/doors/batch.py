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
from ..engine.engine import Engine, Report
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


def _internal_error(student: str, path: Path, a: Assignment | None, exc: BaseException) -> Report:
    text = f"grading failed inside the grader ({type(exc).__name__}: {exc}); please report this"
    verdicts = [c.verdict(False, f"{c.part}, {c.title}: not graded: {text}.", Outcome.INTERNAL.value)
                for c in (a.checks if a else ())]
    return Report(str(path), student, verdicts, [text, traceback.format_exc(limit=3)], [Outcome.INTERNAL.value],
                  assignment=a.name if a else "")


def record_failure(items: list[Item], exc: BaseException, csv_path: Path | None, results_dir: Path | None) -> None:
    """When the grader itself could not start: a row and a results file for every submission, saying so."""
    chosen = list(dict.fromkeys(a for _, _, a in items if a))
    log = results.CsvLog(csv_path, chosen) if csv_path else None
    for student, path, a in items:
        report = _internal_error(student, path, a, exc)
        if log:
            log.add(report)
        if results_dir:
            results_dir.mkdir(parents=True, exist_ok=True)
            results.write_json(results_dir / f"{_safe(student)}.json", results.gradescope(report))
    if log:
        log.close()


def _unknown(student: str, path: Path, engine: Engine) -> Report:
    known = ", ".join(registry.all())
    return Report(str(path), student, [], [f"{path.name}: not graded: it belongs to none of the assignments "
                                           f"({known}); name its folder or file after one, or pass --assignment."],
                  [Outcome.UNREADABLE.value], sandbox=engine.sandbox)


def _grade_one(engine: Engine, item: Item) -> Report:
    student, path, a = item
    return engine.grade(path, a, student) if a else _unknown(student, path, engine)


def grade_all(engine: Engine, items: list[Item], jobs: int, csv_path: Path | None,
              results_dir: Path | None, progress: bool = True) -> list[Report]:
    chosen = list(dict.fromkeys(a for _, _, a in items if a)) or list(engine.assignments.values())
    log = results.CsvLog(csv_path, chosen) if csv_path else None
    reports: list[Report] = []
    start = time.monotonic()
    bar = tqdm(total=len(items), unit="nb", disable=not progress, file=sys.stderr, dynamic_ncols=True)
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
                reports.append(report)
                if log:
                    log.add(report)
                if results_dir:
                    name = _safe(student) if len(chosen) == 1 else f"{_safe(student)}.{_safe(report.assignment)}"
                    results.write_json(results_dir / f"{name}.json", results.gradescope(report))
                bar.set_postfix_str(f"{student[:20]} {report.score:g}/{report.max_score:g}")
                bar.update()
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)
        bar.close()
        print(f"\ninterrupted: {len(reports)} of {len(items)} graded; their rows are kept.", file=sys.stderr)
        raise
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        bar.close()
        if log:
            log.close()
    print(summary(reports, time.monotonic() - start), file=sys.stderr)
    return reports


def summary(reports: list[Report], seconds: float) -> str:
    if not reports:
        return "no submissions found"
    scores = sorted(r.score for r in reports)
    median = statistics.median(scores)
    flags = {}
    for r in reports:
        for f in r.flags:
            flags[f] = flags.get(f, 0) + 1
    full = sum(r.score == r.max_score for r in reports)
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
