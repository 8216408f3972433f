"""The submission's side of the engine. Started by the engine as
`python -m autograder.engine.worker KIND FD MODULES` (MODULES: what to load ahead, comma-separated, among
them each assignment's package).

A zygote of each kind preloads what submissions may use (the NumPy kind never loads torch), measures what
the sandbox can do here, then forks one runner per job. The runner enters the job's namespaces and builds its
root from the allow-list (or, without namespaces, makes its private scratch folder) and forks the student
process, which confines itself further (its /proc, its own user id, Landlock, seccomp, limits), runs the
notebook's cells and answers each check's question as one JSON line. Nothing here decides a grade."""
from __future__ import annotations

import os
import sys

os.environ.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MPLBACKEND="Agg")

import importlib  # noqa: E402
import json  # noqa: E402
import select  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

import psutil  # noqa: E402  (everything the runner needs is loaded before it hides paths)

PROCESSES = 256                 # processes a job may run (beyond the user's others, when it has no uid of its own)
SWEEP_ROUNDS = 20               # passes at the processes a job left behind
SCRATCH_CHECK_SECONDS = 1.0     # how often a scratch folder on disk is measured


def send(sock: socket.socket, message: dict) -> None:
    from ..core import wire
    sock.sendall(wire.dumps(message).encode() + b"\n")


