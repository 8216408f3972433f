"""The submission's side of the engine. Started by the engine as `python -m autograder.worker KIND FD`.

A zygote of each kind preloads what submissions may use (the NumPy kind never loads torch), then forks one
runner per job. The runner confines itself (namespaces, hidden paths) and forks the student process, which
drops privileges, sets limits, runs the notebook's cells and answers each check's question as one JSON line.
Nothing here decides a grade."""
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
import traceback  # noqa: E402

import psutil  # noqa: E402  (everything the runner needs is loaded before it hides paths)

PRELOAD = ("abc argparse array bisect collections collections.abc copy csv dataclasses decimal enum fractions "
           "functools heapq inspect itertools json math numbers operator pathlib pprint random re statistics "
           "string textwrap time timeit types typing warnings contextlib traceback cProfile pstats "
           "concurrent.futures unittest encodings.idna numpy numpy.linalg numpy.random numpy.testing matplotlib "
           "matplotlib.pyplot").split()
TORCH_PRELOAD = ("torch torch.nn torch.nn.functional torch.optim torch.autograd torch.func").split()
OUTPUT_KEPT = 64 * 1024


def send(sock: socket.socket, message: dict) -> None:
    from . import wire
    sock.sendall(wire.dumps(message).encode() + b"\n")


def _preload(kind: str) -> None:
    for name in PRELOAD + (TORCH_PRELOAD if kind == "torch" else []):
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    from . import checks, notebook, probing, sandbox, wire  # noqa: F401
    _warm_up(kind)
    if kind == "numpy" and "torch" in sys.modules:
        raise SystemExit("the NumPy worker must never load torch")


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


def zygote(kind: str, fd: int) -> None:
    _preload(kind)
    ctrl = socket.socket(fileno=fd)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)      # runners are reaped by the kernel
    ctrl.sendall(b"ready")
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
                runner(kind, fds[0])
            finally:
                os._exit(0)
        os.close(fds[0])


def _torch_dirs() -> list[str]:
    import importlib.util
    dirs = []
    for name in ("torch", "functorch", "torchgen"):
        spec = importlib.util.find_spec(name)
        if spec and spec.submodule_search_locations:
            dirs += list(spec.submodule_search_locations)
    return dirs


def runner(kind: str, fd: int) -> None:
    from . import sandbox
    os.setsid()
    sock = socket.socket(fileno=fd)
    job = json.loads(sock.makefile("rb").readline())
    notes = []
    isolated = False
    if job["isolate"] and sandbox.is_root():
        # this Python and this package stay visible even when they are installed under /tmp
        keep = sorted({os.path.realpath(p) for p in (sys.prefix, os.path.dirname(os.path.dirname(__file__)))})
        try:
            notes += sandbox.isolate(job["hide"] + (_torch_dirs() if kind == "numpy" else []), keep)
            isolated = True
        except OSError as e:
            notes.append(f"namespaces unavailable ({e.strerror})")
    try:
        sandbox.prctl(sandbox.PR_SET_CHILD_SUBREAPER, 1)
    except OSError:
        pass
    workdir = tempfile.mkdtemp(prefix="submission-")
    drop = sandbox.is_root() and job["uid"] is not None       # never run student code as root
    if drop:
        os.chown(workdir, job["uid"], job["uid"])
    out_r, out_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(go_w)
        os.close(out_r)
        os.read(go_r, 1)
        try:
            student(kind, job, sock, out_w, workdir, drop)
        except BaseException:
            os.write(out_w, traceback.format_exc().encode())
            os._exit(70)
        finally:
            os._exit(0)
    os.close(go_r)
    os.close(out_w)
    send(sock, {"hello": {"pid": pid, "runner": os.getpid(), "isolated": isolated, "notes": notes}})
    os.write(go_w, b"g")
    output, status = _drain(out_r, pid)
    _sweep()
    try:
        send(sock, {"exit": _describe(status), "output": output.decode("utf-8", "replace")})
    except OSError:
        pass


def _drain(fd: int, pid: int) -> tuple[bytes, int]:
    """Keep the first OUTPUT_KEPT bytes the student's code prints, discard the rest, until it exits."""
    kept, status = bytearray(), None
    while status is None:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            chunk = os.read(fd, 1 << 16)
            if chunk and len(kept) < OUTPUT_KEPT:
                kept += chunk[:OUTPUT_KEPT - len(kept)]
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
    os.close(fd)
    return bytes(kept), status


def _sweep() -> None:
    """End every process the student's code left behind (they were reparented to this runner)."""
    for _ in range(20):
        kids = psutil.Process().children(recursive=True)
        if not kids:
            break
        for k in kids:
            try:
                k.kill()
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


def student(kind: str, job: dict, sock: socket.socket, out_fd: int, workdir: str, drop: bool) -> None:
    """The only process that runs the submission's code."""
    from . import notebook, probing, sandbox, wire
    from .checks import BY_NAME
    try:
        sandbox.prctl(sandbox.PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass
    lim = job["limits"]
    os.chdir(workdir)
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.umask(0o077)
    if drop:
        sandbox.drop_privileges(job["uid"])
    sandbox.limit(lim["memory"], lim["cpu"], lim["file"], 256 if drop else len(psutil.pids()) + 256)
    if kind == "numpy":
        sys.meta_path.insert(0, probing.TorchFinder())
    probing.announce = lambda name: send(sock, {"calling": name})
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
        answer = probing.ask(BY_NAME[q["check"]], ns, wire.loads(q["inputs"]))
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
    zygote(sys.argv[1], int(sys.argv[2]))
