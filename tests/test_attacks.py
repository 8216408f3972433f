"""An attacker that tries every way out at once (tests/answers/backprop/hostile_attacker.py), graded in one batch
with two correct students and a blank notebook, and judged only from outside: with the grader run as root,
as a genuinely unprivileged user, and as that user where user namespaces are refused (tests/no_userns.py).
Where the sandbox cannot isolate at all, the grader refuses, unless told --unsafe-no-sandbox, which every
result then records.

Each run copies what the grader needs into a course folder of its own (with the answer key in its files and
in its git history, as an instructor's course has it), owned by the user who grades. The unprivileged user
and a Python it can run come from BPH_UNPRIVILEGED_USER and BPH_UNPRIVILEGED_PYTHON (.ci/run makes both).
BPH_ATTACKS=files,git,students,markers,network,environ,memory,daemon,kill runs only the attacks named, to
see one at a time what gets through.
"""
from __future__ import annotations

import csv
import functools
import hashlib
import importlib.util
import json
import os
import pwd
import secrets
import shutil
import signal
import site
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import psutil
import pytest

from autograder.doors import submissions
from helpers import A, ROOT, answer, filled

pytestmark = pytest.mark.attack

USER = os.environ.get("BPH_UNPRIVILEGED_USER", "bph-grader")
USER_PYTHON = os.environ.get("BPH_UNPRIVILEGED_PYTHON", "/opt/backprop-by-hand/unprivileged-venv/bin/python")
COURSE_FILES = ("autograder", "release", "source", "solutions", "nbgrader_config.py", "pyproject.toml")
STUDENTS = {"a_attacker": "hostile_attacker", "b_victim_key": "key", "c_victim_layers": "style_layers",
            "d_blank": "broken_blank"}             # graded in this order, two at a time
VICTIMS = ("b_victim_key", "c_victim_layers")
BENIGN = {"a_key": "key", "b_blank": "broken_blank"}
MODES = ("root", "user", "user_no_userns", "cluster")      # cluster: as root, on a local Dask cluster
LEVEL = {"root": ["namespaces"], "user": ["namespaces"], "user_no_userns": ["landlock", "seccomp"],
         "cluster": ["namespaces", "on 2 Dask workers"]}
NOT_LEVEL = {"user_no_userns": ["namespaces"]}
REFUSAL_NAMES = {"--no-landlock": ["namespace", "landlock"], "--no-seccomp": ["namespace", "seccomp"]}
LAYERS_ENV = "BACKPROP_SANDBOX_LAYERS"
GRADE = ["grade", "submitted", "--csv", "grades.csv", "--results-dir", "results", "--jobs", "2", "--no-progress"]
ON_CLUSTER = ["--scheduler", "local:2", "--jobs", "1"]      # two Dask workers of one job each


# ---------------------------------------------------------------------------------------------- who grades
@dataclass
class Grader:
    mode: str
    python: str
    name: str
    uid: int
    gid: int
    home: str
    wrapped: bool = False               # under tests/no_userns.py

    def prefix(self, course: Path, wrap: list[str] | None = None) -> list[str]:
        """What runs a command as this grader: the switch of user, and the wrapper with its options."""
        switch = [] if self.uid == os.geteuid() else \
            ["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--init-groups", "--"]
        return switch + ([] if wrap is None else [self.python, str(course / "no_userns.py"), *wrap, "--"])

    def command(self, course: Path, args: list[str], wrap: list[str] | None = None) -> list[str]:
        return self.prefix(course, wrap) + [self.python, "-m", "autograder", *args]

    def env(self, course: Path, secret: str) -> dict:
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": self.home, "USER": self.name,
               "LOGNAME": self.name, "PYTHONPATH": str(course), "BACKPROP_SECRET": secret}
        if os.environ.get(LAYERS_ENV) is not None:
            env[LAYERS_ENV] = os.environ[LAYERS_ENV]
        return env

    def site_packages(self) -> list[Path]:
        if self.uid == 0:
            return [Path(p) for p in site.getsitepackages()] + [Path(sys.prefix), Path(sys.base_prefix)]
        venv = Path(self.python).parent.parent
        return [venv, *venv.glob("lib/python3*/site-packages")]


