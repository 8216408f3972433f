"""A realistic demo class built from the answer files: about forty students with a roster."""
from __future__ import annotations

import csv
import random
from pathlib import Path

import nbformat

from ..core.assignment import Assignment
from . import submissions

FIRST = ("Ada Alan Barbara Claude Dana Edsger Frances Grace Hedy Ivan Jean Katherine Linus Margaret Niklaus Olga "
         "Peter Radia Sophie Tim Ursula Vint Wanda Xia Yann Zora Amir Bea Chen Dara Emeka Farah Goran Hana Ines "
         "Jonas Keiko Lena Mateo Nadia").split()
LAST = ("Lovelace Turing Liskov Shannon Scott Dijkstra Allen Hopper Lamarr Sutherland Sammet Johnson Torvalds "
        "Hamilton Wirth Ladyzhenskaya Naur Perlman Wilson Berners Franklin Cerf Holt Li LeCun Neumann Haddad Weber "
        "Wu Okafor Mensah Karimi Petrovic Sato Costa Berg Tanaka Novak Garcia Rahman").split()


def _merge(a: Assignment, names: tuple[str, ...]) -> submissions.Answer:
    """Answers combined: later files' cells win (bugs in different cells combine into a pair)."""
    cells = {}
    for n in names:
        cells |= submissions.answer(a, n).cells
    return submissions.Answer("+".join(names), cells)


def _half_finished(a: Assignment, upto: str) -> submissions.Answer:
    """The key's answer cells up to and including `upto`; the later ones left as released."""
    order = list(submissions.key_cells(a))
    release = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in nbformat.read(a.release, 4).cells}
    return submissions.Answer(f"half_finished_{upto}", {k: release[k] for k in order[order.index(upto) + 1:]})


def plan(a: Assignment) -> list[tuple[str, submissions.Answer]]:
    """(kind, answer) for every demo student of the assignment, in its fixed order."""
    return [(kind, _half_finished(a, names[0]) if kind == "half finished" else _merge(a, names))
            for kind, names in a.demo]


def build(course: Path, a: Assignment, seed: int = 7) -> list[dict]:
    """Write submitted/<student>/<assignment>/<assignment>.ipynb for the assignment's demo class (the same
    people, in the same order, for every assignment). Returns their roster rows."""
    release = course / "release" / a.name / a.notebook
    rng = random.Random(seed)
    people = list(zip(FIRST, LAST))
    rng.shuffle(people)
    roster = []
    for (kind, answer), (first, last) in zip(plan(a), people):
        sid = f"{first.lower()}.{last.lower()}"
        nb = submissions.fill(answer, a, release)
        submissions.submit(course, a, sid, nbformat.writes(nb)[:5000] if kind == "unreadable" else nb)
        roster.append({"id": sid, "first_name": first, "last_name": last, "email": f"{sid}@example.edu",
                       "demo_kind": kind, "demo_answer": "truncated file" if kind == "unreadable" else answer.name})
    return roster


def write_roster(path: Path, rows: list[dict]) -> None:
    """One row per student (the first assignment's row names their demo answer)."""
    people = {}
    for r in rows:
        people.setdefault(r["id"], r)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(people.values())