def _preload(kind: str, modules: list[str], packages: list[str]) -> dict:
    """Load what submissions may use (a module missing here is skipped) and the assignments' packages (one
    that fails to load stops the worker: no submission could be graded); returns the assignments by
    package."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    assignments = {name: importlib.import_module(name).ASSIGNMENT for name in packages}
    from . import notebook, probing, sandbox  # noqa: F401
    for name in ("landlockpy", "pyseccomp"):           # the sandbox's own libraries, loaded while visible
        try:
            importlib.import_module(name)
        except (ImportError, OSError):
            pass
    _warm_up(kind)
    if kind == "numpy" and "torch" in sys.modules:
        raise SystemExit("the NumPy worker must never load torch")
    return assignments


def _warm_up(kind: str) -> None:
    """Use once what submissions use, so that nothing is first imported after privileges are dropped."""
    import io

    import matplotlib.pyplot as plt
    import numpy as np
    x = np.random.default_rng(0).normal(size=(4, 3))
    np.einsum("bd,dh->bh", x, x.T), np.testing.assert_allclose(x, x), np.linalg.norm(x)
    fig, ax = plt.subplots()
    ax.plot([0, 1]), ax.contourf(x @ x.T), fig.savefig(io.BytesIO(), format="png")
    plt.close("all")
    if kind == "torch":
        import torch
        import torch.nn.functional as F
        torch.set_num_threads(1)
        w = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.SGD([w], lr=0.1)
        for _ in range(2):
            opt.zero_grad()
            F.cross_entropy(torch.relu(w @ w.T), torch.as_tensor([0, 1, 2, 3])).backward()
            opt.step()
        torch.autograd.grad((w ** 2).sum(), w), w.detach().numpy(), F.one_hot(torch.tensor([1]), 3)
        torch.optim.Adam([w]), torch.nn.Linear(2, 2), torch.einsum("ij,jk->ik", w, w.T), torch.from_numpy(x).clamp(min=0)


def zygote(kind: str, fd: int, modules: list[str], packages: list[str]) -> None:
    assignments = _preload(kind, modules, packages)
    view = _View(kind, list(assignments.values()))
    found = _probe(view)
    ctrl = socket.socket(fileno=fd)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)      # runners are reaped by the kernel
    ctrl.sendall(b"ready " + json.dumps(found).encode())
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(ctrl, 16, 1)
        except (ConnectionError, OSError):
            break
        if not msg or not fds:
            break
        if os.fork() == 0:
            ctrl.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            try:
                runner(kind, fds[0], view, assignments)
            finally:
                os._exit(0)
        os.close(fds[0])
    os._exit(0)         # the grader closed us: nothing to flush, and a torch interpreter's teardown takes seconds


class _View:
    """What a job of this kind may read: the same paths in every job, worked out once."""

    def __init__(self, kind: str, assignments: list):
        import site
        from . import sandbox
        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        sites = {os.path.realpath(p) for p in site.getsitepackages() + [site.getusersitepackages()]}
        courses = sorted({os.path.realpath(a.course) for a in assignments}
                         | ({os.path.dirname(package)} - sites))            # an installed package has no course
        self.ro = sorted(set(sandbox.readable(package, courses)) | {os.path.realpath(a.folder) for a in assignments})
        self.probe = next((p for p in (_secret_of(c, self.ro) for c in courses) if p), None)
        self.masked = (sandbox.torch_dirs() if kind == "numpy" else []) + sandbox.inside_view(courses, self.ro)
        self.landlock_ro = sandbox.without(self.ro, self.masked) if self.masked else self.ro


def _confine_runner(layers: list[str], view: _View, uid: int | None, scratch_base: str | None) -> dict:
    """In the runner, before the student's process exists: its namespaces and its root, or, without
    namespaces, a private scratch folder. Returns where the job may write and its $HOME."""
    from . import sandbox
    if "namespaces" in layers:
        sandbox.enter_namespaces()
        sandbox.build_root(view.ro, view.masked, uid)
        return {"rw": list(sandbox.SCRATCH), "home": sandbox.HOME, "tmp": "/tmp", "cleanup": None}
    base = scratch_base or tempfile.gettempdir()
    top = tempfile.mkdtemp(prefix="job-", dir=base)
    home, tmp = os.path.join(top, "home"), os.path.join(top, "tmp")
    os.mkdir(home, 0o700)
    os.mkdir(tmp, 0o700)
    if uid is not None:
        for d in (top, home, tmp):
            os.chown(d, uid, uid)
    return {"rw": [top], "home": home, "tmp": tmp, "cleanup": top}


def _confine_student(layers: list[str], view: _View, where: dict, uid: int | None, lim: dict | None,
                     processes: int) -> list[str]:
    """In the student's process, before any of its code runs. Returns the layers that took effect; a layer
    that was asked for and fails raises."""
    from . import sandbox
    done = []
    ns = "namespaces" in layers
    if ns:
        sandbox.enter_root()
        done.append("namespaces")
    sandbox.no_new_privileges()
    os.chdir(where["home"])
    os.environ.update(HOME=where["home"], TMPDIR=where["tmp"], MPLCONFIGDIR=os.path.join(where["tmp"], "mpl"))
    tempfile.tempdir = None
    if uid is not None:
        sandbox.drop_privileges(uid)
        done.append("uid")
    elif ns:
        sandbox.drop_capabilities()
    if lim:
        sandbox.limit(lim["memory"], lim["cpu"], lim["file"],
                      PROCESSES if uid is not None else processes + PROCESSES)
    if "landlock" in layers:
        # with namespaces torch's folders are already empty in the view, so the shorter list will do
        ro = view.ro if ns else view.landlock_ro
        abi = sandbox.landlock(ro, where["rw"], "/proc" if ns else f"/proc/{os.getpid()}")
        done.append(f"landlock:{abi}")
    if "seccomp" in layers:
        sandbox.seccomp()
        done.append("seccomp")
    return done


def _probe(view: _View) -> dict:
    """Measure what the sandbox can do here: set up every layer in a throwaway job, then try to read the
    course and to open a socket from inside it."""
    from . import sandbox
    wanted = [layer for layer in sandbox.LAYERS if layer in sandbox.wanted()]
    if "landlock" in wanted and not sandbox.landlock_abi():
        wanted.remove("landlock")
    if "seccomp" in wanted and not sandbox.seccomp_available():
        wanted.remove("seccomp")
    root = sandbox.is_root()
    found = {"root": root, "namespaces": False, "landlock": 0, "seccomp": False, "uid": False, "errors": []}
    for attempt in (wanted, [x for x in wanted if x != "namespaces"]):
        result = _probe_once(attempt, view, root)
        found["errors"] += result.pop("errors", [])
        if result.pop("ran", False):
            found.update(result)
            break
    return found


def _probe_once(layers: list[str], view: _View, root: bool) -> dict:
    """One throwaway job with `layers`, set up as a real one is (a runner, then its student process), which
    reports what took effect and whether the course and a socket were out of its reach."""
    from . import sandbox
    uid = sandbox.UID_PROBE if root else None
    what = ", ".join(layers) or "no layer"

    def student_side(where: dict) -> dict:
        done = _confine_student(layers, view, where, uid, None, 0)
        return {"namespaces": "namespaces" in done, "seccomp": "seccomp" in done, "uid": "uid" in done,
                "landlock": next((int(d.split(":")[1]) for d in done if d.startswith("landlock:")), 0),
                "files_blocked": view.probe is None or _cannot(lambda: _read(view.probe)),
                # a fresh network namespace has no interface up: nothing is reachable, even with a socket
                "network_blocked": "namespaces" in done
                                   or _cannot(lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM)),
                # in a PID namespace the runner does not exist for the job; else signal it (0: only ask)
                "signals_blocked": "namespaces" in done or _cannot(lambda: os.kill(os.getppid(), 0)),
                "ran": True}

    def runner_side() -> dict:
        where = _confine_runner(layers, view, uid, None)
        try:
            return _in_child(lambda: student_side(where), what)
        finally:
            if where["cleanup"]:
                import shutil
                shutil.rmtree(where["cleanup"], ignore_errors=True)

    return _in_child(runner_side, what)


def _in_child(fn, what: str) -> dict:
    """fn() run in a forked child, its dict brought back as JSON; an exception becomes {"errors": [...]}."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            out = fn()
        except BaseException as e:
            out = {"errors": [f"{what}: {type(e).__name__}: {e}"]}
        os.write(w, json.dumps(out).encode())
        os._exit(0)
    os.close(w)
    data = _read_all(r)
    os.waitpid(pid, 0)
    return json.loads(data or b"{}")


