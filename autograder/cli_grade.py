"""python -m autograder grade: one notebook to Gradescope results.json, or a folder of them to a CSV."""
from __future__ import annotations

from pathlib import Path

from .engine import Limits

HELP = {"grade": "grade one notebook (Gradescope results.json) or every notebook below a folder"}


def configure(p, name: str) -> None:
    p.add_argument("path", type=Path, help="a submitted notebook, or a folder of them (nbgrader's submitted/ too)")
    p.add_argument("--results", type=Path, help="where to write results.json for a single notebook")
    p.add_argument("--jobs", type=int, default=None, help="submissions graded at once (default: the cores)")
    p.add_argument("--csv", type=Path, help="folder mode: one row per submission, written as each finishes")
    p.add_argument("--results-dir", type=Path, help="folder mode: a Gradescope-format JSON per submission")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    d = Limits()
    p.add_argument("--check-seconds", type=float, default=d.check_seconds, help="wall-clock limit of one check")
    p.add_argument("--submission-seconds", type=float, default=d.submission_seconds,
                   help="wall-clock limit of one submission, all checks together")
    p.add_argument("--memory-mb", type=int, default=d.memory >> 20, help="memory a submission may use")


def run(args) -> int:
    import sys

    from . import batch, results, sandbox
    from .engine import Engine
    if not sandbox.is_root():
        print("warning: not running as root, so each submission runs in its own process with limits, but the "
              "network and the course's files are not hidden from it. Grade as root for the full sandbox.",
              file=sys.stderr)
    limits = Limits(check_seconds=args.check_seconds, submission_seconds=args.submission_seconds,
                    memory=args.memory_mb << 20)
    path = args.path
    if path.is_dir():
        items = batch.find(path)
        outputs = [p for p in (args.csv, args.results_dir) if p]
        if args.results_dir:
            args.results_dir.mkdir(parents=True, exist_ok=True)
        with Engine(limits, hide=[path, *outputs]) as engine:
            try:
                batch.grade_all(engine, items, args.jobs or batch.default_jobs(), args.csv, args.results_dir,
                                progress=not args.no_progress)
            except KeyboardInterrupt:
                return 130
        return 0
    out = args.results or Path("results.json")
    try:
        with Engine(limits, hide=[path.parent, out]) as engine:
            report = engine.grade(path)
    except Exception as e:          # the file is always written, whatever went wrong
        results.write_json(out, results.failed_results(f"Grading could not run: {type(e).__name__}: {e}"))
        raise
    results.write_json(out, results.gradescope(report))
    print(f"{report.student}: {report.score:g} / {report.max_score:g} -> {out}")
    return 0
