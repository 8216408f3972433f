"""nbgrader autograde grading ahead of its own loop (c.EngineExecute.jobs > 1) gives exactly the grades, the
autograded notebooks and the feedback of grading one at a time (jobs = 1), grades only what the run visits,
and falls back to grading in the loop whenever a verdict graded ahead is missing or for other cells."""
import os
import shutil
import threading
from pathlib import Path

import nbformat
import pytest

from autograder.doors import course, nbgrader_ahead, submissions
from autograder.doors.nbgrader_hooks import EngineExecute
from autograder.engine.engine import Report
from helpers import A, filled

pytestmark = pytest.mark.nbgrader

STUDENTS = ["key", "style_layers", "style_einsum", "style_closure", "bug_missing_inv_B", "bug_relu_derivative",
            "bug_torch_in_numpy", "broken_syntax", "broken_exception", "broken_blank", "hostile_patch_allclose",
            "hostile_fake_results", "hostile_exit"]
UNREADABLE = "not_a_notebook"
SECRET = "the same inputs in both runs"


def _autograde(root: Path, *args: str) -> str:
    """nbgrader autograde --force with a fixed secret, so that two runs draw the same inputs; its log."""
    before = os.environ.get("BACKPROP_SECRET")
    os.environ["BACKPROP_SECRET"] = SECRET
    try:
        proc = course.nbgrader("autograde", "backprop", "--force", *args, cwd=root)
    finally:
        os.environ.pop("BACKPROP_SECRET") if before is None else os.environ.update(BACKPROP_SECRET=before)
    return proc.stdout + proc.stderr


def _grades(root: Path) -> dict:
    """Per student, per grade cell: the autograded score, its maximum, and whether it awaits a person."""
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return {sub.student_id: {g.name: (g.auto_score, g.max_score, g.needs_manual_grade)
                                 for nb in sub.notebooks for g in nb.grades}
                for sub in gb.assignment_submissions("backprop")}


def _snapshot(root: Path) -> dict:
    """What the gradebook, the autograded notebooks and the feedback say for every student."""
    course.nbgrader("generate_feedback", "backprop", "--force", cwd=root)
    notebooks, feedback = {}, {}
    for path in sorted((root / "autograded").glob("*/backprop/backprop.ipynb")):
        nb = nbformat.read(path, 4)
        notebooks[path.parts[-3]] = ([(c.get("id"), c.get("outputs")) for c in nb.cells], nb.metadata.get("autograder"))
    for path in sorted((root / "feedback").glob("*/backprop/backprop.html")):
        feedback[path.parts[-3]] = path.read_text()
    return {"grades": _grades(root), "notebooks": notebooks, "feedback": feedback}


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """One course graded one at a time, then again (--force) with two jobs grading ahead."""
    root = course.new_course(tmp_path_factory.mktemp("parallel") / "course", [A])
    release = root / "release" / "backprop" / "backprop.ipynb"
    for name in STUDENTS:
        submissions.submit(root, A, name, filled(name, release))
    submissions.submit(root, A, UNREADABLE, "this is { not json")
    course.stand_in_for_unreadable(root, A)
    serial_log = _autograde(root, "--EngineExecute.jobs=1")
    serial = _snapshot(root)
    parallel_log = _autograde(root, "--EngineExecute.jobs=2")
    return root, serial, _snapshot(root), serial_log, parallel_log


def test_the_parallel_run_graded_ahead_and_used_every_verdict(both):
    _, _, _, serial_log, parallel_log = both
    assert "ahead" not in serial_log
    assert f"grading {len(STUDENTS) + 1} submissions, 2 at a time, ahead of nbgrader's loop" in parallel_log, \
        parallel_log[-3000:]
    assert "graded in turn" not in parallel_log and "grading it now" not in parallel_log


def test_same_gradebook_scores_per_student_and_grade_cell(both):
    _, serial, parallel, _, _ = both
    assert set(serial["grades"]) == set(STUDENTS) | {UNREADABLE}
    assert parallel["grades"] == serial["grades"]
    assert sum(s for s, _, _ in serial["grades"]["key"].values() if s) == 100
    assert sum(s or 0 for s, _, _ in serial["grades"][UNREADABLE].values()) == 0
    assert 0 < sum(s or 0 for s, _, _ in serial["grades"]["broken_syntax"].values()) < 100


