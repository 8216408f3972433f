"""Command line: python -m autograder COMMAND ... (each command lives in its own module)."""
from __future__ import annotations

import argparse
import importlib
import sys

# command -> module exposing configure(parser) and run(args) -> exit code
COMMANDS = {
    "grade": "autograder.doors.grade",
    "release": "autograder.doors.course",
    "demo": "autograder.doors.course",
    "report": "autograder.doors.report",
    "gradescope": "autograder.doors.gradescope",
    "worker": "autograder.doors.serve",
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m autograder",
                                 description="Grade the course's assignments and run the course.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name, module in COMMANDS.items():
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as e:
            if e.name != module:
                raise
            continue
        mod.configure(sub.add_parser(name, help=mod.HELP[name]), name)
    args = ap.parse_args(argv)
    return importlib.import_module(COMMANDS[args.cmd]).run(args) or 0


if __name__ == "__main__":
    sys.exit(main())
