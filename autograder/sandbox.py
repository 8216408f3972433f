"""What confines a submission's process: namespaces, hidden paths, resource limits, an unprivileged user.

Everything here needs root except the limits; without root the engine still runs each submission in its own
process with limits, and says that the rest is unavailable."""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import resource
import signal

CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x20000000, 0x40000000
MS_BIND, MS_REC, MS_PRIVATE, MS_NOSUID, MS_NODEV = 4096, 16384, 1 << 18, 2, 4
PR_SET_PDEATHSIG, PR_SET_CHILD_SUBREAPER = 1, 36

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def is_root() -> bool:
    return os.geteuid() == 0


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def mount(source: str, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None,
                       ctypes.c_ulong(flags), data.encode() if data else None), f"mount {target}")


def prctl(option: int, arg: int) -> None:
    _check(_libc.prctl(option, ctypes.c_ulong(arg), 0, 0, 0), "prctl")


def isolate(hide: list[str], keep: list[str] = ()) -> list[str]:
    """In new mount, network and PID namespaces (the PID one applies to children): hide paths behind empty
    tmpfs (files behind /dev/null), give /tmp and /dev/shm private small tmpfs, and bring back the folders of
    `keep` that lived under them (the grader's own Python, when it is installed there). Returns what could not
    be done."""
    missing = []
    unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID)
    mount("none", "/", None, MS_REC | MS_PRIVATE)
    for path in hide:
        try:
            if os.path.isdir(path):
                mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=4k,mode=0555")
            elif os.path.exists(path):
                mount("/dev/null", path, None, MS_BIND)
        except OSError as e:
            missing.append(f"hide {path}: {e.strerror}")
    for tmp in ("/tmp", "/dev/shm"):
        if not os.path.isdir(tmp):
            continue
        inside = [p for p in keep if p.startswith(tmp + "/")]
        held = {p: os.open(p, os.O_PATH | os.O_DIRECTORY) for p in inside}
        try:
            mount("tmpfs", tmp, "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777")
            for p, fd in held.items():
                os.makedirs(p, exist_ok=True)
                mount(f"/proc/self/fd/{fd}", p, None, MS_BIND | MS_REC)
        except OSError as e:
            missing.append(f"private {tmp}: {e.strerror}")
        finally:
            for fd in held.values():
                os.close(fd)
    return missing


def vm_size() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def limit(memory_bytes: int, cpu_seconds: int, file_bytes: int, processes: int | None = None) -> None:
    """Address space (beyond what is mapped now), CPU time, size of any file written, and processes."""
    room = vm_size() + memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (room, room))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if processes is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)     # a write past the cap fails instead of killing


def drop_privileges(uid: int) -> None:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
