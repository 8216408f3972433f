"""The engine on correct, buggy, broken and hostile submissions, graded as one batch."""
import csv
import json
import socket

import nbformat
import psutil
import pytest

from autograder.doors import batch, submissions
from helpers import A, BY_NAME, CHECKS
from autograder.engine.engine import Engine, Limits

ANSWERS = {a.name: a for a in submissions.all_answers(A)}
CORRECT = ["key"] + sorted(n for n in ANSWERS if n.startswith("style_"))
NAMES = CORRECT + ["bug_missing_inv_B", "bug_torch_in_numpy", "bug_torch_obfuscated", "bug_relu_derivative"] + \
    sorted(n for n in ANSWERS if n.startswith(("hostile_", "broken_")))
BACKWARD = {c.name for c in CHECKS if "backward" in c.uses} | {"train_xor"}     # the student's train calls backward
FORWARD = {c.name for c in CHECKS if "forward" in c.uses} | {"train_xor"}


SECRET = "test-engine-secret"
LIMITS = Limits(check_seconds=4, cells_seconds=15, submission_seconds=90)
LEAK_PORT = 47613          # hostile_network.py sends to this port


@pytest.fixture(scope="module")
def listener():
    """A port on this machine that a submission must not reach."""
    import socket
    server = socket.socket()
    try:
        server.bind(("127.0.0.1", LEAK_PORT))
    except OSError:
        pytest.skip(f"port {LEAK_PORT} is in use")
    server.listen()
    server.settimeout(0.1)
    yield server
    server.close()


