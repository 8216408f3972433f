"""The demo class that the README's main command grades."""
import csv
from collections import Counter

import nbformat

from autograder.doors import course, democlass, submissions
from helpers import A, answer


def test_plan_covers_every_kind_of_student():
    kinds = Counter(kind for kind, _ in democlass.plan(A))
    assert sum(kinds.values()) + 1 >= 40
    assert kinds["correct"] >= 4 and kinds["bug"] >= 10 and kinds["two bugs"] >= 3
    assert kinds["half finished"] and kinds["broken"] >= 4 and kinds["hostile"] >= 3


def test_build_writes_a_roster_and_one_notebook_per_student(tmp_path):
    root = course.new_course(tmp_path / "course", [A])
    roster = democlass.build(root, A)
    democlass.write_roster(root / "roster.csv", roster)
    with open(root / "roster.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["id"] for r in rows] == [r["id"] for r in roster] and len({r["id"] for r in rows}) == len(rows)
    assert {"id", "first_name", "last_name", "email"} <= set(rows[0])
    readable = 0
    for r in rows:
        path = root / "submitted" / r["id"] / "backprop" / "backprop.ipynb"
        try:
            nbformat.validate(nbformat.read(path, 4))
            readable += 1
        except Exception:
            assert r["demo_kind"] == "unreadable"
    assert readable == len(rows) - 1


def test_pairs_of_bugs_keep_both_bugs():
    """Each pair breaks different cells, so both bugs are in the merged answer."""
    pairs = [a for kind, a in democlass.plan(A) if kind == "two bugs"]
    assert pairs
    for pair in pairs:
        parts = [answer(n) for n in pair.name.split("+")]
        assert not set(parts[0].cells) & set(parts[1].cells), pair.name
        for part in parts:
            assert all(pair.cells[k] == v for k, v in part.cells.items()), (pair.name, part.name)
