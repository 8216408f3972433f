"""The grading engine: student code runs in sandboxed worker processes; verdicts are decided here.

Per submission: read the notebook, restore its locked cells from the assignment's release, draw each check's
inputs (seeded from a secret and the submission), ask each kind's checks in a worker of that kind (one where
torch cannot load, one with torch), and judge every answer in this process. A check that hangs or kills its
process is failed alone; the process is restarted for the checks after it. The engine knows an assignment
only from the `Assignment` it is handed."""
from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path


from ..core import budget, wire
from ..core.assignment import Assignment
from ..core.check import Check, Verdict
from ..core.outcome import Outcome
from ..core.rng import rng_for
from . import notebook, sandbox
from .channel import Channel, Closed, Timeout
from .workers import UidPool, Zygote, kill


@dataclass
class Limits:
    check_seconds: float = budget.CHECK_SECONDS    # wall clock for one check's question
    cells_seconds: float = 60.0         # wall clock for running the notebook's cells
    submission_seconds: float = 180.0   # wall clock for everything of one submission
    memory: int = 1 << 30               # bytes a submission may map beyond the warm worker
    cpu: int = 120                      # CPU seconds of one worker process
    file: int = 1 << 20                 # bytes of any one file it writes (its output included)
    output: int = 64 * 1024             # bytes of what it prints that are kept
    start_seconds: float = 30.0         # for a job's process to start
    exit_seconds: float = 5.0           # for a job's last word after it was stopped


@dataclass
class Report:
    """The outcome of one submission: a verdict per check and what an instructor should know."""
    submission: str
    student: str
    verdicts: list[Verdict]
    notes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)      # Outcome values: what happened to it as a whole
    output: str = ""
    seconds: float = 0.0
    sandbox: str = ""                   # the isolation it was graded under
    assignment: str = ""

    @property
    def score(self) -> float:
        return sum(v.points for v in self.verdicts)

    @property
    def max_score(self) -> float:
        return sum(v.max_points for v in self.verdicts)


def not_graded(path, a: Assignment | None, student: str, why: str, outcome: Outcome, sandbox: str = "") -> Report:
    """The report of a submission none of whose checks could be asked: each fails, saying why."""
    verdicts = [c.verdict(False, f"{c.part}, {c.title}: not graded: {why}", outcome.value)
                for c in (a.checks if a else ())]
    return Report(str(path), student, verdicts, [why], [outcome.value], sandbox=sandbox,
                  assignment=a.name if a else "")


UNSAFE = "UNSAFE (--unsafe-no-sandbox): "          # how a result graded without isolation says so


class SandboxUnavailable(RuntimeError):
    """The grader cannot isolate submissions here and was not told to grade without isolation."""


class _Refused(Exception):
    """The job's sandbox could not be set up: its code was not run."""


@dataclass
class _Grading:
    """One submission being graded: what its checks were asked and what has been decided."""
    assignment: Assignment
    report: Report
    cells: list
    inputs: dict
    limits: Limits
    verdicts: dict = field(default_factory=dict)
    started: set = field(default_factory=set)           # kinds whose notebook run has been noted

    def fail(self, checks: list[Check], why: str, outcome: Outcome, prefix: str = "") -> None:
        """Fail `checks` with the message `<part>, <title>: <prefix><why>`, and flag the submission."""
        for c in checks:
            self.verdicts[c.name] = c.verdict(False, f"{c.part}, {c.title}: {prefix}{why}", outcome.value)
        self.flag(outcome)

    def flag(self, outcome: Outcome, note: str | None = None) -> None:
        self.report.flags.append(outcome.value)
        if note and note not in self.report.notes:
            self.report.notes.append(note)

    def keep_output(self, text) -> None:
        if isinstance(text, str) and text and text not in self.report.output:
            self.report.output = (self.report.output + text)[-self.limits.output:]