def _secret_of(course: str, allowed: list[str]) -> str | None:
    """An entry of the course folder outside the job's view (not in it, nor holding a part of it)."""
    from . import sandbox
    inside = [os.path.realpath(p) for p in allowed]
    for name in sorted(os.listdir(course)):
        full = os.path.realpath(os.path.join(course, name))
        if not sandbox.within(full, inside) and not any(sandbox.within(p, [full]) for p in inside):
            return full
    return None


def _read(path: str):
    """Read a little of a file, or list a folder (Landlock lets a path be seen but not read)."""
    if os.path.isdir(path):
        return os.listdir(path)
    with open(path, "rb") as f:
        return f.read(1)


def _cannot(action) -> bool:
    try:
        x = action()
        if hasattr(x, "close"):
            x.close()
        return False
    except OSError:
        return True


def _read_all(fd: int) -> bytes:
    chunks = []
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


def runner(kind: str, fd: int, view: _View, assignments: dict) -> None:
    from . import sandbox
    os.setsid()
    sock = socket.socket(fileno=fd)
    job = json.loads(sock.makefile("rb").readline())
    layers, uid = job["isolation"], job["uid"] if sandbox.is_root() else None
    processes = len(psutil.pids())
    try:
        if sandbox.is_root() and uid is None:
            raise PermissionError("no user id to run the submission as: student code never runs as root")
        sandbox.prctl(sandbox.PR_SET_CHILD_SUBREAPER, 1)
        where = _confine_runner(layers, view, uid, job.get("scratch"))
    except OSError as e:
        send(sock, {"hello": {"pid": None, "runner": os.getpid(), "refused": f"{type(e).__name__}: {e}"}})
        return
    out_r, out_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(go_w)
        os.close(out_r)
        os.read(go_r, 1)
        try:
            student(kind, job, sock, out_w, view, where, uid, processes, assignments[job["assignment"]])
        except BaseException:
            os.write(out_w, traceback.format_exc().encode())
            os._exit(70)
        finally:
            os._exit(0)
    os.close(go_r)
    os.close(out_w)
    send(sock, {"hello": {"pid": pid, "runner": os.getpid(), "isolation": layers}})
    os.write(go_w, b"g")
    output, dropped, status = _drain(out_r, pid, job["limits"]["output"], where["cleanup"], sock)
    _sweep("namespaces" not in layers)
    if where["cleanup"]:
        import shutil
        shutil.rmtree(where["cleanup"], ignore_errors=True)
    try:
        send(sock, {"exit": _describe(status), "output": output.decode("utf-8", "replace"), "dropped": dropped})
    except OSError:
        pass


def _drain(fd: int, pid: int, keep: int, scratch: str | None, grader: socket.socket) -> tuple[bytes, int, int]:
    """Keep the first `keep` bytes the student's code prints, count and discard the rest, until it exits.
    A `scratch` folder on the machine's disk (no namespaces: no size-limited tmpfs) is measured every second,
    and the student's process is stopped when it holds more than the scratch allows. The student's process is
    also stopped when the grader's end of the job's socket goes away (the grader itself died, e.g. a cluster
    worker that was lost): nobody waits for its answers any more."""
    from . import sandbox
    kept, dropped, status, measured = bytearray(), 0, None, time.monotonic()
    hangup = select.poll()
    hangup.register(grader, select.POLLRDHUP)
    while status is None:
        if hangup.poll(0):
            os.kill(pid, signal.SIGKILL)
        if scratch and time.monotonic() - measured > SCRATCH_CHECK_SECONDS:
            measured = time.monotonic()
            if _size(scratch) > sandbox.SCRATCH_MB << 20:
                kept += f"\n[stopped: more than {sandbox.SCRATCH_MB} MB written to scratch files]\n".encode()
                os.kill(pid, signal.SIGKILL)
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            chunk = os.read(fd, 1 << 16)
            room = max(0, keep - len(kept))
            kept += chunk[:room]
            dropped += max(0, len(chunk) - room)
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
    os.close(fd)
    return bytes(kept), dropped, status