@pytest.fixture(scope="module")
def graded(tmp_path_factory, listener):
    folder = tmp_path_factory.mktemp("submissions")
    for name in NAMES:
        (folder / name).mkdir()
        nbformat.write(submissions.fill(ANSWERS[name], A), folder / name / "backprop.ipynb")
    whole = (folder / "key" / "backprop.ipynb").read_text()
    for name, data in {"truncated_json": whole[: len(whole) // 2], "empty_file": ""}.items():
        (folder / name).mkdir()
        (folder / name / "backprop.ipynb").write_text(data)
    (folder / "plain_py").mkdir()
    (folder / "plain_py" / "backprop.py").write_text("def forward(X, y, params):\n    return 0.0, None\n")
    out = tmp_path_factory.mktemp("out")
    with Engine([A], limits=LIMITS, secret=SECRET) as engine:
        reports = batch.grade_all(engine, batch.assign(batch.find(folder), A), jobs=2, csv_path=out / "grades.csv",
                                  results_dir=out / "results", progress=False)
    return {r.student: r for r in reports}, out, folder


def points(report):
    return {v.check: v.points for v in report.verdicts}


def failed(report):
    return {v.check for v in report.verdicts if not v.passed}


def test_every_submission_gets_one_row(graded):
    reports, out, _ = graded
    expected = set(NAMES) | {"truncated_json", "empty_file", "plain_py"}
    assert set(reports) == expected
    with open(out / "grades.csv") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["student"] for r in rows) == sorted(expected)
    assert {p.stem for p in (out / "results").glob("*.json")} == expected


@pytest.mark.parametrize("name", CORRECT + ["hostile_thread_spin", "hostile_reseed", "hostile_flood_output",
                                            "hostile_child_process"])
def test_correct_answers_and_harmless_noise_keep_full_marks(graded, name):
    r = graded[0][name]
    assert r.score == r.max_score == 100, {v.check: v.message for v in r.verdicts if not v.passed}


def test_no_submission_is_an_internal_error(graded):
    assert not [r.student for r in graded[0].values() if "internal_error" in r.flags]


def test_flooded_output_is_capped(graded):
    assert len(graded[0]["hostile_flood_output"].output) <= 64 * 1024


def test_no_process_survives(graded):
    left = [p for p in psutil.process_iter(["cmdline"]) if (p.info["cmdline"] or [])[:2] == ["sleep", "417"]]
    assert not left


def test_torch_in_a_numpy_part_fails_by_running_whatever_the_spelling(graded):
    for name in ("bug_torch_in_numpy", "bug_torch_obfuscated"):
        r = graded[0][name]
        assert "torch_in_numpy" in r.flags
        bad = [v for v in r.verdicts if v.tag == "torch_in_numpy"]
        assert bad and all("torch" in v.message for v in bad)
        assert all(v.passed for v in r.verdicts if not BY_NAME[v.check].numpy_only)


def test_patched_comparisons_earn_nothing(graded):
    reports = graded[0]
    bug = points(reports["bug_missing_inv_B"])
    for name in ("hostile_patch_allclose", "hostile_patch_builtin"):
        r = reports[name]
        assert "tampering" in r.flags, r.notes
        # train_xor judges an outcome that varies with the drawn data, so it is left out of the comparison
        assert all(points(r)[k] <= bug[k] for k in bug if k != "train_xor"), name
        assert not r.verdicts[[c.name for c in CHECKS].index("backward_W2")].passed


def test_a_forged_refusal_is_tampering_not_a_sandbox_failure(graded):
    r = graded[0]["hostile_forged_refusal"]
    assert "tampering" in r.flags and "sandbox" not in r.flags
    assert not [v for v in r.verdicts if v.tag == "sandbox"]


def test_always_equal_objects_earn_nothing(graded):
    r = graded[0]["hostile_always_equal"]
    assert BACKWARD <= failed(r)


def test_no_network_inside_the_sandbox(graded, listener):
    import socket
    assert graded[0]["hostile_network"].score == 100
    with pytest.raises(socket.timeout):
        listener.accept()


@pytest.mark.parametrize("name,why", [("hostile_infinite_loop", "timeout"), ("hostile_exit", "crashed"),
                                      ("hostile_memory", None), ("hostile_segfault", "crashed")])
def test_a_runaway_backward_loses_only_its_checks(graded, name, why):
    r = graded[0][name]
    assert failed(r) == BACKWARD, {v.check: v.message for v in r.verdicts if not v.passed}
    if why:
        assert why in r.flags
    msg = next(v.message for v in r.verdicts if v.check == "backward_W2")
    expected = {"hostile_infinite_loop": "did not finish", "hostile_exit": "exited with code 3",
                "hostile_memory": "MemoryError", "hostile_segfault": "killed by SIGSEGV"}[name]
    assert expected in msg and "`backward`" in msg, msg


def test_a_sleeping_forward_loses_only_its_checks(graded):
    r = graded[0]["hostile_sleep"]
    assert failed(r) == FORWARD
    assert "timeout" in r.flags


@pytest.mark.parametrize("name,text", [("truncated_json", "could not be read as a notebook"),
                                       ("empty_file", "is empty"), ("plain_py", "not a notebook (.ipynb)")])
def test_unreadable_files_get_a_row_and_a_reason(graded, name, text):
    r = graded[0][name]
    assert r.score == 0 and "unreadable" in r.flags
    assert all(text in v.message for v in r.verdicts)


def test_exit_in_a_cell_is_graded_as_nothing_with_a_reason(graded):
    r = graded[0]["hostile_exit_in_cell"]
    assert r.score == 0 and "crashed" in r.flags
    assert "ended" in r.verdicts[0].message


def test_broken_notebooks_get_partial_credit_and_messages(graded):
    reports = graded[0]
    assert reports["broken_blank"].score == 0
    assert 0 < reports["broken_syntax"].score < 100
    assert any("SyntaxError" in n for n in reports["broken_syntax"].notes)
    assert any("not defined" in v.message and "forward_pass" in v.message for v in reports["broken_missing"].verdicts)


def test_hunting_for_the_answer_key_finds_nothing(graded):
    assert graded[0]["hostile_fs_walk"].score == 0


def test_fake_results_files_change_nothing(graded):
    reports, out, folder = graded
    assert reports["hostile_fake_results"].score == 0
    found = [p for p in list(folder.rglob("*")) + list(out.rglob("*")) if p.name in ("results.json", "grades.csv")]
    assert found == [out / "grades.csv"]
    assert json.loads((out / "results" / "hostile_fake_results.json").read_text())["score"] == 0


def test_inputs_differ_per_submission_so_hard_coded_outputs_fail(tmp_path):
    """Two byte-different copies of one notebook are asked different questions."""
    from autograder.core.rng import rng_for
    a = rng_for("backward_W2", "one submission", "secret").normal(size=3)
    b = rng_for("backward_W2", "another submission", "secret").normal(size=3)
    assert not (a == b).all()


def test_single_notebook_always_writes_results(tmp_path):
    from autograder.__main__ import main
    bad = tmp_path / "backprop.ipynb"
    bad.write_text("{ truncated")
    assert main(["grade", str(bad), "--results", str(tmp_path / "results.json")]) == 0
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["score"] == 0 and len(data["tests"]) == len(CHECKS)
    assert "could not be read" in data["tests"][0]["output"]


def test_ctrl_c_keeps_the_rows_already_graded(tmp_path):
    """SIGINT during a folder run: the CSV keeps every finished row, and nothing is left running."""
    import signal
    import subprocess
    import sys
    import time
    folder = tmp_path / "subs"
    for student, name in (("a_key", "key"), ("b_einsum", "style_einsum"), ("z_sleeper", "hostile_sleep")):
        (folder / student).mkdir(parents=True)                # graded in this order
        nbformat.write(submissions.fill(ANSWERS[name], A), folder / student / "backprop.ipynb")
    out = tmp_path / "grades.csv"
    workers = lambda: {p.pid for p in psutil.process_iter(["cmdline"])
                       if "autograder.engine.worker" in " ".join(p.info["cmdline"] or [])}
    before = workers()
    proc = subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(folder), "--csv", str(out),
                             "--jobs", "1", "--no-progress", "--check-seconds", "60"],
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not out.exists() or out.read_text().count("\n") < 3):
        time.sleep(0.2)
    time.sleep(1)                            # the sleeping submission is now being graded
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted: 2 of 3 graded" in err
    with open(out) as f:
        assert sorted(r["student"] for r in csv.DictReader(f)) == ["a_key", "b_einsum"]
    deadline = time.monotonic() + 10
    while workers() - before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not workers() - before, "worker processes outlived the interrupted run"


