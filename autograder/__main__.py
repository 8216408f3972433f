"""Command line: python -m autograder {release,demo} ..."""
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
    args = ap.parse_args(argv)
    if args.cmd == "release":
        print(f"released to {course.release()}")
    elif args.cmd == "demo":
        rows = course.demo(args.dir.resolve(), None if args.all else DEMO_SET)
        print(course.table(rows))
        print(f"\ngradebook, feedback and grades.csv in {args.dir}/ (feedback/<student>/{course.ASSIGNMENT}/)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