def test_same_autograded_notebooks_and_feedback(both):
    _, serial, parallel, _, _ = both
    assert set(serial["feedback"]) == set(STUDENTS) | {UNREADABLE}
    assert parallel["notebooks"] == serial["notebooks"]
    assert parallel["feedback"] == serial["feedback"]


def test_a_student_run_grades_only_that_student(both):
    root = both[0]
    before = {p.parts[-3]: p.stat().st_mtime_ns for p in (root / "autograded").glob("*/backprop/backprop.ipynb")}
    log = _autograde(root, "--student=broken_syntax", "--EngineExecute.jobs=2")
    after = {p.parts[-3]: p.stat().st_mtime_ns for p in (root / "autograded").glob("*/backprop/backprop.ipynb")}
    assert [s for s in after if after[s] != before[s]] == ["broken_syntax"]
    assert "ahead" not in log                   # the only submission of the run is graded in its turn
    assert _grades(root) == both[1]["grades"]


# ---------------------------------------------------------------- which submissions a run visits, in-process
def _converter(root: Path, student: str = "*", force: bool = True, exclude: str = ""):
    """nbgrader's Autograde converter as `nbgrader autograde backprop` sets it up, before converting."""
    from nbconvert.exporters import NotebookExporter
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory
    cd = CourseDirectory(root=str(root), assignment_id="backprop", student_id=student,
                         student_id_exclude=exclude, course_id="backprop-by-hand")
    converter = Autograde(coursedir=cd, force=force)
    converter.init_notebooks()
    converter.exporter = NotebookExporter()
    return converter


def _visits(converter, current: str) -> list[str]:
    return [i.student for i in nbgrader_ahead.visits(converter, (current, "backprop"), {"backprop": A})]


def test_visits_follows_nbgraders_order_and_filters(both):
    root = both[0]
    everyone = sorted(STUDENTS + [UNREADABLE])
    assert _visits(_converter(root), everyone[0]) == everyone
    assert _visits(_converter(root), "key") == everyone[everyone.index("key"):]
    assert _visits(_converter(root, student="bug_*"), "bug_missing_inv_B") == ["bug_missing_inv_B",
                                                                                "bug_relu_derivative",
                                                                                "bug_torch_in_numpy"]
    assert _visits(_converter(root, student="key"), "key") == ["key"]
    assert "key" not in _visits(_converter(root, exclude="key,style_layers"), everyone[0])
    assert _visits(_converter(root), "not in this run") == []