@functools.lru_cache(maxsize=None)
def _unprivileged_problem() -> str | None:
    """Why the unprivileged user cannot grade here, or None."""
    try:
        pw = pwd.getpwnam(USER)
    except KeyError:
        return f"there is no user {USER!r}"
    if pw.pw_uid == 0:
        return f"{USER!r} is root"
    if not os.access(USER_PYTHON, os.X_OK):
        return f"{USER_PYTHON} is missing"
    probe = subprocess.run(["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--init-groups", "--",
                            USER_PYTHON, "-c", "import nbformat, numpy, psutil, landlockpy, pyseccomp"],
                           capture_output=True, text=True, cwd="/", env={"PATH": "/usr/bin:/bin"})
    if probe.returncode:
        return f"{USER} cannot run {USER_PYTHON} with the grader's packages: {probe.stderr.strip()[-300:]}"
    return None


def grader(mode: str) -> Grader:
    if os.geteuid() != 0:
        pytest.skip("grading as root or as another user needs the tests to run as root (as CI does)")
    if mode in ("root", "cluster"):
        if mode == "cluster" and importlib.util.find_spec("distributed") is None and not os.environ.get("CI"):
            pytest.skip("needs the dask extra: pip install -e '.[dask]'")
        return Grader(mode, sys.executable, "root", 0, 0, pwd.getpwuid(0).pw_dir)
    problem = _unprivileged_problem()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"the unprivileged grader is not set up ({problem}); .ci/run sets it up")
        pytest.skip(problem)
    pw = pwd.getpwnam(USER)
    return Grader(mode, USER_PYTHON, USER, pw.pw_uid, pw.pw_gid, pw.pw_dir, wrapped=mode == "user_no_userns")


# ---------------------------------------------------------------------------------------------- the course
def _git(course: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=Course staff", "-c", "user.email=staff@course.invalid", *args],
                   cwd=course, check=True, capture_output=True)


def _chown(top: Path, g: Grader) -> None:
    for d, subdirs, files in os.walk(top):
        for name in [d] + [os.path.join(d, n) for n in subdirs + files]:
            os.lchown(name, g.uid, g.gid)


def build_course(g: Grader, students: dict[str, str], settings: dict | None = None) -> Path:
    """A course folder as an instructor has it: the grader, the release, the answer key (committed to git),
    and submitted/<student>/backprop/backprop.ipynb; readable by all, owned by whoever grades."""
    course = Path(tempfile.mkdtemp(prefix="bph-attack-course-"))
    course.chmod(0o755)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    for name in COURSE_FILES:
        src = ROOT / name
        (shutil.copytree(src, course / name, ignore=ignore) if src.is_dir() else shutil.copy2(src, course / name))
    shutil.copy2(Path(__file__).with_name("no_userns.py"), course / "no_userns.py")
    _git(course, "init", "-q", "-b", "main")
    _git(course, "add", "-A")
    _git(course, "commit", "-q", "-m", "The course")
    for student, answer_name in students.items():
        ans = answer(answer_name)
        if "extra_attack" in ans.cells:
            assert "_SETTINGS = {}\n" in ans.cells["extra_attack"]
            ans.cells["extra_attack"] = ans.cells["extra_attack"].replace(
                "_SETTINGS = {}\n", f"_SETTINGS = {settings!r}\n", 1)
        path = course / "submitted" / student / "backprop" / "backprop.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(submissions.fill(ans, A), path)
    _chown(course, g)
    return course


