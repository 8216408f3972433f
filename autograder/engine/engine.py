"""The grading engine: student code runs in sandboxed worker processes; verdicts are decided here.

Per submission: read the notebook, restore its locked cells from the release, draw each check's inputs
(seeded from a secret and the submission), ask the NumPy checks in a process where torch cannot load and
the torch checks in another, and judge every answer in this process. A check that hangs or kills its process
is failed alone; the process is restarted for the checks after it."""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import shutil
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import notebook, sandbox, wire
from .checks import CHECKS
from .problems import rng_for
from .submissions import RELEASE, ROOT
from .verdict import Verdict

MAX_LINE = 256 * 1024 * 1024
_ENV_KEPT = {"PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "PYTHONHASHSEED", "VIRTUAL_ENV", sandbox.LAYERS_ENV}


@dataclass
class Limits:
    check_seconds: float = 20.0         # wall clock for one check's question
    cells_seconds: float = 60.0         # wall clock for running the notebook's cells
    submission_seconds: float = 180.0   # wall clock for everything of one submission
    memory: int = 1 << 30               # bytes a submission may map beyond the warm worker
    cpu: int = 120                      # CPU seconds of one worker process
    file: int = 1 << 20                 # bytes of any one file it writes (its output included)


@dataclass
class Report:
    """The outcome of one submission: a verdict per check and what an instructor should know."""
    submission: str
    student: str
    verdicts: list[Verdict]
    notes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    output: str = ""
    seconds: float = 0.0
    sandbox: str = ""                   # the isolation it was graded under

    @property
    def score(self) -> float:
        return sum(v.points for v in self.verdicts)

    @property
    def max_score(self) -> float:
        return sum(v.max_points for v in self.verdicts)


class _Timeout(Exception):
    pass


class _Closed(Exception):
    pass


class _Refused(Exception):
    """The job's sandbox could not be set up: its code was not run."""


class _Channel:
    """Newline-delimited JSON from a worker, read with deadlines; whatever arrives is only data."""

    def __init__(self, sock: socket.socket):
        self.sock, self.buf, self.calling = sock, bytearray(), None

    def next(self, seconds: float) -> dict:
        """The next message; {"calling": name} messages only update .calling (the function running)."""
        deadline = time.monotonic() + seconds
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                line, self.buf = bytes(self.buf[:i]), self.buf[i + 1:]
                try:
                    msg = wire.loads(line.decode("utf-8"))
                except ValueError:
                    msg = {"garbage": line[:200].decode("utf-8", "replace")}
                if not isinstance(msg, dict):
                    return {"garbage": str(msg)[:200]}
                if set(msg) == {"calling"}:
                    self.calling = str(msg["calling"])[:100]
                    continue
                return msg
            left = deadline - time.monotonic()
            if left <= 0:
                raise _Timeout()
            ready, _, _ = select.select([self.sock], [], [], left)
            if not ready:
                raise _Timeout()
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise _Closed()
            if len(self.buf) + len(chunk) > MAX_LINE:
                raise _Closed()
            self.buf += chunk


class _Zygote:
    """A warm worker process of one kind that forks a runner per job."""

    def __init__(self, kind: str):
        self.kind, self.lock = kind, threading.Lock()
        self._start()

    def _start(self):
        """Start the warm process; it answers `ready` with what the sandbox can do here."""
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {k: v for k, v in os.environ.items() if k in _ENV_KEPT}      # no secrets or credentials
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
        self.proc = subprocess.Popen([sys.executable, "-m", "autograder.worker", self.kind, str(theirs.fileno())],
                                     pass_fds=[theirs.fileno()], env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd="/",
                                     start_new_session=True)       # Ctrl-C reaches the grader, not the workers
        theirs.close()
        self.ctrl = mine
        mine.settimeout(120)
        hello = mine.recv(1 << 16)
        if not hello.startswith(b"ready "):
            raise RuntimeError(f"the {self.kind} worker did not start: {self.proc.stderr.read().decode()[-2000:]}")
        self.found = json.loads(hello[6:])
        mine.settimeout(None)

    def spawn(self) -> socket.socket:
        ours, theirs = socket.socketpair()
        with self.lock:
            if self.proc.poll() is not None:
                self._start()
            socket.send_fds(self.ctrl, [b"job"], [theirs.fileno()])
        theirs.close()
        return ours

    def close(self):
        try:
            self.ctrl.close()
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()


def _kill(hello: dict | None, runner: bool = True) -> None:
    """End the student's process (its runner then ends what it left behind), and the runner's group."""
    if not hello:
        return
    for pid, group in ((hello.get("pid"), False), (hello.get("runner"), True))[:2 if runner else 1]:
        if isinstance(pid, int) and pid > 1:
            try:
                os.killpg(pid, signal.SIGKILL) if group else os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


class SandboxUnavailable(RuntimeError):
    """The grader cannot isolate submissions here and was not told to grade without isolation."""


class _UidPool:
    """User ids for jobs when grading as root, unique across every grader on the machine: each id is held
    with a lock file for as long as its job runs."""

    def __init__(self):
        self.dir = Path("/run/backprop-by-hand-uids" if os.path.isdir("/run") else
                        Path(tempfile.gettempdir()) / "backprop-by-hand-uids")
        self.dir.mkdir(mode=0o700, exist_ok=True)
        self.next, self.lock = secrets.randbelow(sandbox.UID_COUNT), threading.Lock()

    def take(self) -> tuple[int, int]:
        for _ in range(sandbox.UID_COUNT):
            with self.lock:
                self.next = (self.next + 1) % sandbox.UID_COUNT
                uid = sandbox.UID_BASE + self.next
            fd = os.open(self.dir / f"{uid}.lock", os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return uid, fd
            except BlockingIOError:
                os.close(fd)
        raise RuntimeError("every sandbox user id is in use")

    @staticmethod
    def give_back(fd: int | None) -> None:
        if fd is not None:
            os.close(fd)


class Engine:
    def __init__(self, limits: Limits | None = None, secret: str | None = None, unsafe: bool = False):
        """Start the warm workers and measure the sandbox. Raises SandboxUnavailable when submissions could
        not be isolated here, unless `unsafe` (grading without isolation, recorded in every report)."""
        self.limits = limits or Limits()
        self.secret = secret or os.environ.get("BACKPROP_SECRET") or secrets.token_hex(16)
        self.release = nbformat.read(RELEASE, 4)
        self._running: dict[int, dict] = {}         # job id -> its hello (the pids to kill)
        self._lock = threading.Lock()
        self._zygotes = {}
        try:
            for kind in ("numpy", "torch"):
                self._zygotes[kind] = _Zygote(kind)
            self._decide(unsafe)
        except BaseException:
            self.close()
            raise
        self._uids = _UidPool() if self.found["uid"] else None
        self._scratch = None if "namespaces" in self.layers else tempfile.mkdtemp(prefix="backprop-jobs-")
        if self._scratch and self._uids:
            os.chmod(self._scratch, 0o711)

    def _decide(self, unsafe: bool) -> None:
        """The layers every job gets: those that took effect in every kind of worker."""
        found = [z.found for z in self._zygotes.values()]
        self.found = {"root": sandbox.is_root(),
                      "namespaces": all(f["namespaces"] for f in found),
                      "landlock": min(f["landlock"] for f in found),
                      "seccomp": all(f["seccomp"] for f in found),
                      "uid": all(f["uid"] for f in found),
                      "errors": sorted({e for f in found for e in f["errors"]})}
        self.found["files_blocked"] = all(f.get("files_blocked") for f in found)
        self.found["network_blocked"] = all(f.get("network_blocked") for f in found)
        self.layers = [layer for layer in sandbox.LAYERS if self.found[layer]]
        self.missing = sandbox.missing(self.found)
        self.sandbox = sandbox.describe(self.found)
        if self.missing and not unsafe:
            raise SandboxUnavailable(
                "Refusing to grade: submissions cannot be isolated on this machine. Missing: "
                + "; ".join(self.missing) + ". Sandbox layers that work here: " + self.sandbox + "."
                + (" Why: " + " | ".join(self.found["errors"]) if self.found["errors"] else "")
                + " To grade anyway, trusting every submission with your account's rights, pass "
                  "--unsafe-no-sandbox (recorded in every result).")
        if unsafe:
            self.sandbox = f"UNSAFE (--unsafe-no-sandbox): {self.sandbox}"

    def close(self):
        """Stop every job still running, then the warm workers."""
        with self._lock:
            running = list(self._running.values())
        for hello in running:
            _kill(hello)
        for z in self._zygotes.values():
            z.close()
        if getattr(self, "_scratch", None):
            shutil.rmtree(self._scratch, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ one submission
    def grade(self, path: Path, student: str | None = None) -> Report:
        start = time.monotonic()
        path = Path(path)
        student = student or path.stem
        data = path.read_bytes() if path.is_file() else b""
        nb, problem = _read_notebook(path, data)
        if nb is None:
            verdicts = [c.verdict(False, f"{c.part}, {c.title}: not graded: {problem}", "unreadable")
                        for c in CHECKS]
            return Report(str(path), student, verdicts, [problem], ["unreadable"], seconds=time.monotonic() - start,
                          sandbox=self.sandbox)
        key = hashlib.sha256(data).hexdigest()
        inputs = {c.name: c.inputs(rng_for(c.name, key, self.secret)) for c in CHECKS}
        report = Report(str(path), student, [], sandbox=self.sandbox)
        cells = _cells_to_run(nb, self.release)
        verdicts = {}
        end = start + self.limits.submission_seconds
        for kind in ("numpy", "torch"):
            todo = [c for c in CHECKS if c.numpy_only == (kind == "numpy")]
            rest = [c for c in CHECKS if c.numpy_only != (kind == "numpy") and c.name not in verdicts]
            # keep for the kinds still to come at least their share of the whole budget
            reserve = self.limits.submission_seconds * len(rest) / len(CHECKS)
            self._ask(kind, cells, todo, inputs, verdicts, report, max(end - reserve, time.monotonic() + 1))
        report.verdicts = [verdicts[c.name] for c in CHECKS]
        if any(v.tag == "torch_in_numpy" for v in report.verdicts):
            report.flags.append("torch_in_numpy")
        report.flags = sorted(set(report.flags))
        report.seconds = time.monotonic() - start
        return report

    def _ask(self, kind, cells, todo, inputs, verdicts, report, deadline):
        pending = list(todo)
        first = True
        while pending:
            if time.monotonic() >= deadline:
                for c in pending:
                    verdicts[c.name] = c.verdict(False, f"{c.part}, {c.title}: not graded: the submission used up "
                                                 f"its time ({self.limits.submission_seconds:g} s in all) before "
                                                 "this check.", "timeout")
                report.flags.append("timeout")
                return
            uid, uid_lock = self._uids.take() if self._uids else (None, None)
            job = {"cells": cells, "layers": self.layers, "uid": uid, "scratch": self._scratch,
                   "limits": {"memory": self.limits.memory, "cpu": self.limits.cpu, "file": self.limits.file},
                   "questions": [{"check": c.name, "inputs": wire.dumps(inputs[c.name])} for c in pending]}
            sock = self._zygotes[kind].spawn()
            ch, hello, phase = _Channel(sock), None, "start"
            try:
                sock.sendall(wire.dumps(job).encode() + b"\n")
                hello = ch.next(30).get("hello")
                with self._lock:
                    self._running[id(sock)] = hello
                if not hello or hello.get("refused"):
                    raise _Refused(hello.get("refused") if hello else "the worker did not start the job")
                phase = "cells"
                cells_limit = max(1.0, min(self.limits.cells_seconds, deadline - time.monotonic()))
                msg = ch.next(cells_limit)
                if "refused" in msg:
                    raise _Refused(str(msg["refused"])[:300])
                if "cells" not in msg:
                    raise _Closed()
                if first:
                    report.notes += [f"{kind} worker: {e}" for e in msg.get("cells", []) if isinstance(e, str)]
                    note = f"replaced {', '.join(map(str, msg.get('tampered') or []))} (no effect on grading)"
                    if msg.get("tampered") and note not in report.notes:
                        report.flags.append("tampering")
                        report.notes.append(note)
                first = False
                phase = "checks"
                while pending:
                    c = pending[0]
                    msg = ch.next(min(self.limits.check_seconds, max(0.0, deadline - time.monotonic())))
                    if msg.get("check") != c.name or "answer" not in msg:
                        if "exit" in msg:
                            raise _Closed(msg)
                        report.flags.append("tampering")
                        report.notes.append(f"unexpected message from the submission while grading {c.name}")
                        raise _Closed()
                    answer = msg["answer"] if isinstance(msg["answer"], dict) else {"__type__": "not a dict"}
                    verdicts[c.name] = c.decide(inputs[c.name], answer)
                    pending.pop(0)
            except _Timeout:
                if phase == "checks":
                    fn = ch.calling
                    stuck = [c for c in pending if c is pending[0] or fn in c.uses]
                    for c in stuck:
                        verdicts[c.name] = c.verdict(False, f"{c.part}, {c.title}: " + (
                            f"`{fn}` did not finish within {self.limits.check_seconds:g} s and was stopped"
                            if fn else f"did not finish within {self.limits.check_seconds:g} s") + ".", "timeout")
                    pending = [c for c in pending if c not in stuck]
                    report.flags.append("timeout")
                else:
                    why = "the notebook's code did not finish" if phase == "cells" else "the worker did not start"
                    limit = cells_limit if phase == "cells" else 30
                    for c in pending:
                        verdicts[c.name] = c.verdict(False, f"{c.part}, {c.title}: not graded: {why} within "
                                                     f"{limit:.0f} s.", "timeout")
                    report.flags.append("timeout")
                    pending = []
            except _Refused as refused:
                for c in pending:
                    verdicts[c.name] = c.verdict(False, f"{c.part}, {c.title}: not graded: the sandbox could not "
                                                 f"be set up for this submission ({refused}).", "sandbox")
                report.flags.append("sandbox")
                report.notes.append(f"{kind} worker: the sandbox could not be set up: {refused}")
                pending = []
            except _Closed as closed:
                exit_msg = closed.args[0] if closed.args else self._exit_message(ch)
                how = exit_msg.get("exit", "ended without answering") if exit_msg else "ended without answering"
                if exit_msg and exit_msg.get("output"):
                    report.output = (report.output + exit_msg["output"])[-64 * 1024:]
                report.flags.append("crashed")
                if phase == "checks" and pending:
                    fn = ch.calling
                    stuck = [c for c in pending if c is pending[0] or fn in c.uses]
                    for c in stuck:
                        verdicts[c.name] = c.verdict(False, f"{c.part}, {c.title}: the process running your code "
                                                     f"{how}" + (f" in `{fn}`" if fn else "") + ".", "crashed")
                    pending = [c for c in pending if c not in stuck]
                else:
                    for c in pending:
                        verdicts[c.name] = c.verdict(False, f"{c.part}, {c.title}: not graded: the process "
                                                     f"running your notebook {how} before the checks.", "crashed")
                    pending = []
            finally:
                _kill(hello, runner=False)
                try:
                    final = self._exit_message(ch, 5) if hello else None
                    if final and isinstance(final.get("output"), str) and final["output"] not in report.output:
                        report.output = (report.output + final["output"])[-64 * 1024:]
                finally:
                    _kill(hello)
                    with self._lock:
                        self._running.pop(id(sock), None)
                    sock.close()
                    _UidPool.give_back(uid_lock)

    @staticmethod
    def _exit_message(ch: _Channel, seconds: float = 2) -> dict | None:
        try:
            while True:
                msg = ch.next(seconds)
                if "exit" in msg:
                    return msg
        except (_Timeout, _Closed, OSError):
            return None


def _read_notebook(path: Path, data: bytes):
    if not path.is_file():
        return None, f"{path.name} is not a file."
    if not data.strip():
        return None, f"{path.name} is empty."
    if path.suffix != ".ipynb":
        return None, f"{path.name} is not a notebook (.ipynb); submit the assignment's notebook itself."
    try:
        nb = nbformat.reads(data.decode("utf-8", "replace"), 4)
        nbformat.validate(nb)
    except Exception as e:
        first = str(e).strip().splitlines()[0][:200] if str(e).strip() else ""
        return None, f"{path.name} could not be read as a notebook ({type(e).__name__}: {first})."
    stand_in = nb.metadata.get("backprop", {}).get("unreadable")
    if stand_in:                        # the course kept the original and put the blank notebook in its place
        return None, f"the file as submitted could not be read ({stand_in})."
    return nb, ""


def _cells_to_run(nb, release) -> list[tuple[str, str]]:
    """The submission's runnable cells, with every locked cell's text taken from the release."""
    locked = {c.metadata.nbgrader["grade_id"]: c.source for c in release.cells
              if c.cell_type == "code" and c.get("metadata", {}).get("nbgrader", {}).get("locked")}
    cells = notebook.runnable_cells(nb)
    have = {label for label, _ in cells}
    cells = [(label, locked.get(label, src)) for label, src in cells]
    missing = [(gid, src) for gid, src in locked.items()
               if gid not in have and gid in {"setup", "helpers"}]
    return missing + cells
