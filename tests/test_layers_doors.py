"""The layers assignment through every front door: the sandboxed engine, real nbgrader autograde on a course
holding both assignments, the grade command (the assignment read from the notebook), the Gradescope entry
point and the class report."""
import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile

import nbformat
import pytest

from autograder.__main__ import main
from autograder.doors import course, gradescope, submissions
from autograder.engine.engine import Engine, Limits
from helpers import A as BACKPROP, ROOT
from layers_answers import A

CORRECT = ["key", "style_base_class", "style_einsum", "style_dataclass"]
BUGS = ["bug_bias_forgotten", "bug_transposed_dW", "bug_ln_dx_no_mean_term", "bug_clip_per_tensor",
        "bug_rebinds", "bug_torch_not_transposed"]
OTHERS = ["broken_blank", "broken_missing_method", "broken_forward_none", "hostile_fake_results",
          "hostile_infinite_loop"]


def notebook(name):
    return submissions.fill(submissions.answer(A, name), A)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("layers") / "submitted"
    for name in CORRECT + BUGS + OTHERS:
        (folder / name / "layers").mkdir(parents=True)
        nbformat.write(notebook(name), folder / name / "layers" / "layers.ipynb")
    out = folder.parent / "grades.csv"
    assert main(["grade", str(folder), "--csv", str(out), "--results-dir", str(folder.parent / "results"),
                 "--check-seconds", "5", "--no-progress"]) == 0
    with open(out) as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    return rows, folder.parent


@pytest.mark.parametrize("name", CORRECT)
def test_correct_styles_get_full_marks_through_the_engine(graded, name):
    row = graded[0][name]
    assert row["assignment"] == "layers" and row["score"] == "100", row["notes"]


@pytest.mark.parametrize("name", BUGS)
def test_seeded_bugs_lose_their_checks_through_the_engine(graded, name):
    row = graded[0][name]
    for check, _ in submissions.answer(A, name).fails:
        assert row[check] == "0", (check, row)
    assert 0 < float(row["score"]) < 100


def test_blank_and_forged_results_score_zero(graded):
    rows, _ = graded
    assert rows["broken_blank"]["score"] == rows["hostile_fake_results"]["score"] == "0"


def test_broken_answers_get_rows_and_messages(graded):
    rows, out = graded
    for name in ("broken_missing_method", "broken_forward_none"):
        data = json.loads((out / "results" / f"{name}.json").read_text())
        failed = [t["output"] for t in data["tests"] if t["status"] == "failed"]
        assert failed and all(m.strip() for m in failed)
    missing = json.loads((out / "results" / "broken_missing_method.json").read_text())
    assert any("has no method `backward`" in t["output"] for t in missing["tests"])


def test_a_looping_method_loses_only_the_checks_that_reach_it(graded):
    rows, out = graded
    row = rows["hostile_infinite_loop"]
    assert "timeout" in row["flags"] and 0 < float(row["score"]) < 100
    data = json.loads((out / "results" / "hostile_infinite_loop.json").read_text())
    stopped = [t for t in data["tests"] if "did not finish" in t["output"]]
    assert stopped and all("Linear.backward" in t["output"] for t in stopped)
    assert row["linear_forward"] == "2"


def test_the_class_report_reads_the_layers_results(graded, tmp_path):
    _, out = graded
    assert main(["report", str(out / "results"), "--out", str(tmp_path / "r.html")]) == 0
    text = (tmp_path / "r.html").read_text()
    assert "layers: class report" in text and "ln_backward_dx" in text


@pytest.mark.nbgrader
def test_nbgrader_autograde_on_a_course_holding_both_assignments(tmp_path):
    root = course.new_course(tmp_path / "course", [BACKPROP, A])
    assert (root / "release" / "backprop" / "backprop.ipynb").is_file()
    release = root / "release" / "layers" / "layers.ipynb"
    for name in CORRECT + ["broken_blank", "bug_transposed_dW"]:
        submissions.submit(root, A, name, submissions.fill(submissions.answer(A, name), A, release))
    course.autograde(root, A)
    scores = {r["student"]: r["score"] for r in course.scores(root, A)}
    assert [scores[n] for n in CORRECT] == [100] * len(CORRECT) and scores["broken_blank"] == 0
    assert 0 < scores["bug_transposed_dW"] < 100
    feedback = (root / "feedback" / "bug_transposed_dW" / "layers" / "layers.html").read_text()
    assert "Likely cause" in feedback and "check(" not in feedback
    with open(root / "grades.csv") as f:
        exported = [r for r in csv.DictReader(f) if r["assignment"] == "layers"]
    assert {r["student_id"]: float(r["raw_score"]) for r in exported}["key"] == 100
    assert main(["report", str(root), "--assignment", "layers", "--out", str(tmp_path / "r.html")]) == 0


def test_the_gradescope_entry_point_grades_layers(tmp_path):
    out = tmp_path / "gs.zip"
    names = gradescope.build(out, A)
    assert "release/layers/layers.ipynb" in names and not [n for n in names if n.startswith(("source", "solutions"))]
    base = tmp_path / "autograder"
    with zipfile.ZipFile(out) as z:
        z.extractall(base / "source")
    (base / "submission").mkdir()
    (base / "results").mkdir()
    nbformat.write(notebook("style_dataclass"), base / "submission" / "layers.ipynb")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env |= {"AUTOGRADER_BASE": str(base), "AUTOGRADER_PYTHON": sys.executable}
    proc = subprocess.run(["bash", "run_autograder"], cwd=base / "source", env=env, capture_output=True, text=True,
                          timeout=400)
    results = json.loads((base / "results" / "results.json").read_text())
    assert results["score"] == 100, proc.stdout + proc.stderr
    assert len(results["tests"]) == len(A.checks)


def test_release_stubs_score_zero_and_the_committed_release_is_current(tmp_path):
    shutil.copy(A.release, tmp_path / "layers.ipynb")
    with Engine([A], Limits(check_seconds=10)) as engine:
        assert engine.grade(tmp_path / "layers.ipynb", A).score == 0
    fresh = course.new_course(tmp_path / "course", [A])
    committed, generated = nbformat.read(A.release, 4), nbformat.read(fresh / "release" / "layers" / "layers.ipynb", 4)
    assert [c.source for c in committed.cells] == [c.source for c in generated.cells]
