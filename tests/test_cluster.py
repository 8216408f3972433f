"""Grading on a Dask cluster: a lost worker loses and duplicates nothing, student code cannot reach the
scheduler, a cluster that cannot isolate is refused, and local grading never imports Dask. (That the cluster
grades a whole batch, hostile submissions included, exactly as the engine does is in test_engine.py; the
attacker graded on a cluster is in test_attacks.py.)"""
from __future__ import annotations

import csv
import json
import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from autograder.engine.engine import Limits
from helpers import A, ROOT, filled

from autograder.doors import batch

pytestmark = pytest.mark.cluster
if not os.environ.get("CI"):            # CI installs the extra: there, its absence fails
    pytest.importorskip("distributed", reason="needs the dask extra: pip install -e '.[dask]'")
from autograder.doors import cluster  # noqa: E402


def _submit(folder: Path, student: str, nb) -> Path:
    path = folder / student / "backprop" / "backprop.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    return path


def _slow(name: str, seconds: float):
    """An answer whose first answer cell also sleeps: each job running it stays busy for a while."""
    nb = filled(name)
    cell = next(c for c in nb.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution"))
    cell.source += f"\nimport time as _t\n_t.sleep({seconds})\n"
    return nb


def _rows(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _topics(client) -> set[str]:
    return {t for t in client.get_events() if str(t).startswith(cluster.TOPIC)}


def _started(client, old: set[str]) -> list[dict]:
    """The start events of the runs begun since the topics `old` were seen: which shard started where."""
    events = client.get_events()
    return [m for t in _topics(client) - old for _, m in events[t] if isinstance(m, dict)]


def test_a_worker_killed_mid_run_loses_no_submission_and_duplicates_none(dask_client, tmp_path, capsys):
    folder = tmp_path / "submitted"
    students = [f"s{i}" for i in range(6)]
    for s in students:
        _submit(folder, s, _slow("key", 3))
    items = batch.assign(batch.find(folder), A)
    before = _topics(dask_client)
    pids = dask_client.run(os.getpid)
    done = {}
    run = threading.Thread(target=lambda: done.setdefault("rc", cluster.grade_all(
        dask_client, items, limits=Limits(), unsafe=False, csv_path=tmp_path / "grades.csv",
        results_dir=tmp_path / "results", progress=False, shard_size=1)))
    run.start()
    deadline = time.monotonic() + 180
    while not _started(dask_client, before) and time.monotonic() < deadline:
        time.sleep(0.2)
    first = _started(dask_client, before)
    assert first, "no shard started"
    time.sleep(2)                                   # well inside the shard's first job
    victim = psutil.Process(pids[first[0]["worker"]])
    left = [p for p in victim.children(recursive=True)]
    assert any("autograder.engine.worker" in " ".join(p.cmdline()) for p in left), "no warm worker to lose"
    victim.send_signal(signal.SIGKILL)
    run.join(timeout=600)
    assert not run.is_alive() and done["rc"] == 0
    rows = _rows(tmp_path / "grades.csv")
    assert sorted(r["student"] for r in rows) == students, "each submission exactly once"
    assert all(r["score"] == "100" and not r["flags"] for r in rows), rows
    assert sorted(p.stem for p in (tmp_path / "results").glob("*.json")) == students
    err = capsys.readouterr().err
    assert "retried: 1 shard" in err and first[0]["worker"] in err, err[-2000:]
    gone = psutil.wait_procs(left, timeout=15)[1]
    assert not gone, f"left behind by the lost worker: {[p.cmdline()[:4] for p in gone]}"
    dask_client.wait_for_workers(2, timeout=120)    # its nanny starts it again, for the tests after this one


def _killing_shard(name, shard):
    """In place of the workers' task: a shard holding the student `killer` takes its worker down with it."""
    if any(item[1] == "killer" for item in shard):
        os._exit(1)
    return cluster.grade_shard(name, shard)


def test_a_shard_that_keeps_killing_workers_is_split_and_only_its_culprit_is_lost(tmp_path, monkeypatch, capsys):
    """Dask gives up on a task whose workers died (here at once: allowed-failures 0); the grader then tries
    each submission of the shard alone: the others are graded, the culprit gets a row that says what
    happened."""
    import cloudpickle
    import dask
    from distributed import Client, LocalCluster
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    monkeypatch.setattr(cluster, "grade_shard", _killing_shard)
    for name in ("a_key", "killer"):
        _submit(tmp_path / "submitted", name, filled("key"))
    items = batch.assign(batch.find(tmp_path / "submitted"), A)
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            LocalCluster(n_workers=1, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
                         silence_logs=logging.CRITICAL) as lc, Client(lc) as client:
        rc = cluster.grade_all(client, items, limits=Limits(), unsafe=False, csv_path=tmp_path / "grades.csv",
                               results_dir=None, progress=False, shard_size=2)
    assert rc == 0
    rows = {r["student"]: r for r in _rows(tmp_path / "grades.csv")}
    assert sorted(rows) == ["a_key", "killer"]
    assert rows["a_key"]["score"] == "100" and not rows["a_key"]["flags"], rows["a_key"]["notes"]
    assert rows["killer"]["flags"] == "internal_error" and "lost with every worker" in rows["killer"]["notes"]
    assert "split after it was lost" in capsys.readouterr().err


def test_a_submission_cannot_reach_the_scheduler(dask_client, tmp_path):
    """The notebook connects to the scheduler's own port and, if it can, asks every worker to write a
    marker, and submits a task that writes another; the same code run here, outside any sandbox, does."""
    address = dask_client.scheduler.address
    host, port = address.rsplit("/", 1)[1].rsplit(":", 1)
    token = secrets.token_hex(8)
    marker = Path("/tmp") / f"bph-scheduler-{token}"
    attack = (f"import socket\nMARK = {str(marker)!r}\n"
              "def _mark(suffix):\n    open(MARK + suffix, 'w').write('reached')\n"
              "try:\n    from distributed import Client\n"
              f"    _c = Client({address!r}, timeout=5)\n"
              "    _c.run(_mark, '.run')\n    _c.submit(_mark, '.task', pure=False).result()\n    _c.close()\n"
              "except Exception as e:\n    print('client:', type(e).__name__, e)\n"
              f"try:\n    _s = socket.create_connection(({host!r}, {port}), timeout=3)\n"
              "    _mark('.socket')\nexcept Exception as e:\n    print('socket:', type(e).__name__, e)\n")
    nb = filled("key")
    nb.cells.append(nbformat.v4.new_code_cell(attack))
    _submit(tmp_path / "submitted", "attacker", nb)
    items = batch.assign(batch.find(tmp_path / "submitted"), A)
    try:
        assert cluster.grade_all(dask_client, items, limits=Limits(), unsafe=False,
                                 csv_path=tmp_path / "grades.csv", results_dir=None, progress=False) == 0
        reached = sorted(p.name for p in Path("/tmp").glob(f"bph-scheduler-{token}*"))
        assert reached == [], f"the submission reached the scheduler: {reached}"
        rows = _rows(tmp_path / "grades.csv")      # graded: the Dask client it left behind costs it checks
        assert len(rows) == 1 and float(rows[0]["score"]) > 0 and "internal_error" not in rows[0]["flags"], rows
        # the control: outside the sandbox the same code gets through
        exec(compile(attack.replace(str(marker), str(marker) + "-control"), "<control>", "exec"), {})
        control = sorted(p.name for p in Path("/tmp").glob(f"bph-scheduler-{token}-control*"))
        assert control == [f"bph-scheduler-{token}-control{s}" for s in (".run", ".socket", ".task")], control
    finally:
        for p in Path("/tmp").glob(f"bph-scheduler-{token}*"):
            p.unlink()


def _grade(args: list[str], cwd: Path, env: dict | None = None, timeout: float = 600):
    return subprocess.run([sys.executable, "-m", "autograder", "grade", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def test_the_command_grades_on_a_scheduler_by_its_address(dask_client, tmp_path):
    for name in ("key", "bug_missing_inv_B"):
        _submit(tmp_path / "submitted", name, filled(name))
    (tmp_path / "submitted" / "mystery").mkdir()
    (tmp_path / "submitted" / "mystery" / "answers.txt").write_text("42")
    p = _grade(["submitted", "--scheduler", dask_client.scheduler.address, "--csv", "grades.csv", "--no-progress"],
               tmp_path)
    assert p.returncode == 0, p.stderr[-2000:]
    rows = {r["student"]: r for r in _rows(tmp_path / "grades.csv")}
    assert {s: r["score"] for s, r in rows.items()} == {"key": "100", "bug_missing_inv_B": "74", "mystery": "0"}
    assert "sandbox: namespaces" in p.stderr and rows["mystery"]["sandbox"] == rows["key"]["sandbox"] != ""
    assert "graded 3 submissions" in p.stderr


def test_a_worker_running_other_code_is_refused(dask_client, tmp_path, monkeypatch, capsys):
    _submit(tmp_path / "submitted", "key", filled("key"))
    items = batch.assign(batch.find(tmp_path / "submitted"), A)
    monkeypatch.setattr(cluster, "fingerprint", lambda names: "0123456789abcdef")
    rc = cluster.grade_all(dask_client, items, limits=Limits(), unsafe=False, csv_path=tmp_path / "grades.csv",
                           results_dir=None, progress=False)
    assert rc == cluster.REFUSED
    assert "another version of the grader" in capsys.readouterr().err
    assert not (tmp_path / "grades.csv").exists()


def test_a_cluster_that_cannot_isolate_refuses_unless_told(tmp_path):
    """Workers whose sandbox has only seccomp (no file allow-list): refused with exit 3 and no grade; with
    --unsafe-no-sandbox graded, and every row says so."""
    _submit(tmp_path / "submitted", "key", filled("key"))
    args = ["submitted", "--scheduler", "local:1", "--jobs", "1", "--csv", "grades.csv", "--no-progress"]
    weak = {"BACKPROP_SANDBOX_LAYERS": "seccomp"}
    p = _grade(args, tmp_path, weak)
    assert p.returncode == 3, p.stderr[-2000:]
    assert "refusing" in p.stderr.lower() and "allow-list" in p.stderr, p.stderr[-2000:]
    assert not (tmp_path / "grades.csv").exists()
    p = _grade(args + ["--unsafe-no-sandbox"], tmp_path, weak)
    assert p.returncode == 0, p.stderr[-2000:]
    rows = _rows(tmp_path / "grades.csv")
    assert [r["score"] for r in rows] == ["100"] and rows[0]["sandbox"].startswith("UNSAFE"), rows


def _certificates(folder: Path) -> dict[str, Path]:
    """A certificate authority and a certificate for each of the scheduler, the worker and the client."""
    if shutil.which("openssl") is None and not os.environ.get("CI"):
        pytest.skip("needs openssl")
    run = lambda *a: subprocess.run(["openssl", *a], cwd=folder, check=True, capture_output=True)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test CA", "-keyout",
        "ca-key.pem", "-out", "ca.pem")
    (folder / "san.cnf").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    for who in ("scheduler", "worker", "client"):
        run("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={who}", "-keyout", f"{who}-key.pem", "-out",
            f"{who}.csr")
        run("x509", "-req", "-in", f"{who}.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
            "-days", "2", "-extfile", "san.cnf", "-out", f"{who}.pem")
    return {name: folder / f"{name}.pem" for name in ("ca", "scheduler", "scheduler-key", "worker", "worker-key",
                                                      "client", "client-key")}


def test_the_worker_command_serves_a_tls_scheduler_that_refuses_strangers(tmp_path):
    """By hand, as docs/scale-out.md says: a TLS scheduler, `python -m autograder worker` (which starts its
    warm engine at once), and `grade --scheduler tls://...` with a client certificate. Without one, the
    grader cannot connect, says why, and every submission still gets its row."""
    from distributed import Client
    from distributed.security import Security
    pem = _certificates(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = []

    def start(*argv):
        started.append(subprocess.Popen([sys.executable, *argv], env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True, cwd=tmp_path))

    start("-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
          "--protocol", "tls", "--tls-ca-file", pem["ca"], "--tls-cert", pem["scheduler"], "--tls-key",
          pem["scheduler-key"], "--scheduler-file", tmp_path / "scheduler.json")
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "scheduler.json").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads((tmp_path / "scheduler.json").read_text())["address"]
        assert address.startswith("tls://")
        start("-m", "autograder", "worker", address, "--jobs", "1", "--name", "bph-tls", "--tls-ca-file",
              pem["ca"], "--tls-cert", pem["worker"], "--tls-key", pem["worker-key"])
        tls = Security(tls_ca_file=str(pem["ca"]), tls_client_cert=str(pem["client"]),
                       tls_client_key=str(pem["client-key"]), require_encryption=True)
        with Client(address, security=tls, timeout="60s") as client:
            client.wait_for_workers(1, timeout=120)
            warm = {}
            while time.monotonic() < deadline + 120 and not any(warm.values()):
                warm = client.run(lambda: len(sys.modules["autograder.doors.cluster"]._engines))
                time.sleep(0.5)
            assert list(warm.values()) == [1], "the worker did not start its engine with itself"
        for name in ("key", "bug_relu_derivative"):
            _submit(tmp_path / "submitted", name, filled(name))
        certs = ["--tls-ca-file", str(pem["ca"]), "--tls-cert", str(pem["client"]), "--tls-key",
                 str(pem["client-key"])]
        p = _grade(["submitted", "--scheduler", address, "--csv", "grades.csv", "--no-progress", *certs], tmp_path)
        assert p.returncode == 0, p.stderr[-2000:]
        assert {r["student"]: r["score"] for r in _rows(tmp_path / "grades.csv")} == \
            {"key": "100", "bug_relu_derivative": "86"}
        assert "on 1 Dask worker)" in p.stderr
        p = _grade(["submitted", "--scheduler", address, "--csv", "stranger.csv", "--no-progress"], tmp_path,
                   timeout=120)
        assert p.returncode == 1 and "--tls-cert" in p.stderr, p.stderr[-2000:]
        rows = _rows(tmp_path / "stranger.csv")
        assert sorted(r["student"] for r in rows) == ["bug_relu_derivative", "key"]
        assert all(r["flags"] == "internal_error" and "cannot reach the scheduler" in r["notes"] for r in rows), rows
    finally:
        for proc in started:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in started:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def test_local_grading_never_imports_dask(tmp_path):
    _submit(tmp_path / "submitted", "key", filled("key"))
    script = ("import sys\nfrom autograder.__main__ import main\n"
              "rc = main(['grade', 'submitted', '--csv', 'g.csv', '--no-progress', '--jobs', '1'])\n"
              "print('LOADED', sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n"
              "sys.exit(rc)\n")
    p = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert p.returncode == 0, p.stderr[-2000:]
    assert "LOADED []" in p.stdout, p.stdout
    assert _rows(tmp_path / "g.csv")[0]["score"] == "100"


def test_a_cluster_with_no_worker_still_gives_every_submission_a_row(tmp_path, monkeypatch, capsys):
    from distributed import Client, LocalCluster
    monkeypatch.setattr(cluster, "WAIT_FOR_WORKERS", 2)
    _submit(tmp_path / "submitted", "key", filled("key"))
    items = batch.assign(batch.find(tmp_path / "submitted"), A)
    with LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address=None, silence_logs=logging.CRITICAL) as lc, \
            Client(lc) as client:
        rc = cluster.grade_all(client, items, limits=Limits(), unsafe=False, csv_path=tmp_path / "grades.csv",
                               results_dir=tmp_path / "results", progress=False)
    assert rc == 1
    rows = _rows(tmp_path / "grades.csv")
    assert [(r["student"], r["flags"]) for r in rows] == [("key", "internal_error")]
    assert "could not start the run" in rows[0]["notes"] and (tmp_path / "results" / "key.json").exists()
    assert "could not start the run" in capsys.readouterr().err
