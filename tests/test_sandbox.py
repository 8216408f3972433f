"""The sandbox's allow-list, its probe and its refusal, seen from outside the job."""
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.doors import submissions
from autograder.engine import sandbox
from autograder.engine.engine import Engine, SandboxUnavailable
from helpers import A, filled

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "autograder"


def test_the_view_holds_the_package_but_never_the_course_or_a_folder_above_it():
    ro = sandbox.readable(str(PACKAGE), [str(ROOT)])
    assert str(PACKAGE.resolve()) in ro
    course = str(ROOT.resolve())
    for p in ro:
        assert p != course and not course.startswith(p.rstrip("/") + "/"), p
    assert os.getcwd() not in ro or os.getcwd().startswith(tuple(p + "/" for p in ro))


def test_a_folder_on_the_python_path_is_not_in_the_view(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    assert str(tmp_path) not in sandbox.readable(str(PACKAGE), [str(ROOT)])


def test_torch_is_left_out_of_a_numpy_view_by_listing_its_neighbours():
    torch = sandbox.torch_dirs()
    if not torch:
        pytest.skip("torch is not installed")
    ro = sandbox.readable(str(PACKAGE), [str(ROOT)])
    kept = sandbox.without(ro, torch)
    assert not any(p == t or p.startswith(t + "/") for p in kept for t in torch)
    import numpy
    numpy_dir = os.path.realpath(os.path.dirname(numpy.__file__))
    assert any(numpy_dir == p or numpy_dir.startswith(p + "/") for p in kept)


OK = {"files_blocked": True, "network_blocked": True, "signals_blocked": True}


@pytest.mark.parametrize("found,gaps", [
    ({"namespaces": True, "landlock": 0, "seccomp": False, **OK}, 0),
    ({"namespaces": False, "landlock": 7, "seccomp": True, **OK}, 0),
    ({"namespaces": False, "landlock": 7, "seccomp": False, **OK}, 1),
    ({"namespaces": False, "landlock": 0, "seccomp": True, **OK}, 2),         # no allow-list, no signal scope
    ({"namespaces": False, "landlock": 0, "seccomp": False, **OK}, 3),
    ({"namespaces": False, "landlock": 4, "seccomp": True, **OK}, 1),         # Ubuntu 24.04: signals not scoped
    ({"namespaces": True, "landlock": 7, "seccomp": True, **OK, "files_blocked": False}, 1),
    ({"namespaces": True, "landlock": 7, "seccomp": True, **OK, "signals_blocked": False}, 1),
])
def test_the_allow_list_the_network_block_and_signal_isolation_are_all_required(found, gaps):
    assert len(sandbox.missing(found)) == gaps


def test_a_refusal_says_what_is_missing_and_how_to_get_it(monkeypatch):
    monkeypatch.setenv(sandbox.LAYERS_ENV, "")          # as on a machine where no layer works
    with pytest.raises(SandboxUnavailable) as refused:
        Engine([A])
    text = str(refused.value)
    assert "file-system allow-list" in text and "network block" in text
    assert "apparmor_restrict_unprivileged_userns" in text and "Landlock" in text
    assert "--unsafe-no-sandbox" in text


def _grade(args, tmp_path, env=None):
    nb = tmp_path / "backprop.ipynb"
    nbformat.write(filled("key"), nb)
    out = tmp_path / "results.json"
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(nb), "--results", str(out), *args],
                         capture_output=True, text=True, env={**os.environ, **(env or {})}, cwd=ROOT, timeout=300)
    return run, json.loads(out.read_text()) if out.exists() else None


def test_the_grade_command_refuses_with_exit_code_3_and_a_zero_that_says_why(tmp_path):
    run, results = _grade([], tmp_path, {sandbox.LAYERS_ENV: ""})
    assert run.returncode == 3, run.stderr
    assert "Refusing to grade" in run.stderr
    assert results["score"] == 0 and "Refusing to grade" in results["output"]


def test_unsafe_grading_is_explicit_and_recorded_in_the_result(tmp_path):
    run, results = _grade(["--unsafe-no-sandbox"], tmp_path, {sandbox.LAYERS_ENV: ""})
    assert run.returncode == 0, run.stderr
    assert results["score"] == 100
    assert results["sandbox"].startswith("UNSAFE") and "sandbox: UNSAFE" in run.stderr


def test_every_result_names_the_sandbox_it_was_graded_in(tmp_path):
    run, results = _grade([], tmp_path)
    assert run.returncode == 0, run.stderr
    assert results["score"] == 100
    level = results["sandbox"]
    assert level and "UNSAFE" not in level and ("namespaces" in level or "landlock" in level)
    assert f"sandbox: {level}" in run.stderr


@pytest.mark.skipif(not sandbox.is_root(), reason="user ids are handed out only when grading as root")
def test_graders_running_at_once_never_share_a_user_id():
    from autograder.engine.workers import UidPool as _UidPool
    a, b = _UidPool(), _UidPool()
    held = [a.take() for _ in range(5)] + [b.take() for _ in range(5)]
    try:
        uids = [uid for uid, _ in held]
        assert len(set(uids)) == len(uids)
        assert all(sandbox.UID_BASE <= u < sandbox.UID_BASE + sandbox.UID_COUNT for u in uids)
    finally:
        for _, fd in held:
            _UidPool.give_back(fd)