class Engine:
    def __init__(self, assignments: list[Assignment], limits: Limits | None = None, secret: str | None = None,
                 unsafe: bool = False):
        """Start warm workers for the kinds `assignments` need, measure the sandbox, and grade each
        assignment's reference solution once (see _warm). Raises SandboxUnavailable when submissions could not
        be isolated here, unless `unsafe` (grading without isolation, recorded in every report)."""
        self.assignments = {a.name: a for a in assignments}
        self.limits = limits or Limits()
        self.secret = secret or os.environ.get("BACKPROP_SECRET") or secrets.token_hex(16)
        self._running: dict[int, dict] = {}         # job id -> its hello (the pids to kill)
        self._lock = threading.Lock()
        self._zygotes: dict[str, Zygote] = {}
        self._scratch = None
        self.references: dict[str, Report] = {}     # each assignment's reference solution, graded at start
        try:
            self._start(assignments)
            self._decide(unsafe)
            self._uids = UidPool() if self.found["uid"] else None
            if "namespaces" not in self.layers:
                self._scratch = tempfile.mkdtemp(prefix="backprop-jobs-")
                if self._uids:
                    os.chmod(self._scratch, 0o711)
            self._warm()
        except BaseException:
            self.close()
            raise

    def _start(self, assignments: list[Assignment]) -> None:
        """Start the warm workers side by side; meanwhile draw every check's inputs once, which loads what
        drawing them uses (backprop's oracle loads torch) while the workers load their own modules."""
        package = Path(__file__).resolve().parents[1]
        paths = sorted({str(a.folder.parent) for a in assignments if package not in a.folder.parents})
        wanted = {}
        for kind in dict.fromkeys(k for a in assignments for k in a.kinds):
            mine = [a for a in assignments if kind in a.kinds]
            wanted[kind] = (kind, list(dict.fromkeys(m for a in mine for m in a.modules(kind))),
                            [a.module for a in mine], paths)
        pool = ThreadPoolExecutor(max(1, len(wanted)))
        started = {kind: pool.submit(Zygote, *args) for kind, args in wanted.items()}
        failed = []
        try:
            for c in (c for a in assignments for c in a.checks):
                try:
                    c.inputs(rng_for(c.name, "warm-up", "warm-up"))
                except Exception:           # warming only: grading reports what is wrong
                    pass
        finally:
            pool.shutdown(wait=True)
            for kind, future in started.items():     # keep every worker that started, so that close() ends it
                try:
                    self._zygotes[kind] = future.result()
                except BaseException as e:
                    failed.append(e)
        if failed:
            raise failed[0]

    def _warm(self) -> None:
        """Grade each assignment's reference solution once, so that no submission pays for what only a first
        grading does. Measured: the judges' first use of torch in this process (its import, and the optimizer's
        first step, which loads torch._dynamo) cost the first backprop submission about 3 s; the workers, warmed
        at their start, pay nothing more for a first job. An assignment without its notebooks is not warmed.
        The reports are kept: the reference should have every point."""
        for a in self.assignments.values():
            try:
                self.references[a.name] = self.grade(a.source, a, "reference", secret="warm-up")
            except Exception:           # warming is an optimisation: grading will report what is wrong
                pass

    def _decide(self, unsafe: bool) -> None:
        """The layers every job gets: those that took effect in every kind of worker."""
        found = [z.found for z in self._zygotes.values()]
        self.found = {"root": sandbox.is_root(),
                      "namespaces": all(f["namespaces"] for f in found),
                      "landlock": min(f["landlock"] for f in found),
                      "seccomp": all(f["seccomp"] for f in found),
                      "uid": all(f["uid"] for f in found),
                      "files_blocked": all(f.get("files_blocked") for f in found),
                      "network_blocked": all(f.get("network_blocked") for f in found),
                      "signals_blocked": all(f.get("signals_blocked") for f in found),
                      "errors": sorted({e for f in found for e in f["errors"]})}
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
            self.sandbox = UNSAFE + self.sandbox

    def close(self):
        """Stop the warm workers, then every job still running: a grading thread that outlives this call can
        start no new job."""
        for z in self._zygotes.values():
            z.close()
        with self._lock:
            running = list(self._running.values())
        for hello in running:
            kill(hello)
        if self._scratch:
            shutil.rmtree(self._scratch, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ one submission
    def grade(self, path: Path, assignment: Assignment, student: str | None = None, *,
              limits: Limits | None = None, secret: str | None = None) -> Report:
        """Grade one submission. `limits` and `secret`, when given, replace the engine's for this one (a warm
        engine serving several runs). The checks' inputs depend on the secret and on the cells that run, not
        on outputs or metadata: the same code gets the same inputs however the notebook was saved."""
        start = time.monotonic()
        path, a, lim = Path(path), assignment, limits or self.limits
        report = Report(str(path), student or path.stem, [], sandbox=self.sandbox, assignment=a.name)
        try:
            data = path.read_bytes() if path.is_file() else b""
            nb, problem = notebook.read(path, data)
        except OSError as e:
            nb, problem = None, f"{path.name} could not be read ({type(e).__name__}: {e.strerror or e})."
        if nb is None:
            report = not_graded(path, a, report.student, problem, Outcome.UNREADABLE, self.sandbox)
            report.seconds = time.monotonic() - start
            return report
        cells = notebook.cells_of(nb, a)
        key = notebook.cells_key(cells)
        g = _Grading(a, report, cells, {c.name: c.inputs(rng_for(c.name, key, secret or self.secret))
                                        for c in a.checks}, lim)
        end = start + lim.submission_seconds
        for kind in a.kinds:
            todo = [c for c in a.checks if c.kind == kind]
            rest = [c for c in a.checks if c.kind != kind and c.name not in g.verdicts]
            # keep for the kinds still to come at least their share of the whole budget
            reserve = lim.submission_seconds * len(rest) / len(a.checks)
            self._ask(g, kind, todo, max(end - reserve, time.monotonic() + 1))
        report.verdicts = [g.verdicts[c.name] for c in a.checks]
        for outcome in (Outcome.TORCH_FORBIDDEN, Outcome.MEMORY):
            if any(v.outcome is outcome for v in report.verdicts):
                g.flag(outcome)
        report.flags = sorted(set(report.flags))
        report.seconds = time.monotonic() - start
        return report

    def _ask(self, g: _Grading, kind: str, todo: list[Check], deadline: float) -> None:
        """Ask every check of `todo`, restarting the worker after a check that stopped it."""
        pending = list(todo)
        while pending:
            if time.monotonic() >= deadline:
                g.fail(pending, f"the submission used up its time ({g.limits.submission_seconds:g} s in all) "
                                "before this check.", Outcome.TIMEOUT, "not graded: ")
                return
            pending = self._job(g, kind, pending, deadline)

    def _job(self, g: _Grading, kind: str, pending: list[Check], deadline: float) -> list[Check]:
        """One worker process runs the notebook and answers the checks of `pending` in order, until one
        stops it. Returns the checks still to ask."""
        uid_lock, sock, ch, hello, phase = None, None, None, None, "start"
        try:
            uid, uid_lock = self._uids.take() if self._uids else (None, None)
            sock = self._zygotes[kind].spawn()
            ch = Channel(sock)
            ch.send(self._job_message(g, pending, uid))
            hello = self._hello(ch, g)
            self._confined(ch, g)
            phase = "cells"
            cells_limit = max(1.0, min(g.limits.cells_seconds, deadline - time.monotonic()))
            self._run_cells(g, kind, ch, cells_limit)
            phase = "checks"
            while pending:
                self._answer(g, ch, pending[0], deadline)
                pending = pending[1:]
            return []
        except Timeout:
            return self._timed_out(g, ch, pending, phase, cells_limit if phase == "cells" else 0.0)
        except _Refused as refused:
            g.fail(pending, f"the sandbox could not be set up for this submission ({refused}).", Outcome.SANDBOX,
                   "not graded: ")
            g.report.notes.append(f"{kind} worker: the sandbox could not be set up: {refused}")
            return []
        except Closed as closed:
            return self._crashed(g, ch, pending, phase, closed.args[0] if closed.args else None)
        finally:
            self._end(g, ch, hello, sock, uid_lock)

    def _job_message(self, g: _Grading, pending: list[Check], uid: int | None) -> dict:
        lim = g.limits
        return {"assignment": g.assignment.module, "cells": g.cells, "isolation": self.layers, "uid": uid,
                "scratch": self._scratch,
                "limits": {"memory": lim.memory, "cpu": lim.cpu, "file": lim.file, "output": lim.output,
                           "check_seconds": lim.check_seconds},       # the checks' budgets are a share of it
                "questions": [{"check": c.name, "inputs": wire.dumps(g.inputs[c.name])} for c in pending]}

    def _hello(self, ch: Channel, g: _Grading) -> dict:
        """The job's first word: the pids to kill, or why its sandbox could not be set up."""
        hello = ch.next(g.limits.start_seconds).get("hello")
        if isinstance(hello, dict):
            with self._lock:
                self._running[id(ch)] = hello
        if not isinstance(hello, dict) or hello.get("refused"):
            raise _Refused(hello.get("refused") if isinstance(hello, dict) else "the worker did not start the job")
        return hello

    def _confined(self, ch: Channel, g: _Grading) -> None:
        """The student's process says, before any of the student's code runs, whether its sandbox holds."""
        msg = ch.next(g.limits.start_seconds)
        if "refused" in msg:
            raise _Refused(str(msg["refused"])[:300])
        if "confined" not in msg:
            raise Closed(msg if "exit" in msg else None)

    def _run_cells(self, g: _Grading, kind: str, ch: Channel, seconds: float) -> None:
        """Wait for the notebook's cells to run; the first time for this kind, note their errors and
        anything the notebook replaced. Anything else said now came from the student's code."""
        msg = ch.next(seconds)
        if "cells" not in msg:
            if "exit" in msg:
                raise Closed()
            g.flag(Outcome.TAMPERING, "a message out of turn from the submission while its cells ran")
            raise Closed({"exit": "was stopped after it wrote on the grader's channel"})
        if kind in g.started:
            return
        g.started.add(kind)
        g.report.notes += [f"{kind} worker: {e}" for e in msg.get("cells", []) if isinstance(e, str)]
        if msg.get("tampered"):
            g.flag(Outcome.TAMPERING, f"replaced {', '.join(map(str, msg['tampered']))} (no effect on grading)")

    def _answer(self, g: _Grading, ch: Channel, c: Check, deadline: float) -> None:
        msg = ch.next(min(g.limits.check_seconds, max(0.0, deadline - time.monotonic())))
        if msg.get("check") != c.name or "answer" not in msg:
            if "exit" in msg:
                raise Closed(msg)
            g.flag(Outcome.TAMPERING)
            g.report.notes.append(f"unexpected message from the submission while grading {c.name}")
            raise Closed()
        answer = msg["answer"] if isinstance(msg["answer"], dict) else {"__type__": "not a dict"}
        g.verdicts[c.name] = c.decide(g.inputs[c.name], answer)

    @staticmethod
    def _stuck(pending: list[Check], fn: str | None) -> list[Check]:
        """The checks a stopped function takes down: the one being asked, and every later one that calls it."""
        return [c for c in pending if c is pending[0] or (fn and fn in c.uses)]

    def _timed_out(self, g: _Grading, ch: Channel, pending: list[Check], phase: str, cells_limit: float):
        if phase != "checks":
            why = "the notebook's code did not finish" if phase == "cells" else "the worker did not start"
            limit = cells_limit if phase == "cells" else g.limits.start_seconds
            g.fail(pending, f"{why} within {limit:.0f} s.", Outcome.TIMEOUT, "not graded: ")
            return []
        fn, secs = ch.calling, g.limits.check_seconds
        stuck = self._stuck(pending, fn)
        g.fail(stuck, (f"`{fn}` did not finish within {secs:g} s and was stopped" if fn else
                       f"did not finish within {secs:g} s") + ".", Outcome.TIMEOUT)
        return [c for c in pending if c not in stuck]

    def _crashed(self, g: _Grading, ch: Channel, pending: list[Check], phase: str, exit_msg: dict | None):
        exit_msg = exit_msg or ch.exit_message(g.limits.exit_seconds)
        how = exit_msg.get("exit", "ended without answering") if exit_msg else "ended without answering"
        g.keep_output(exit_msg.get("output") if exit_msg else None)
        if phase != "checks" or not pending:
            g.fail(pending, f"the process running your notebook {how} before the checks.", Outcome.CRASHED,
                   "not graded: ")
            return []
        fn = ch.calling
        stuck = self._stuck(pending, fn)
        g.fail(stuck, f"the process running your code {how}" + (f" in `{fn}`" if fn else "") + ".",
               Outcome.CRASHED)
        return [c for c in pending if c not in stuck]

    def _end(self, g: _Grading, ch: Channel | None, hello: dict | None, sock, uid_lock) -> None:
        """Stop the job's process, keep its last output, end its runner, give back its user id."""
        kill(hello, runner=False)
        if ch is None:                  # the job never started
            UidPool.give_back(uid_lock)
            return
        try:
            final = ch.exit_message(g.limits.exit_seconds) if hello else None
            if final:
                g.keep_output(final.get("output"))
                if final.get("dropped"):
                    g.flag(Outcome.OUTPUT_FLOOD, f"printed more than {g.limits.output // 1024} KB; the rest "
                                                 "was dropped")
        finally:
            kill(hello)
            with self._lock:
                self._running.pop(id(ch), None)
            sock.close()
            UidPool.give_back(uid_lock)
