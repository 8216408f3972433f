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

from . import results
from .checks import CHECKS
from .engine import Engine, Report


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


def _internal_error(student: str, path: Path, exc: BaseException) -> Report:
    text = f"grading failed inside the grader ({type(exc).__name__}: {exc}); please report this"
    verdicts = [c.verdict(False, f"{c.part}, {c.title}: not graded: {text}.", "internal") for c in CHECKS]
    return Report(str(path), student, verdicts, [text, traceback.format_exc(limit=3)], ["internal_error"])


def grade_all(engine: Engine, items: list[tuple[str, Path]], jobs: int, csv_path: Path | None,
              results_dir: Path | None, progress: bool = True) -> list[Report]:
    log = results.CsvLog(csv_path) if csv_path else None
    reports: list[Report] = []
    start = time.monotonic()
    bar = tqdm(total=len(items), unit="nb", disable=not progress, file=sys.stderr, dynamic_ncols=True)
    pool = ThreadPoolExecutor(max_workers=jobs)
    futures = {pool.submit(engine.grade, path, student): (student, path) for student, path in items}
    try:
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                student, path = futures[fut]
                try:
                    report = fut.result()
                except Exception as e:
                    report = _internal_error(student, path, e)
                reports.append(report)
                if log:
                    log.add(report)
                if results_dir:
                    results.write_json(results_dir / f"{_safe(student)}.json", results.gradescope(report))
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
