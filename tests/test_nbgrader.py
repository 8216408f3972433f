"""The real nbgrader pipeline on a copy of the course: release, validate, autograde, feedback, export."""
import re
from html import unescape

import nbformat
import pytest

from autograder.doors import course, submissions
from helpers import A, ANSWERS_DIR, ROOT, filled

pytestmark = pytest.mark.nbgrader

FULL = ["key"] + sorted(p.stem for p in ANSWERS_DIR.glob("style_*.py"))       # the whole style zoo
STUDENTS = FULL + ["bug_missing_inv_B", "bug_torch_in_numpy", "broken_syntax", "broken_exception",
                   "broken_wrong_types", "broken_blank", "hostile_patch_allclose", "hostile_fake_results"]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = course.new_course(tmp_path_factory.mktemp("course") / "course", [A])
    release = root / "release" / "backprop" / "backprop.ipynb"
    for name in STUDENTS:
        submissions.submit(root, A, name, filled(name, release))
    submissions.submit(root, A, "not_a_notebook", "this is { not json")
    course.autograde(root, A)
    return root


def test_committed_release_is_what_nbgrader_generates(tmp_path):
    root = course.new_course(tmp_path / "course", [A])
    fresh = nbformat.read(root / "release" / "backprop" / "backprop.ipynb", 4)
    committed = nbformat.read(A.release, 4)
    assert [(c.id, c.source, c.metadata) for c in fresh.cells] == \
           [(c.id, c.source, c.metadata) for c in committed.cells], "run: python -m autograder release"


def test_validate_passes_on_source_and_fails_on_release():
    ok = course.nbgrader("validate", str(A.source), cwd=ROOT)
    assert "Success! Your notebook passes all the tests." in ok.stdout, ok.stdout[-2000:]
    inverted = course.nbgrader("validate", "--invert", str(A.release), cwd=ROOT)
    assert "Success! The notebook does not pass any tests." in inverted.stdout, inverted.stdout[-2000:]


def test_correct_answers_in_every_style_get_full_marks(graded):
    rows = {r["student"]: r for r in course.scores(graded, A)}
    for name in FULL:
        assert rows[name]["score"] == rows[name]["max"] == 100, rows[name]


def test_every_submission_gets_a_grade_row(graded):
    rows = {r["student"]: r for r in course.scores(graded, A)}
    assert set(STUDENTS) <= set(rows)
    assert rows["broken_blank"]["score"] == 0
    assert rows["not_a_notebook"]["score"] == 0
    assert 0 < rows["broken_syntax"]["score"] < 100
    csv_rows = course.read_csv(graded / "grades.csv")
    assert {r["student_id"] for r in csv_rows} >= set(STUDENTS)


def test_seeded_bug_loses_the_points_of_its_checks(graded):
    rows = {r["student"]: r for r in course.scores(graded, A)}
    assert {"backward_W2", "backward_W1", "backward_batch_scaling"} <= set(rows["bug_missing_inv_B"]["lost"])
    assert "relu" not in rows["bug_missing_inv_B"]["lost"]
    assert "forward_loss" in rows["bug_torch_in_numpy"]["lost"]


def _feedback_text(root, student):
    html = (root / "feedback" / student / "backprop" / "backprop.html").read_text()
    return html, unescape(re.sub(r"<[^>]+>", "", html))


def test_feedback_shows_messages_but_no_hidden_test_source(graded):
    html, text = _feedback_text(graded, "broken_exception")
    assert "KeyError: 'probs'" in text
    for student in STUDENTS:
        html, _ = _feedback_text(graded, student)
        assert "HIDDEN TESTS" not in html and "autograder.incell" not in html, student


def test_tampering_earns_nothing_through_nbgrader_either(graded):
    rows = {r["student"]: r for r in course.scores(graded, A)}
    gradients = {"backward_W2", "backward_b2", "backward_W1", "backward_b1", "backward_X", "backward_batch_scaling"}
    assert gradients <= set(rows["hostile_patch_allclose"]["lost"]) and gradients <= set(rows["bug_missing_inv_B"]["lost"])
    assert rows["hostile_fake_results"]["score"] == 0


def test_in_kernel_grading_agrees_on_correct_answers(tmp_path):
    """With BACKPROP_GRADING=kernel, nbgrader runs the hidden tests in its own kernel, calling the same checks."""
    import os
    root = course.new_course(tmp_path / "course", [A])
    release = root / "release" / "backprop" / "backprop.ipynb"
    for name in ("key", "style_layers", "bug_missing_inv_B"):
        submissions.submit(root, A, name, filled(name, release))
    os.environ["BACKPROP_GRADING"] = "kernel"
    try:
        course.autograde(root, A)
    finally:
        del os.environ["BACKPROP_GRADING"]
    rows = {r["student"]: r for r in course.scores(root, A)}
    assert rows["key"]["score"] == rows["style_layers"]["score"] == 100
    assert "backward_W2" in rows["bug_missing_inv_B"]["lost"]


def test_unreadable_file_is_kept_and_explained(graded):
    assert (graded / "submitted" / "not_a_notebook" / "backprop" / "backprop.ipynb.original").read_text() == \
        "this is { not json"
    _, text = _feedback_text(graded, "not_a_notebook")
    assert "could not be read as a notebook" in text and "NotJSONError" in text


def test_the_stand_in_for_an_unreadable_file_is_flagged_by_the_engine_too(graded):
    from autograder.engine.engine import Engine
    with Engine([A]) as engine:
        report = engine.grade(graded / "submitted" / "not_a_notebook" / "backprop" / "backprop.ipynb", A)
    assert report.flags == ["unreadable"] and "NotJSONError" in report.notes[0]


def test_the_class_report_of_an_nbgrader_course_shows_the_engines_flags(graded):
    from autograder.__main__ import main
    assert main(["report", str(graded), "--out", str(graded / "report.html")]) == 0
    text = unescape(re.sub(r"<[^>]+>", "", (graded / "report.html").read_text()))
    assert "tampering" in text and "replaced numpy.allclose" in text


def test_feedback_names_the_misconception(graded):
    _, text = _feedback_text(graded, "bug_torch_in_numpy")
    assert "NumPy only" in text or "NumPy-only" in text