def test_visits_skips_what_is_already_autograded_without_force(both, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(both[0], root)
    everyone = sorted(STUDENTS + [UNREADABLE])
    assert _visits(_converter(root, force=False), everyone[0]) == everyone[:1]    # the one being converted
    shutil.rmtree(root / "autograded" / "key")
    assert _visits(_converter(root, force=False), everyone[0]) == [everyone[0], "key"]


# ---------------------------------------------------------------- the verdicts graded ahead, with a stand-in engine
class _Engine:
    """Grades at once, or when the student's gate opens; raises for the student `fails`."""

    def __init__(self, gates=None, fails=None):
        self.graded, self.gates, self.fails = [], gates or {}, fails

    def grade(self, path, a, student):
        if student in self.gates:
            self.gates[student].wait(10)
        if student == self.fails:
            raise RuntimeError("the engine failed")
        self.graded.append(student)
        return Report(str(path), student, [])


class _Log:
    def __init__(self):
        self.lines = []

    def info(self, *args):
        self.lines.append(args[0] % args[1:])

    warning = info


def _items(tmp_path, names):
    items = []
    for name in names:
        path = submissions.submit(tmp_path, A, name, filled("key" if name != "bug" else "bug_missing_inv_B"))
        items.append(nbgrader_ahead.Item(name, A, "backprop", path))
    return items


def test_a_verdict_is_used_only_for_the_same_student_and_cells(tmp_path):
    items = _items(tmp_path, ["ann", "bob", "bug"])
    ahead = nbgrader_ahead.Ahead(_Engine(), items, 2, _Log())
    key_fp = nbgrader_ahead.fingerprint(items[0].path, A)
    bug_fp = nbgrader_ahead.fingerprint(items[2].path, A)
    assert key_fp != bug_fp
    assert ahead.take(("ann", "backprop", "backprop"), key_fp).student == "ann"
    assert ahead.take(("bob", "backprop", "backprop"), bug_fp) is None            # other cells: grade now
    assert ahead.take(("bug", "backprop", "backprop"), bug_fp).student == "bug"
    assert ahead.take(("carl", "backprop", "backprop"), key_fp) is None           # never graded ahead


def test_the_fingerprint_is_what_the_engine_grades(tmp_path):
    nb = filled("key")
    first = submissions.submit(tmp_path / "a", A, "s", nb)
    for cell in nb.cells:                       # outputs and metadata do not change what runs
        cell.metadata["collapsed"] = True
    nb.metadata["kernelspec"] = {"name": "other", "display_name": "other"}
    second = submissions.submit(tmp_path / "b", A, "s", nb)
    assert nbgrader_ahead.fingerprint(first, A) == nbgrader_ahead.fingerprint(second, A)
    answer = next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution"))
    answer.source += "\nextra = 1"              # one more line of the student's code does
    third = submissions.submit(tmp_path / "c", A, "s", nb)
    assert nbgrader_ahead.fingerprint(third, A) != nbgrader_ahead.fingerprint(first, A)
    broken = submissions.submit(tmp_path / "d", A, "s", "{ not json")
    assert nbgrader_ahead.fingerprint(broken, A).startswith("unreadable")


def test_a_failure_ahead_is_graded_in_the_loop(tmp_path):
    items = _items(tmp_path, ["ann", "bob"])
    log = _Log()
    ahead = nbgrader_ahead.Ahead(_Engine(fails="ann"), items, 1, log)
    fp = nbgrader_ahead.fingerprint(items[0].path, A)
    assert ahead.take(("ann", "backprop", "backprop"), fp) is None
    assert ahead.take(("bob", "backprop", "backprop"), fp).student == "bob"
    assert any("graded in turn" in line for line in log.lines)


def test_the_loop_waits_for_each_verdict_and_nothing_starts_after_stop(tmp_path):
    items = _items(tmp_path, ["ann", "bob", "cat"])
    gates = {"ann": threading.Event(), "bob": threading.Event()}
    engine = _Engine(gates)
    ahead = nbgrader_ahead.Ahead(engine, items, 1, _Log())
    fp = nbgrader_ahead.fingerprint(items[0].path, A)
    threading.Timer(0.2, gates["ann"].set).start()
    assert ahead.take(("ann", "backprop", "backprop"), fp).student == "ann"      # waited while it was graded
    ahead.stop()                                # bob is being graded, cat waits in the queue
    gates["bob"].set()
    ahead.join(10)
    assert ahead.take(("cat", "backprop", "backprop"), fp) is None               # stopped: graded in the loop
    assert "cat" not in engine.graded


def test_a_planning_failure_never_stops_the_run(monkeypatch, tmp_path):
    from nbconvert.exporters import NotebookExporter
    from nbgrader.converters import Autograde
    from autograder.doors import nbgrader_hooks
    calls = []

    def broken(*args):
        calls.append(args)
        raise OSError("the gradebook is locked")
    monkeypatch.setattr(nbgrader_ahead, "visits", broken)
    monkeypatch.setattr(nbgrader_hooks, "_ahead", None)
    pp = EngineExecute(parent=NotebookExporter(parent=Autograde()), jobs=2)
    path = submissions.submit(tmp_path, A, "ann", filled("key"))
    info = {"student": "ann", "assignment": "backprop", "notebook": "backprop"}
    assert pp._graded_ahead(None, path, A, info) is None
    assert pp._graded_ahead(None, path, A, info) is None
    assert len(calls) == 1                      # tried once per run