def run(g: Grader, course: Path, args: list[str], secret: str, wrap: list[str] | None = None,
        timeout: float = 300) -> tuple[int | str, str]:
    """The grader's exit code (or "timeout") and everything it printed."""
    proc = subprocess.Popen(g.command(course, args, wrap), cwd=course, env=g.env(course, secret),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out + err
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return "timeout", out + err


def read_rows(course: Path) -> dict[str, dict]:
    try:
        with open(course / "grades.csv", newline="") as f:
            return {r["student"]: r for r in csv.DictReader(f) if r.get("student")}
    except (OSError, csv.Error):
        return {}


def read_results(folder: Path) -> dict[str, dict]:
    found = {}
    for p in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            found[p.stem] = json.loads(p.read_text())
        except (OSError, ValueError):
            found[p.stem] = {}
    return found


def score(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def sandbox_line(out: str) -> str | None:
    return next((line for line in out.splitlines() if line.startswith("sandbox:")), None)


# ---------------------------------------------------------------------------------------------- from outside
class Listeners:
    """Loopback ports that a submission must not reach: TCP and UDP, IPv4 and IPv6 where there is IPv6."""

    KINDS = {"tcp4": (socket.AF_INET, "127.0.0.1", socket.SOCK_STREAM),
             "tcp6": (socket.AF_INET6, "::1", socket.SOCK_STREAM),
             "udp4": (socket.AF_INET, "127.0.0.1", socket.SOCK_DGRAM),
             "udp6": (socket.AF_INET6, "::1", socket.SOCK_DGRAM)}

    def __enter__(self):
        self.socks = {}
        for key, (family, host, kind) in self.KINDS.items():
            try:
                s = socket.socket(family, kind)
                s.bind((host, 0))
            except OSError:
                assert key.endswith("6"), f"cannot listen on {host}"
                continue
            if kind == socket.SOCK_STREAM:
                s.listen(16)
            s.setblocking(False)
            self.socks[key] = s
        self.ports = {k: (self.socks[k].getsockname()[1] if k in self.socks else 0) for k in self.KINDS}
        return self

    def heard(self) -> list[str]:
        got = []
        for key, s in self.socks.items():
            for _ in range(32):
                try:
                    if key.startswith("tcp"):
                        conn, addr = s.accept()
                        conn.close()
                        got.append(f"{key}: a connection from {addr}")
                    else:
                        data, addr = s.recvfrom(4096)
                        got.append(f"{key}: {data[:60]!r} from {addr}")
                except (BlockingIOError, InterruptedError):
                    break
        return got

    def __exit__(self, *exc):
        for s in self.socks.values():
            s.close()


def tree_hash(top: Path) -> dict[str, str]:
    return {str(p.relative_to(top)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(top.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


def survivors(token: str) -> list[str]:
    """Processes whose arguments carry the token, each ended once found (they were started by the attacker)."""
    found = []
    for p in psutil.process_iter(["pid", "cmdline", "username"]):
        if any(token in a for a in (p.info["cmdline"] or [])):
            found.append(f"pid {p.info['pid']} ({p.info['username']}): {' '.join(p.info['cmdline'])[:60]}...")
            try:
                os.kill(p.info["pid"], signal.SIGKILL)
            except OSError:
                pass
    return found


def markers(token: str, course: Path, g: Grader) -> list[str]:
    """Every file whose name carries the token, in the course and everywhere the attacker tried; each one
    outside the course (which is deleted anyway) is removed once found."""
    deep = [course, Path("/tmp"), Path("/var/tmp"), Path("/dev/shm")]
    flat = {Path("/"), Path("/root"), Path(g.home), *Path("/home").glob("*"), *g.site_packages(),
            *course.parents}
    found = []
    for top in deep:
        seen = 0
        for d, subdirs, files in os.walk(top):
            seen += len(files) + len(subdirs)
            if seen > 500_000 or len(Path(d).relative_to(top).parts) >= 6:
                subdirs[:] = []
            found += [os.path.join(d, n) for n in files + subdirs if token in n]
    for top in flat:
        try:
            found += [str(p) for p in top.iterdir() if token in p.name]
        except OSError:
            pass
    found = sorted(set(found))
    for f in found:
        if not f.startswith(str(course) + os.sep) and os.path.isfile(f):
            os.remove(f)
    return found


# ---------------------------------------------------------------------------------------------- one attack
@dataclass
class Outcome:
    mode: str
    rc: int | str
    out: str
    rows: dict
    results: dict
    victims_changed: list
    markers: list
    heard: list
    survivors: list
    package_changed: list
    second_rc: int | str
    second_out: str
    second: dict
    secret: str
    texts: dict                       # every output a person or a tool reads: name -> text


@pytest.fixture(scope="module", params=MODES)
def attacked(request) -> Outcome:
    g = grader(request.param)
    token, secret = secrets.token_hex(8), "bphsecret" + secrets.token_hex(12)
    with Listeners() as ears:
        settings = {"token": token, "attacks": os.environ.get("BPH_ATTACKS", "all"), "walk_seconds": 4,
                    **ears.ports}
        course = build_course(g, STUDENTS, settings)
        try:
            package = tree_hash(course / "autograder")
            victims = {s: (course / "submitted" / s / "backprop" / "backprop.ipynb").read_bytes() for s in VICTIMS}
            rc, out = run(g, course, GRADE + (ON_CLUSTER if g.mode == "cluster" else []), secret,
                          wrap=[] if g.wrapped else None)
            time.sleep(1)             # the time a detached process would take to act
            left = survivors(token)
            heard = ears.heard()
            rows, results = read_rows(course), read_results(course / "results")
            changed = [s for s, data in victims.items()
                       if not (course / "submitted" / s / "backprop" / "backprop.ipynb").exists()
                       or (course / "submitted" / s / "backprop" / "backprop.ipynb").read_bytes() != data]
            now = tree_hash(course / "autograder")
            package_changed = sorted(k for k in set(package) | set(now) if package.get(k) != now.get(k))
            found = markers(token, course, g)
            later = course / "later" / "backprop.ipynb"      # a blank notebook graded by a second run
            later.parent.mkdir()
            nbformat.write(filled("broken_blank"), later)
            _chown(later.parent, g)
            second_rc, second_out = run(g, course, ["grade", "later/backprop.ipynb", "--results", "later.json"],
                                        secret, wrap=[] if g.wrapped else None)
            second = read_results(course).get("later", {})
            texts = {"grader output": out, "second run output": second_out}
            for p in [course / "grades.csv", course / "later.json", *sorted((course / "results").glob("*"))]:
                if p.is_file():
                    texts[p.name] = p.read_text(errors="replace")
            yield Outcome(g.mode, rc, out, rows, results, changed, found, heard, left, package_changed,
                          second_rc, second_out, second, secret, texts)
        finally:
            survivors(token)
            shutil.rmtree(course, ignore_errors=True)


def _why(o: Outcome) -> str:
    return f"[{o.mode}] grader exit {o.rc}; its output ends: {o.out[-1500:]}"


def test_the_grader_finishes_and_writes_every_row(attacked):
    o = attacked
    assert o.rc == 0, _why(o)
    assert set(o.rows) == set(STUDENTS), _why(o)
    assert set(o.results) == set(STUDENTS), _why(o)
    assert all(score(r.get("score")) is not None for r in o.results.values()), o.results


def test_the_attack_ran_to_its_end(attacked):
    """Its last line raises an error whose note reaches the results: the attack was tried, not skipped."""
    o = attacked
    note = "the attack ran to its end"
    assert note in json.dumps(o.results.get("a_attacker", {})), _why(o)


def test_the_attacker_scores_no_more_than_a_blank_notebook(attacked):
    o = attacked
    attacker, blank = (score(o.rows.get(s, {}).get("score")) for s in ("a_attacker", "d_blank"))
    assert blank == 0, f"the blank notebook scored {blank}; " + _why(o)
    assert attacker is not None and attacker <= blank, f"the attacker scored {attacker}; " + _why(o)
    assert all(score(r.get("score")) == score(o.rows.get(s, {}).get("score")) for s, r in o.results.items()), \
        "results JSON and CSV disagree"


def test_the_victims_keep_full_marks_and_their_files(attacked):
    o = attacked
    assert not o.victims_changed, f"changed on disk: {o.victims_changed}"
    for s in VICTIMS:
        assert score(o.rows.get(s, {}).get("score")) == 100, f"{s}: {o.rows.get(s)}; " + _why(o)


def test_no_marker_anywhere_it_tried(attacked):
    assert not attacked.markers, attacked.markers


def test_the_package_is_unchanged(attacked):
    assert not attacked.package_changed, attacked.package_changed


def test_nothing_reached_the_loopback_listeners(attacked):
    assert not attacked.heard, attacked.heard


def test_no_process_outlives_the_grader(attacked):
    assert not attacked.survivors, attacked.survivors


def test_the_secret_is_in_no_output(attacked):
    o = attacked
    assert not [name for name, text in o.texts.items() if o.secret in text]


def test_a_blank_graded_afterwards_still_scores_zero(attacked):
    o = attacked
    assert o.second_rc == 0, f"[{o.mode}] exit {o.second_rc}: {o.second_out[-1500:]}"
    assert score(o.second.get("score")) == 0, o.second.get("score")


def test_the_sandbox_level_is_reported(attacked):
    o = attacked
    line = sandbox_line(o.out)
    assert line, "no line starting 'sandbox:' in the grader's output: " + o.out[-1000:]
    assert all(w in line for w in LEVEL[o.mode]) and not any(w in line for w in NOT_LEVEL.get(o.mode, [])), line
    assert o.rows and all(r.get("sandbox") for r in o.rows.values()), "the CSV has no sandbox column"
    assert o.results and all(isinstance(r.get("sandbox"), str) and r["sandbox"] for r in o.results.values())


# ---------------------------------------------------------------------------------------------- fail closed
def test_the_wrapper_takes_user_namespaces_away():
    """tests/no_userns.py does what the fail-closed tests rely on: no user namespace, the rest intact."""
    g = grader("user_no_userns")
    course = build_course(g, {})
    try:
        def as_user(*cmd, wrap=None):
            return subprocess.run(g.prefix(course, wrap) + list(cmd), cwd=course, env=g.env(course, ""),
                                  capture_output=True, text=True)
        plain = as_user("unshare", "--user", "--map-root-user", "--net", "true")
        wrapped = as_user("unshare", "--user", "--map-root-user", "--net", "true", wrap=[])
        assert wrapped.returncode != 0 and "not permitted" in wrapped.stderr, wrapped
        if plain.returncode != 0:
            pytest.skip(f"this machine refuses user namespaces already: {plain.stderr.strip()}")
        spawn = as_user(g.python, "-c", "import subprocess, threading; t = threading.Thread(target=print); "
                                        "t.start(); t.join(); subprocess.run(['true'], check=True)", wrap=[])
        assert spawn.returncode == 0, spawn.stderr
        landlock = "import landlockpy; print(landlockpy.supported())"
        assert as_user(g.python, "-c", landlock, wrap=[]).stdout.strip() == "True"
        assert as_user(g.python, "-c", landlock, wrap=["--no-landlock"]).stdout.strip() == "False"
        load = "import pyseccomp as s; s.SyscallFilter(s.ALLOW).load()"
        assert as_user(g.python, "-c", load, wrap=[]).returncode == 0
        assert as_user(g.python, "-c", load, wrap=["--no-seccomp"]).returncode != 0
    finally:
        shutil.rmtree(course, ignore_errors=True)


@pytest.mark.parametrize("taken", sorted(REFUSAL_NAMES))
def test_refuses_where_submissions_cannot_be_isolated(taken):
    """No user namespaces and no Landlock (no file-system allow-list), or no seccomp (no network block)."""
    g = grader("user_no_userns")
    course = build_course(g, BENIGN)
    try:
        rc, out = run(g, course, GRADE, "bphsecret-unused", wrap=[taken])
        assert rc != 0, f"graded anyway (exit {rc}): {out[-1500:]}"
        rows, results = read_rows(course), read_results(course / "results")
        scored = {s: r.get("score") for s, r in list(rows.items()) + list(results.items()) if score(r.get("score"))}
        assert not scored, f"scores written although it refused: {scored}"
        said = out.lower()
        assert all(w in said for w in REFUSAL_NAMES[taken]), f"the message does not say what is missing: {out}"
    finally:
        shutil.rmtree(course, ignore_errors=True)


def test_the_unsafe_opt_out_grades_and_every_result_says_so():
    g = grader("user_no_userns")
    course = build_course(g, BENIGN)
    try:
        rc, out = run(g, course, GRADE + ["--unsafe-no-sandbox"], "bphsecret-unused", wrap=["--no-landlock"])
        assert rc == 0, out[-1500:]
        rows, results = read_rows(course), read_results(course / "results")
        assert {s: score(r["score"]) for s, r in rows.items()} == {"a_key": 100, "b_blank": 0}, rows
        assert set(results) == set(BENIGN)
        assert all("unsafe" in (r.get("sandbox") or "").lower() for r in rows.values()), rows
        assert all("unsafe" in str(r.get("sandbox", "")).lower() for r in results.values()), results
        assert "unsafe" in (sandbox_line(out) or "").lower(), out[-1000:]
    finally:
        shutil.rmtree(course, ignore_errors=True)