def _size(folder: str) -> int:
    total = 0
    for top, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(top, name)).st_size
            except OSError:
                pass
    return total


def _sweep(walk: bool) -> None:
    """End every process the student's code left behind (they were reparented to this runner): stop them
    all first, so that none can fork while the others are killed. In a PID namespace the kernel has ended
    them with its first process; only their exits are collected."""
    for _ in range(SWEEP_ROUNDS if walk else 0):
        kids = psutil.Process().children(recursive=True)
        if not kids:
            break
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            for k in kids:
                try:
                    k.send_signal(sig)
                except psutil.Error:
                    pass
        psutil.wait_procs(kids, timeout=1)
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG) == (0, 0):
                break
        except ChildProcessError:
            break


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        extra = {"SIGKILL": " (killed: time or memory limit, or by the grader)", "SIGXCPU": " (CPU time limit)",
                 "SIGSEGV": " (crashed)"}.get(name, "")
        return f"killed by {name}{extra}"
    return f"exited with code {os.WEXITSTATUS(status)}"


def student(kind: str, job: dict, sock: socket.socket, out_fd: int, view: _View, where: dict,
            uid: int | None, processes: int, assignment) -> None:
    """The only process that runs the submission's code."""
    from ..core import wire
    from . import notebook, probing, sandbox
    checks = assignment.by_name
    try:
        sandbox.prctl(sandbox.PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.umask(0o077)
    try:
        _confine_student(job["isolation"], view, where, uid, job["limits"], processes)
    except (OSError, ValueError) as e:          # ValueError: a limit above what this container allows
        send(sock, {"refused": f"{type(e).__name__}: {e}"})
        return
    send(sock, {"confined": True})                 # said before any of the student's code runs
    if kind == "numpy":
        sys.meta_path.insert(0, probing.TorchFinder())
    from ..core import budget
    from ..core import student as student_side
    student_side.announce = lambda name: send(sock, {"calling": name})
    budget.set_limit(job["limits"].get("check_seconds"))
    import builtins
    import numpy as np
    saved = {mod: dict(vars(mod)) for mod in (builtins, np, np.linalg, np.random, json)}
    ns = {"__name__": "__main__", "__builtins__": builtins}
    errors = notebook.execute([tuple(c) for c in job["cells"]], ns)
    stopped = _stop_threads()
    if stopped:
        errors.append(f"stopped {stopped} background thread(s) the notebook started")
    tampered = _restore(saved)
    send(sock, {"cells": errors, "tampered": tampered})
    for q in job["questions"]:
        answer = probing.ask(checks[q["check"]], ns, wire.loads(q["inputs"]), assignment.fixes)
        send(sock, {"check": q["check"], "answer": answer})
    send(sock, {"done": True})


def _restore(saved: dict) -> list[str]:
    """Put back what the notebook replaced in builtins, numpy and json; name what it was."""
    changed = []
    for mod, before in saved.items():
        now = vars(mod)
        for k, v in before.items():
            if now.get(k) is not v:
                setattr(mod, k, v)
                changed.append(f"{mod.__name__}.{k}")
    return changed[:8]


def _stop_threads() -> int:
    """Raise SystemExit in every other thread (threads would otherwise steal the checks' time)."""
    import ctypes
    import threading
    import time
    others = [t for t in threading.enumerate() if t is not threading.main_thread()]
    for _ in range(50):
        alive = [t for t in others if t.is_alive()]
        if not alive:
            break
        for t in alive:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(t.ident), ctypes.py_object(SystemExit))
        time.sleep(0.01)
    return len(others)


if __name__ == "__main__":
    zygote(sys.argv[1], int(sys.argv[2]), [m for m in sys.argv[3].split(",") if m],
           [m for m in sys.argv[4].split(",") if m])
