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
import uuid
from pathlib import Path

from distributed import Client, LocalCluster, WorkerPlugin, as_completed, get_worker
from distributed.scheduler import KilledWorker
from distributed.security import Security

from .. import assignments as registry
from ..core.outcome import Outcome
from ..engine import sandbox
from ..engine.engine import UNSAFE, Engine, Limits, Report, not_graded
from . import batch

TOPIC = "backprop-by-hand"          # the plugins' name prefix and the topic of the workers' events


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
    """What grades depend on, as one hash: the package's code and each assignment's folder and release. Two
    processes with the same fingerprint grade the same submission the same way (for the same secret)."""
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

    def __init__(self, run_id: str, names: list[str], secret: str, limits: Limits, unsafe: bool):
        self.name = f"{TOPIC}-{run_id}"
        self.run_id, self.names, self.secret, self.limits, self.unsafe = run_id, names, secret, limits, unsafe
        self.status: dict = {}

    async def setup(self, worker):
        # the engine starts in a thread: the worker's event loop keeps answering the scheduler meanwhile
        self.status = await asyncio.to_thread(self._start, worker.address)

    def _start(self, address: str) -> dict:
        status = {"worker": address, "refused": "", "sandbox": "", "fingerprint": ""}
        try:
            status["fingerprint"] = fingerprint(self.names)
            status["sandbox"], status["refused"] = run_sandbox(warm_engine(self.names), self.unsafe)
        except Exception as e:
            status["refused"] = f"its engine did not start ({type(e).__name__}: {e})"
        return status


def worker_status(name: str, dask_worker=None) -> dict:
    """Run on a worker (Dask passes it as `dask_worker`): how the run `name` found it."""
    plugin = dask_worker.plugins.get(name)
    return plugin.status if isinstance(plugin, Run) else {"refused": "the run is not set up on it"}


def grade_shard(name: str, shard: list[tuple]) -> list[tuple[int, Report]]:
    """Run on a worker: grade each (index, student, file name, bytes, assignment) of a shard."""
    worker = get_worker()
    worker.log_event(TOPIC, {"run": name, "shard": shard[0][0], "worker": worker.address})
    plugin = worker.plugins.get(name)
    status = plugin.status if isinstance(plugin, Run) else {"refused": "the run is not set up on it"}
    out = []
    for index, student, file_name, data, assignment in shard:
        a = registry.get(assignment)
        if status.get("refused") or not status.get("sandbox"):
            why = f"the worker {worker.address} refused: {status.get('refused') or 'its engine is not ready'}."
            report = not_graded(file_name, a, student, why, Outcome.SANDBOX, status.get("sandbox", ""))
        else:
            with tempfile.TemporaryDirectory(prefix="backprop-shard-") as tmp:
                path = Path(tmp) / Path(file_name).name
                path.write_bytes(data)
                report = warm_engine(plugin.names).grade(path, a, student, limits=plugin.limits,
                                                         secret=plugin.secret)
            report.sandbox = status["sandbox"]
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
def connect(address: str, jobs: int | None, security: Security | None) -> tuple[Client, LocalCluster | None]:
    """A client of the scheduler at `address`, or of a new local cluster for `local:N` (N workers of `jobs`
    threads each, listening on 127.0.0.1 only)."""
    if address.startswith("local:"):
        workers = int(address.split(":", 1)[1] or 1)
        cluster = LocalCluster(n_workers=workers, threads_per_worker=jobs or 1, processes=True, host="127.0.0.1",
                               dashboard_address=None, silence_logs=logging.ERROR)
        return Client(cluster), cluster
    return Client(address, security=security, timeout="30s"), None


def security(args) -> Security | None:
    if not (args.tls_ca_file or args.tls_cert or args.tls_key):
        return None         # Dask's own configuration (e.g. DASK_DISTRIBUTED__COMM__TLS__...) still applies
    return Security(tls_ca_file=args.tls_ca_file, tls_client_cert=args.tls_cert, tls_client_key=args.tls_key,
                    require_encryption=True)


def grade_all(client: Client, items: list[batch.Item], *, limits: Limits, unsafe: bool, csv_path: Path | None,
              results_dir: Path | None, progress: bool = True, shard_size: int | None = None,
              secret: str | None = None) -> int:
    """Grade `items` on the cluster behind `client`; returns the exit code (3: a worker cannot isolate)."""
    chosen = batch.chosen_of(items, registry.all().values())
    names = [a.name for a in chosen]
    secret = secret or os.environ.get("BACKPROP_SECRET") or secrets.token_hex(16)
    run = Run(uuid.uuid4().hex[:12], names, secret, limits, unsafe)
    registered = False
    try:
        try:
            client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS)
            client.register_plugin(run, name=run.name)
            registered = True
            refused, where = _check_workers(client, run, names)
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
        return _stream(client, run, items, chosen, csv_path, results_dir, progress, shard_size, where)
    finally:
        try:
            if registered:
                client.unregister_worker_plugin(run.name)
        except Exception:           # the cluster is gone; the run is over either way
            pass

