"""Grading a folder on a Dask cluster: `grade DIR --scheduler ADDRESS` (or `local:N`), and `worker ADDRESS`.

Each Dask worker process keeps one warm engine for its whole life, with the same sandbox and limits as local
grading. A run registers itself on every worker (a worker plugin holding its assignments, secret and limits);
submissions travel as shards with their notebooks' bytes, so workers need no shared file system; reports
stream back to this process, which records them exactly as local grading does. A shard lost with its worker
is graded again elsewhere by Dask; a shard lost too often is split and each submission tried alone. Every
submission ends with exactly one row.

Dask is an optional extra (`pip install -e .[dask]`): only this module imports it, and only these commands
import this module."""
from __future__ import annotations

import asyncio
import atexit
import hashlib
import logging
import os
import secrets
import sys
import tempfile
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import dask
from distributed import CancelledError, Client, LocalCluster, WorkerPlugin, get_worker, wait
from distributed.scheduler import KilledWorker
from distributed.security import Security

from .. import assignments as registry
from ..core.outcome import Outcome
from ..engine import sandbox
from ..engine.engine import UNSAFE, Engine, Limits, Report, not_graded
from . import batch

TOPIC = "backprop-by-hand"          # the prefix of a run's name: its plugin's and its events' topic
LIBRARIES = ("numpy", "torch", "nbformat")


# ------------------------------------------------------------------ on each worker
_engines: list[Engine] = []         # this worker process's warm engines (one, unless assignments were added)
_engines_lock = threading.Lock()
_fingerprints: dict[tuple[str, ...], str] = {}


def warm_engine(names: list[str]) -> Engine:
    """The worker process's engine serving `names`, started on first need and kept for the process's life.
    It is always started so as to measure the sandbox, never to refuse: each run decides for itself whether
    it may grade without isolation."""
    with _engines_lock:
        for engine in _engines:
            if set(names) <= set(engine.assignments):
                return engine
        engine = Engine([registry.get(n) for n in names], unsafe=True)
        _engines.append(engine)
        atexit.register(engine.close)
        return engine


def fingerprint(names: list[str]) -> str:
    """What grades depend on, as one hash: the package's code, each assignment's folder and release, Python's
    version and the libraries' versions. Two processes with the same fingerprint grade the same submission the
    same way (for the same secret)."""
    key = tuple(sorted(names))
    if key not in _fingerprints:
        h = hashlib.sha256()
        package = Path(__file__).resolve().parents[1]
        roots = [package] + [registry.get(n).folder for n in key if package not in registry.get(n).folder.parents]
        for root in roots:
            for f in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".ipynb") and p.is_file()
                            and "__pycache__" not in p.parts):
                h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
        for n in key:
            release = registry.get(n).release
            h.update(release.read_bytes() if release.is_file() else b"no release")
        h.update(sys.version.encode())              # the libraries that draw inputs and compute the oracles
        for lib in LIBRARIES:
            try:
                h.update(f"{lib}=={metadata.version(lib)}".encode())
            except metadata.PackageNotFoundError:
                h.update(f"{lib} missing".encode())
        _fingerprints[key] = h.hexdigest()[:16]
    return _fingerprints[key]


def run_sandbox(engine: Engine, unsafe: bool) -> tuple[str, str]:
    """(the sandbox this run records, why it must refuse here or "")."""
    found = sandbox.describe(engine.found)
    if unsafe:
        return UNSAFE + found, ""
    if engine.missing:
        return found, "submissions cannot be isolated on this worker. Missing: " + "; ".join(engine.missing)
    return found, ""


class Run(WorkerPlugin):
    """One grading run on every worker, present and future: its assignments, secret, limits and whether it
    may grade without isolation. Setting it up finds (or starts) the worker's warm engine."""

    def __init__(self, run_id: str, names: list[str], secret: str, limits: Limits, unsafe: bool, expected: str):
        self.name = f"{TOPIC}-{run_id}"
        self.run_id, self.names, self.secret, self.limits, self.unsafe = run_id, names, secret, limits, unsafe
        self.expected = expected            # the grading machine's fingerprint: a worker must grade as it would
        self.status: dict = {}

    async def setup(self, worker):
        # the engine starts in a thread: the worker's event loop keeps answering the scheduler meanwhile
        self.status = await asyncio.to_thread(self._start, worker.address)

    def _start(self, address: str) -> dict:
        status = {"worker": address, "refused": "", "sandbox": "", "fingerprint": ""}
        try:
            status["fingerprint"] = fingerprint(self.names)
            status["sandbox"], status["refused"] = run_sandbox(warm_engine(self.names), self.unsafe)
            if status["fingerprint"] != self.expected:
                status["refused"] = (f"it runs another version of the grader, an assignment or a library "
                                     f"(fingerprint {status['fingerprint']}, the grading machine's {self.expected}); "
                                     "install the same versions everywhere")
        except Exception as e:
            status["refused"] = f"its engine did not start ({type(e).__name__}: {e})"
        return status


