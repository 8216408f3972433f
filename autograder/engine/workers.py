"""The grader's side of the warm workers: starting them, handing them jobs, ending what a job left."""
from __future__ import annotations

import fcntl
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from . import sandbox

PACKAGE_PARENT = Path(__file__).resolve().parents[2]      # what makes `import autograder` work in a worker
START_SECONDS = 120                                      # a warm worker's own start (imports, probe)
UID_LOCKS = "backprop-by-hand-uids"                      # the folder of lock files, shared by every grader
ENV_KEPT = {"PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "PYTHONHASHSEED", "VIRTUAL_ENV", sandbox.LAYERS_ENV}


class Zygote:
    """A warm worker process of one kind: it preloads the modules of the assignments it serves, measures
    the sandbox, and forks a runner per job."""

    def __init__(self, kind: str, modules: list[str], packages: list[str], paths: list[str]):
        self.kind, self.modules, self.packages, self.paths = kind, modules, packages, paths
        self.lock = threading.Lock()
        self.closed = False
        self._start()

    def _start(self):
        """Start the warm process; it answers `ready` with what the sandbox can do here."""
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {k: v for k, v in os.environ.items() if k in ENV_KEPT}      # no secrets or credentials
        env["PYTHONPATH"] = os.pathsep.join([str(PACKAGE_PARENT), *self.paths, os.environ.get("PYTHONPATH", "")])
        self.proc = subprocess.Popen([sys.executable, "-m", "autograder.engine.worker", self.kind,
                                      str(theirs.fileno()), ",".join(self.modules), ",".join(self.packages)],
                                     pass_fds=[theirs.fileno()], env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd="/",
                                     start_new_session=True)       # Ctrl-C reaches the grader, not the workers
        theirs.close()
        self.ctrl = mine
        mine.settimeout(START_SECONDS)
        try:
            hello = mine.recv(1 << 16)
        except OSError:             # it did not answer in time: it must not linger
            hello = b""
        if not hello.startswith(b"ready "):
            self.proc.kill()
            raise RuntimeError(f"the {self.kind} worker did not start: {self.proc.stderr.read().decode()[-2000:]}")
        self.found = json.loads(hello[6:])
        mine.settimeout(None)

    def spawn(self) -> socket.socket:
        with self.lock:
            if self.closed:             # a grading thread still running after close() starts nothing new
                raise RuntimeError(f"the {self.kind} worker was closed")
            ours, theirs = socket.socketpair()
            if self.proc.poll() is not None:
                self._start()
            socket.send_fds(self.ctrl, [b"job"], [theirs.fileno()])
        theirs.close()
        return ours

    def close(self):
        with self.lock:
            self.closed = True
        try:
            self.ctrl.close()
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()


def kill(hello: dict | None, runner: bool = True) -> None:
    """End the student's process (its runner then ends what it left behind), and the runner's group."""
    if not isinstance(hello, dict):
        return
    for pid, group in ((hello.get("pid"), False), (hello.get("runner"), True))[:2 if runner else 1]:
        if isinstance(pid, int) and pid > 1:
            try:
                os.killpg(pid, signal.SIGKILL) if group else os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


class UidPool:
    """User ids for jobs when grading as root, unique across every grader on the machine: each id is held
    with a lock file for as long as its job runs."""

    def __init__(self):
        self.dir = Path("/run" if os.path.isdir("/run") else tempfile.gettempdir()) / UID_LOCKS
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