@pytest.mark.cluster
def test_a_dask_cluster_grades_the_whole_batch_as_the_engine_does(graded, dask_client, listener, tmp_path):
    """The same batch, hostile submissions included, on two Dask workers: for the same secret and limits,
    every submission gets one row with the same verdicts, outcomes and flags as when graded here."""
    from autograder.doors import cluster
    local, _, folder = graded
    items = batch.assign(batch.find(folder), A)
    assert cluster.grade_all(dask_client, items, limits=LIMITS, unsafe=False, csv_path=tmp_path / "grades.csv",
                             results_dir=tmp_path / "results", progress=False, secret=SECRET) == 0
    with open(tmp_path / "grades.csv") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["student"] for r in rows) == sorted(local)
    assert {p.stem for p in (tmp_path / "results").glob("*.json")} == set(local)
    for row in rows:
        mine = local[row["student"]]
        assert float(row["score"]) == mine.score, (row["student"], row["notes"], mine.notes)
        assert sorted(row["flags"].split()) == sorted(mine.flags), row["student"]
        assert row["submission"] == mine.submission and row["sandbox"] == mine.sandbox
        result = json.loads((tmp_path / "results" / f"{row['student']}.json").read_text())
        assert {c["check"]: (c["points"], c["tag"]) for c in result["extra_data"]["checks"]} == \
            {v.check: (v.points, v.tag) for v in mine.verdicts}, row["student"]
    with pytest.raises(socket.timeout):
        listener.accept()


def test_a_worker_that_fails_to_start_leaves_none_running(monkeypatch):
    """The workers start side by side: when one fails, the others are ended too."""
    from autograder.engine import engine as engine_module, workers

    class TorchFails(workers.Zygote):
        def _start(self):
            if self.kind == "torch":
                raise RuntimeError("the torch worker did not start: as this test asks")
            super()._start()

    def workers_alive():
        alive = []
        for p in psutil.Process().children(recursive=True):
            try:
                if "autograder.engine.worker" in " ".join(p.cmdline()) and p.status() != psutil.STATUS_ZOMBIE:
                    alive.append(p.pid)
            except psutil.Error:            # it ended meanwhile
                pass
        return alive
    before = set(workers_alive())           # e.g. a Dask cluster's, started by another test of this session
    monkeypatch.setattr(engine_module, "Zygote", TorchFails)
    with pytest.raises(RuntimeError, match="as this test asks"):
        Engine([A])
    assert not set(workers_alive()) - before