REFUSED = 3
WAIT_FOR_WORKERS = 120          # seconds for a first worker to join (a cluster that is still scaling up)


def _check_workers(client: Client, run: Run, names: list[str]) -> tuple[str, str]:
    """(why this run must not grade on these workers, or ""; the sandbox they grade under). Refused: a worker
    that cannot isolate submissions (unless the run opted out), whose engine did not start, or whose code
    would grade differently from ours."""
    statuses = client.run(worker_status, run.name)
    ours = fingerprint(names)
    problems = [f"{w}: {s['refused']}" for w, s in statuses.items() if s.get("refused")]
    problems += [f"{w}: it runs another version of the grader or of an assignment (fingerprint "
                 f"{s['fingerprint']}, here {ours}); install the same version everywhere"
                 for w, s in statuses.items() if not s.get("refused") and s.get("fingerprint") != ours]
    kinds = " | ".join(sorted({s["sandbox"] for s in statuses.values() if s.get("sandbox")}))
    if problems:
        return ("error: Refusing to grade on this cluster. " + " | ".join(problems)
                + (" To grade anyway where isolation is missing, trusting every submission with the workers' "
                   "rights, pass --unsafe-no-sandbox (recorded in every result)." if not run.unsafe else ""), kinds)
    return "", kinds


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


def _stream(client, run, items, chosen, csv_path, results_dir, progress, shard_size, where: str) -> int:
    rec = batch.Recorder(items, chosen, csv_path, results_dir, progress)
    done: set[int] = set()

    def add(index: int, report: Report) -> None:
        if index in done:           # a shard graded twice (its worker was lost after answering) counts once
            return
        done.add(index)
        student, path, _ = items[index]
        report.student, report.submission = student, str(path)
        rec.add(report)

    slots = max(1, sum(client.nthreads().values()))
    size = shard_size or max(1, min(8, len(items) // (4 * slots)))
    queue = _shards(items, size)
    for i, (student, path, a) in enumerate(items):
        if a is None:
            add(i, batch._unknown(student, path, where))
    split: list[str] = []
    flying: dict = {}
    futures = as_completed()

    def submit_more() -> None:
        window = 2 * max(1, sum(client.nthreads().values()))
        while queue and len(flying) < window:
            shard = queue.pop(0)
            payload = []
            for i in shard:
                student, path, a = items[i]
                try:
                    payload.append((i, student, path.name, path.read_bytes(), a.name))
                except OSError as e:            # the engine says why a file cannot be read; do it here
                    add(i, not_graded(path, a, student, f"{path.name} could not be read "
                                       f"({type(e).__name__}: {e.strerror or e}).", Outcome.UNREADABLE, where))
            if payload:
                fut = client.submit(grade_shard, run.name, payload, key=f"{TOPIC}-{run.run_id}-{shard[0]}",
                                    pure=False)
                flying[fut] = shard
                futures.add(fut)

    try:
        submit_more()
        while flying:
            fut = next(futures)
            shard = flying.pop(fut)
            try:
                for index, report in fut.result():
                    add(index, report)
            except KilledWorker as e:
                if len(shard) > 1:      # one of them may be what kills workers: try each alone
                    split.append(f"shard of {len(shard)} from #{shard[0]} split after it was lost with its workers")
                    queue[:0] = [[i] for i in shard]
                else:
                    _lost(items, shard, add, f"its grading was lost with the workers running it ({e})")
            except Exception as e:
                _lost(items, shard, add, f"{type(e).__name__}: {e}")
            fut.release()
            submit_more()
    except KeyboardInterrupt:
        client.cancel(list(flying))
        rec.interrupted()
        return 130
    except Exception as e:              # the cluster itself was lost: what was not graded still gets its row
        _lost(items, [i for i in range(len(items)) if i not in done], add, f"the cluster was lost: {e}")
        rec.finish(f"error: the cluster was lost ({type(e).__name__}: {e}); the rows say which were not graded")
        return 1
    rec.finish(*_retried(client, run), *split)
    return 0


def _lost(items, indices, add, why: str) -> None:
    for i in indices:
        student, path, a = items[i]
        add(i, batch._internal_error(student, path, a, RuntimeError(why), why))


def _retried(client: Client, run: Run) -> list[str]:
    """The shards Dask graded again because their worker was lost, from the workers' own events."""
    starts: dict[int, list[str]] = {}
    for _, msg in client.get_events(TOPIC):
        if isinstance(msg, dict) and msg.get("run") == run.name:
            starts.setdefault(msg["shard"], []).append(msg["worker"])
    again = {s: w for s, w in starts.items() if len(w) > 1}
    if not again:
        return []
    return [f"retried: {len(again)} shard(s) whose worker was lost, graded again elsewhere: "
            + "; ".join(f"#{s} on {' then '.join(w)}" for s, w in sorted(again.items()))]