def worker_status(name: str, dask_worker=None) -> dict:
    """Run on a worker (Dask passes it as `dask_worker`): how the run `name` found it."""
    plugin = dask_worker.plugins.get(name)
    return plugin.status if isinstance(plugin, Run) else {"refused": "the run is not set up on it"}


def grade_shard(name: str, shard: list[tuple]) -> list[tuple[int, Report]] | tuple[str, str, str]:
    """Run on a worker: grade each (index, student, file name, bytes, assignment) of a shard. A worker that
    cannot grade this run answers ("refused", its address, why), and the grading machine sends the shard
    elsewhere."""
    worker = get_worker()
    worker.log_event(name, {"key": str(worker.get_current_task()), "first": shard[0][0], "worker": worker.address})
    plugin = worker.plugins.get(name)
    status = plugin.status if isinstance(plugin, Run) else {"refused": "the run is not set up on it"}
    if status.get("refused") or not status.get("sandbox"):
        return ("refused", worker.address, status.get("refused") or "its engine is not ready")
    out = []
    for index, student, file_name, data, assignment in shard:
        a = registry.get(assignment)
        try:
            with tempfile.TemporaryDirectory(prefix="backprop-shard-") as tmp:
                path = Path(tmp) / Path(file_name).name
                path.write_bytes(data)
                report = warm_engine(plugin.names).grade(path, a, student, limits=plugin.limits,
                                                         secret=plugin.secret)
            report.sandbox = status["sandbox"]
        except Exception as e:      # as in local grading: this submission's row says so, the others are graded
            report = batch._internal_error(student, Path(file_name), a, e)
        out.append((index, report))
    return out


def dask_setup(worker) -> None:
    """`dask worker --preload autograder.doors.cluster`: start the warm engine with the worker, for every
    assignment this installation knows, so the first run that reaches it waits for nothing."""
    names = list(registry.all())
    threading.Thread(target=lambda: _quietly(warm_engine, names), daemon=True, name="warm-engine").start()


def _quietly(fn, *args) -> None:
    try:
        fn(*args)
    except Exception:               # a run that needs this engine will start it again and say why it failed
        logging.getLogger(__name__).exception("the warm engine did not start")


# ------------------------------------------------------------------ on the grader's machine
REFUSED = 3
WAIT_FOR_WORKERS = 120          # seconds without any worker that can grade before what is left is given up
ATTEMPTS = 3                    # a shard cancelled under us (the scheduler's connection dropped) is sent again


def connect(address: str, jobs: int | None, security: Security | None) -> tuple[Client, LocalCluster | None]:
    """A client of the scheduler at `address`, or of a new local cluster for `local:N`: N workers of `jobs`
    threads each, on 127.0.0.1 only, with TLS certificates made for this run, so that no other account of the
    machine can connect to it and run code as you."""
    if address.startswith("local:"):
        workers = int(address.split(":", 1)[1] or 1)
        # no HTTP pages either: they would show other accounts the tasks (their notebooks) and the logs
        with dask.config.set({"distributed.scheduler.http.routes": [], "distributed.worker.http.routes": []}):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=jobs or 1, processes=True,
                                   host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR,
                                   security=True)
        return Client(cluster), cluster
    if address.startswith("tcp://") and not address.startswith(("tcp://127.", "tcp://localhost", "tcp://[::1]")):
        print(f"warning: {address} is not TLS: the run's secret and the notebooks travel unencrypted, and whoever "
              "reaches the scheduler can run code on its workers (docs/scale-out.md, TLS).", file=sys.stderr)
    return Client(address, security=security, timeout="30s"), None


def security(args) -> Security | None:
    if not (args.tls_ca_file or args.tls_cert or args.tls_key):
        return None         # Dask's own configuration (e.g. DASK_DISTRIBUTED__COMM__TLS__...) still applies
    return Security(tls_ca_file=args.tls_ca_file, tls_client_cert=args.tls_cert, tls_client_key=args.tls_key,
                    require_encryption=True)


