"""Turning engine reports into the formats course tools read: Gradescope results.json and CSV rows."""
from __future__ import annotations

import csv
import json
import os
from pathlib import Path

from ..core.assignment import Assignment
from ..engine.engine import Report


def gradescope(report: Report) -> dict:
    parts = list(dict.fromkeys(v.part for v in report.verdicts))
    within = {}                                 # numbered within each part: 1.1, 1.2, ..., 2.1, ...
    tests = []
    for v in report.verdicts:
        within[v.part] = within.get(v.part, 0) + 1
        tests.append({"name": f"{v.part}: {v.title}", "number": f"{parts.index(v.part) + 1}.{within[v.part]}",
                      "score": v.points, "max_score": v.max_points, "status": "passed" if v.passed else "failed",
                      "output": v.message, "visibility": "visible", "tags": [v.tag] if v.tag else []})
    summary = [f"Autograded score: {report.score:g} / {report.max_score:g}."] + report.notes
    return {"score": report.score, "output": "\n".join(summary), "output_format": "text",
            "visibility": "visible", "stdout_visibility": "hidden", "tests": tests, "sandbox": report.sandbox,
            "extra_data": {"student": report.student, "assignment": report.assignment, "flags": report.flags,
                           "notes": report.notes,
                           "sandbox": report.sandbox,
                           "seconds": round(report.seconds, 3),
                           "checks": [{"check": v.check, "passed": v.passed, "points": v.points,
                                       "max_points": v.max_points, "tag": v.tag} for v in report.verdicts]}}


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:     # grades are private
        f.write(json.dumps(data, indent=2))
    tmp.replace(path)


def failed_results(message: str) -> dict:
    """What Gradescope receives when grading itself could not run: a zero and the reason."""
    return {"score": 0.0, "output": message, "output_format": "text", "visibility": "visible", "tests": []}


FIELDS = ["student", "assignment", "score", "max_score", "flags", "seconds", "submission", "sandbox", "notes"]


def csv_fields(chosen: list[Assignment]) -> list[str]:
    """The columns of a grades CSV: the submission's, then each check's points (every assignment's checks,
    in order; a row leaves the other assignments' columns empty)."""
    return FIELDS + list(dict.fromkeys(c.name if len(chosen) == 1 else f"{a.name}.{c.name}"
                                       for a in chosen for c in a.checks))


def csv_row(report: Report, qualified: bool = False) -> dict:
    row = {"student": report.student, "assignment": report.assignment, "score": f"{report.score:g}",
           "max_score": f"{report.max_score:g}",
           "flags": " ".join(report.flags), "seconds": f"{report.seconds:.2f}", "submission": report.submission,
           "sandbox": report.sandbox,
           "notes": " | ".join(report.notes)[:2000]}
    row |= {f"{report.assignment}.{v.check}" if qualified else v.check: f"{v.points:g}" for v in report.verdicts}
    return row


class CsvLog:
    """A CSV file that gains a row, flushed, as each submission finishes."""

    def __init__(self, path: Path, chosen: list[Assignment]):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.qualified = len(chosen) > 1
        self.f = open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", newline="")
        self.w = csv.DictWriter(self.f, fieldnames=csv_fields(chosen))
        self.w.writeheader()
        self.f.flush()

    def add(self, report: Report) -> None:
        self.w.writerow(csv_row(report, self.qualified))
        self.f.flush()

    def close(self) -> None:
        self.f.close()
