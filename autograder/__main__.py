"""Command line: python -m autograder {grade,release,demo} ..."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import course

DEMO_SET = ["key", "style_layers", "style_einsum", "style_dataclass", "bug_missing_inv_B", "bug_relu_derivative",
            "bug_naive_softmax", "bug_no_zero_grad", "bug_torch_in_numpy", "broken_syntax", "broken_missing",
            "broken_blank"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("release", help="regenerate release/ and solutions/ from source/ with nbgrader")
    d = sub.add_parser("demo", help="grade a demo class with nbgrader in a fresh course directory")
    d.add_argument("--dir", type=Path, default=Path("build/demo"), help="course directory to create")
    d.add_argument("--all", action="store_true", help="submit every answer in tests/answers, not the demo set")
    g = sub.add_parser("grade", help="grade one notebook (Gradescope results.json) or every notebook below a folder")
    g.add_argument("path", type=Path, help="a submitted notebook, or a folder of them (nbgrader's submitted/ too)")
    g.add_argument("--results", type=Path, help="where to write results.json for a single notebook")
    g.add_argument("--jobs", type=int, default=None, help="submissions graded at once (default: the cores)")
    g.add_argument("--csv", type=Path, help="folder mode: one row per submission, written as each finishes")
    g.add_argument("--results-dir", type=Path, help="folder mode: a Gradescope-format JSON per submission")
    g.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = ap.parse_args(argv)
    if args.cmd == "grade":
        return grade(args)
    if args.cmd == "release":
        print(f"released to {course.release()}")
    elif args.cmd == "demo":
        rows = course.demo(args.dir.resolve(), None if args.all else DEMO_SET)
        print(course.table(rows))
        print(f"\ngradebook, feedback and grades.csv in {args.dir}/ (feedback/<student>/{course.ASSIGNMENT}/)")
    return 0


def grade(args) -> int:
    from . import batch, results
    from .engine import Engine
    path = args.path
    if path.is_dir():
        items = batch.find(path)
        with Engine(hide=[path]) as engine:
            try:
                batch.grade_all(engine, items, args.jobs or batch.default_jobs(), args.csv, args.results_dir,
                                progress=not args.no_progress)
            except KeyboardInterrupt:
                return 130
        return 0
    out = args.results or Path("results.json")
    try:
        with Engine(hide=[path.parent]) as engine:
            report = engine.grade(path)
    except Exception as e:          # the file is always written, whatever went wrong
        results.write_json(out, results.failed_results(f"Grading could not run: {type(e).__name__}: {e}"))
        raise
    results.write_json(out, results.gradescope(report))
    print(f"{report.student}: {report.score:g} / {report.max_score:g} -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