def grade_all(client: Client, items: list[batch.Item], *, limits: Limits, unsafe: bool, csv_path: Path | None,
              results_dir: Path | None, progress: bool = True, shard_size: int | None = None,
              secret: str | None = None) -> int:
    """Grade `items` on the cluster behind `client`; returns the exit code (3: a worker cannot isolate, or
    grades differently; 130: interrupted)."""
    chosen = batch.chosen_of(items, registry.all().values())
    names = [a.name for a in chosen]
    secret = secret or os.environ.get("BACKPROP_SECRET") or secrets.token_hex(16)
    run = Run(uuid.uuid4().hex[:12], names, secret, limits, unsafe, fingerprint(names))
    try:
        try:
            client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS)
            client.register_plugin(run, name=run.name)      # the secret stays on the scheduler until the end
            refused, where = _check_workers(client, run)
        except Exception as e:      # no worker came, or the run could not be set up: still a row each
            why = f"the cluster could not start the run ({type(e).__name__}: {e})"
            batch.record_failure(items, e, csv_path, results_dir, why=why)
            print(f"error: {why}", file=sys.stderr)
            return 1
        if refused:
            print(refused, file=sys.stderr)
            return REFUSED
        n = len(client.nthreads())
        print(f"sandbox: {where} (on {n} Dask worker{'s' if n != 1 else ''})", file=sys.stderr)
        return _Stream(client, run, items, chosen, csv_path, results_dir, progress, shard_size, where).run()
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        try:
            client.unregister_worker_plugin(run.name)
        except Exception:           # never registered, or the cluster is gone; the run is over either way
            pass


def _check_workers(client: Client, run: Run) -> tuple[str, str]:
    """(why this run must not grade on these workers, or ""; the sandbox they grade under). Refused: a worker
    that cannot isolate submissions (unless the run opted out), whose engine did not start, or whose code
    would grade differently from the grading machine's. A worker still setting up is waited for; one that
    joins later checks itself when it is sent work (see grade_shard)."""
    deadline = time.monotonic() + WAIT_FOR_WORKERS
    while True:
        answers = client.run(worker_status, run.name, on_error="return")
        statuses = {w: s for w, s in answers.items() if isinstance(s, dict)}       # one that just left: skip
        if all(s for s in statuses.values()) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    statuses = {w: s for w, s in statuses.items() if s}
    problems = [f"{w}: {s['refused']}" for w, s in statuses.items() if s.get("refused")]
    kinds = " | ".join(sorted({s["sandbox"] for s in statuses.values() if s.get("sandbox")}))
    if problems or not statuses:
        return ("error: Refusing to grade on this cluster. " + (" | ".join(problems) or "no worker is ready")
                + (" To grade anyway where isolation is missing, trusting every submission with the workers' "
                   "rights, pass --unsafe-no-sandbox (recorded in every result)." if not run.unsafe else ""), kinds)
    return "", kinds


@dataclass
class _Shard:
    indices: list[int]
    suspect: bool = False           # split from a shard that kept killing workers: sent alone, one at a time
    attempts: int = 0


