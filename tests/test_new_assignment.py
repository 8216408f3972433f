"""A new assignment is a folder plus its notebook: the tiny `squares` assignment (tests/squares/), which lives
outside the package, is released, graded by the engine, by nbgrader autograde and by the Gradescope entry
point, and graded beside backprop in one folder, without any change to the engine or the front doors."""
import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder import assignments
from autograder.__main__ import main
from autograder.doors import course, gradescope, submissions
from autograder.engine.engine import Engine
from helpers import BY_NAME, ROOT, filled

HERE = Path(__file__).resolve().parent / "squares"
pytestmark = pytest.mark.nbgrader


@pytest.fixture(scope="module")
def squares(tmp_path_factory):
    root = tmp_path_factory.mktemp("squares") / "course"
    shutil.copytree(HERE, root)
    shutil.copy(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(assignments.ENV, str(root / "assignments" / "squares"))
        a = assignments.get("squares")
        course.release(a)
        yield a


def answers(a):
    return {"key": submissions.Answer("key", {})} | {x.name: x for x in submissions.all_answers(a)}


def test_it_is_found_beside_the_built_in_ones(squares):
    known = assignments.all()
    assert {"backprop", "squares"} <= set(known)
    assert squares.points == 2 and squares.kinds == ["numpy"] and squares.probes == ["square"]


def test_it_is_released_without_its_solution_or_hidden_tests(squares):
    text = squares.release.read_text()
    assert "raise NotImplementedError()" in text and "return x * x" not in text
    assert "HIDDEN TESTS" not in text and "check(" not in text
    assert squares.solutions.is_file()


def test_the_engine_grades_it_with_its_own_checks(squares, tmp_path):
    graded = {}
    with Engine([squares]) as engine:
        for name, ans in answers(squares).items():
            path = tmp_path / f"{name}.ipynb"
            nbformat.write(submissions.fill(ans, squares), path)
            graded[name] = engine.grade(path, squares)
        blank = tmp_path / "blank.ipynb"
        shutil.copy(squares.release, blank)
        graded["blank"] = engine.grade(blank, squares)
    assert graded["key"].score == graded["loop"].score == 2
    assert graded["blank"].score == 0
    for name, ans in answers(squares).items():
        for check, tag in ans.fails:
            v = {v.check: v for v in graded[name].verdicts}[check]
            assert not v.passed and v.tag == tag and squares.hints[tag] in v.message, v
        assert graded[name].score == 2 - len(ans.fails)


def test_nbgrader_autograde_takes_its_verdicts_from_the_engine(squares, tmp_path):
    root = course.new_course(tmp_path / "course", [squares])
    release = root / "release" / "squares" / "squares.ipynb"
    for name, ans in answers(squares).items():
        submissions.submit(root, squares, name, submissions.fill(ans, squares, release))
    course.autograde(root, squares)
    scores = {r["student"]: r["score"] for r in course.scores(root, squares)}
    assert scores == {"key": 2, "loop": 2, "bug_doubled": 1, "bug_in_place": 1}
    feedback = (root / "feedback" / "bug_doubled" / "squares" / "squares.html").read_text()
    assert "doubled x instead of squaring it" in feedback and "check(" not in feedback


def test_the_gradescope_entry_point_grades_it(squares, tmp_path):
    out = tmp_path / "gs.zip"
    names = gradescope.build(out, squares)
    assert "assignments/squares/__init__.py" in names and "release/squares/squares.ipynb" in names
    base = tmp_path / "autograder"
    with zipfile.ZipFile(out) as z:
        z.extractall(base / "source")
    (base / "submission").mkdir()
    (base / "results").mkdir()
    nbformat.write(submissions.fill(answers(squares)["bug_doubled"], squares), base / "submission" / "squares.ipynb")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", assignments.ENV)}
    env |= {"AUTOGRADER_BASE": str(base), "AUTOGRADER_PYTHON": sys.executable}
    proc = subprocess.run(["bash", "run_autograder"], cwd=base / "source", env=env, capture_output=True, text=True,
                          timeout=300)
    results = json.loads((base / "results" / "results.json").read_text())
    assert results["score"] == 1, proc.stdout + proc.stderr
    assert [t["name"] for t in results["tests"]] == ["Part 1: values", "Part 1: leaves x unchanged"]


def test_a_folder_with_two_assignments_grades_each_with_its_own_checks(squares, tmp_path):
    folder = tmp_path / "submitted"
    for student in ("ann", "bob"):
        (folder / student / "squares").mkdir(parents=True)
        nbformat.write(submissions.fill(answers(squares)["key"], squares),
                       folder / student / "squares" / "squares.ipynb")
    (folder / "ann" / "backprop").mkdir()
    nbformat.write(filled("key"), folder / "ann" / "backprop" / "backprop.ipynb")
    out = tmp_path / "grades.csv"
    assert main(["grade", str(folder), "--csv", str(out), "--no-progress"]) == 0
    with open(out) as f:
        rows = {(r["student"], r["assignment"]): r for r in csv.DictReader(f)}
    assert set(rows) == {("ann", "squares"), ("bob", "squares"), ("ann", "backprop")}
    assert rows[("ann", "backprop")]["score"] == "100"
    assert rows[("ann", "backprop")]["backprop.backward_W2"] == f"{BY_NAME['backward_W2'].points:g}"
    assert rows[("bob", "squares")]["score"] == "2" and rows[("bob", "squares")]["squares.square_values"] == "1"
    assert rows[("bob", "squares")]["backprop.backward_W2"] == ""