class _Stream:
    """The run's shards on their way: at most two per worker thread in flight (the notebooks' bytes are read
    as they are sent), each report recorded as it comes back, every submission ending with one row."""

    def __init__(self, client, run, items, chosen, csv_path, results_dir, progress, shard_size, where):
        self.client, self.run_, self.items, self.where = client, run, items, where
        self.rec = batch.Recorder(items, chosen, csv_path, results_dir, progress)
        self.done: set[int] = set()
        self.flying: dict = {}
        self.banned: dict[str, str] = {}            # workers that refused this run, and why
        self.notes: list[str] = []
        self.starts: list[dict] = []                # the workers' events: which task started where
        slots = max(1, sum(client.nthreads().values()))
        size = shard_size or max(1, min(8, len(items) // (4 * slots)))
        self.queue = deque(_Shard(chunk) for chunk in _shards(items, size))

    def add(self, index: int, report: Report) -> None:
        if index in self.done:      # a shard graded twice (its worker was lost after answering) counts once
            return
        self.done.add(index)
        student, path, _ = self.items[index]
        report.student, report.submission = student, str(path)
        self.rec.add(report)

    def lose(self, indices, why: str) -> None:
        for i in indices:
            student, path, a = self.items[i]
            self.add(i, batch._internal_error(student, path, a, RuntimeError(why), why))

    def run(self) -> int:
        for i, (student, path, a) in enumerate(self.items):
            if a is None:
                self.add(i, batch._unknown(student, path, self.where))
        self.client.subscribe_topic(self.run_.name, lambda event: self.starts.append(event[1]))
        alone_since = None
        try:
            while self.queue or self.flying:
                self.send()
                if self.flying:
                    try:        # a second at most, to notice a cluster whose workers all went away
                        done, _ = wait(list(self.flying), timeout=1, return_when="FIRST_COMPLETED")
                    except TimeoutError:
                        done = ()
                    for fut in done:
                        self.receive(fut, self.flying.pop(fut))
                else:
                    time.sleep(1)
                workers = [w for w in self.client.nthreads() if w not in self.banned]
                alone_since = None if workers else (alone_since or time.monotonic())
                if alone_since and time.monotonic() - alone_since > WAIT_FOR_WORKERS:
                    raise RuntimeError(f"no worker that can grade this run for {WAIT_FOR_WORKERS} s"
                                       + (f" (refused: {'; '.join(f'{w}: {y}' for w, y in self.banned.items())})"
                                          if self.banned else ""))
        except KeyboardInterrupt:
            self.client.cancel(list(self.flying))
            self.rec.interrupted()
            return 130
        except Exception as e:      # the cluster itself was lost: what was not graded still gets its row
            self.client.cancel(list(self.flying))
            self.lose([i for i in range(len(self.items)) if i not in self.done], f"the cluster was lost: {e}")
            self.rec.finish(f"error: the cluster was lost ({type(e).__name__}: {e}); the rows say which were not "
                            "graded")
            return 1
        finally:
            self.client.unsubscribe_topic(self.run_.name)
        self.rec.finish(*self.retried(), *self.notes)
        return 0

    def send(self) -> None:
        workers = [w for w in self.client.nthreads() if w not in self.banned]
        window = 2 * max(1, sum(n for w, n in self.client.nthreads().items() if w in workers))
        suspect_out = any(s.suspect for s in self.flying.values())
        for shard in list(self.queue):
            if len(self.flying) >= window or not workers:
                break
            if shard.suspect and suspect_out:
                continue
            self.queue.remove(shard)
            payload = []
            for i in shard.indices:
                student, path, a = self.items[i]
                try:
                    payload.append((i, student, path.name, path.read_bytes(), a.name))
                except OSError as e:            # the engine would say why a file cannot be read; say it here
                    self.add(i, not_graded(path, a, student, f"{path.name} could not be read ({type(e).__name__}: "
                                                             f"{e.strerror or e}).", Outcome.UNREADABLE, self.where))
            if not payload:
                continue
            # a fresh key for every attempt: a key Dask still remembers would hand back the old outcome
            fut = self.client.submit(grade_shard, self.run_.name, payload, pure=False,
                                     key=f"{self.run_.name}-{uuid.uuid4().hex[:12]}",
                                     workers=workers if self.banned else None)
            self.flying[fut] = _Shard([p[0] for p in payload], shard.suspect, shard.attempts)
            suspect_out = suspect_out or shard.suspect

    def receive(self, fut, shard: _Shard) -> None:
        try:
            result = fut.result()
        except KilledWorker as e:
            if len(shard.indices) > 1:          # one of them may be what kills workers: try each alone
                self.notes.append(f"a shard of {len(shard.indices)} was split after it was lost with its workers")
                self.queue.extendleft(_Shard([i], suspect=True) for i in reversed(shard.indices))
            else:
                self.lose(shard.indices, f"its grading was lost with every worker that ran it ({e})")
        except CancelledError as e:             # the scheduler's connection dropped: send it again
            shard.attempts += 1
            if shard.attempts < ATTEMPTS:
                self.queue.appendleft(shard)
            else:
                self.lose(shard.indices, f"its grading was cancelled {ATTEMPTS} times ({type(e).__name__})")
        except Exception as e:
            self.lose(shard.indices, f"{type(e).__name__}: {e}")
        else:
            if isinstance(result, tuple) and result[:1] == ("refused",):
                _, worker, why = result
                if worker not in self.banned:
                    self.notes.append(f"worker {worker} refused this run ({why}); its work went to the others")
                self.banned[worker] = why
                self.queue.appendleft(shard)
            else:
                for index, report in result:
                    self.add(index, report)
        fut.release()

    def retried(self) -> list[str]:
        """The tasks Dask ran again because their worker was lost, from the workers' own events."""
        by_key: dict[str, list[dict]] = {}
        for msg in self.starts:
            if isinstance(msg, dict):
                by_key.setdefault(msg.get("key"), []).append(msg)
        again = [m for m in by_key.values() if len(m) > 1]
        if not again:
            return []
        return [f"retried: {len(again)} shard(s) whose worker was lost, graded again elsewhere: "
                + "; ".join(f"from #{m[0]['first']} on {' then '.join(x['worker'] for x in m)}" for m in again)]


def _shards(items: list[batch.Item], size: int) -> list[list[int]]:
    """Indices of the gradable items, in shards of `size`, each of one assignment."""
    out, current = [], []
    for i, (_, _, a) in enumerate(items):
        if a is None:
            continue
        if current and (len(current) == size or items[current[0]][2] is not a):
            out.append(current)
            current = []
        current.append(i)
    return out + ([current] if current else [])
