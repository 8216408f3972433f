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


def isolate(hide: list[str], private_tmp: bool = True) -> list[str]:
    """In new mount, network and PID namespaces (the PID one applies to children): hide paths behind empty
    read-only tmpfs, give /tmp and /dev/shm private small tmpfs. Returns what could not be done."""
    missing = []
    unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID)
    mount("none", "/", None, MS_REC | MS_PRIVATE)
    for path in hide:
        if os.path.exists(path):
            try:
                mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=4k,mode=0555")
            except OSError as e:
                missing.append(f"hide {path}: {e.strerror}")
    if private_tmp:
        for path in ("/tmp", "/dev/shm"):
            if os.path.isdir(path):
                try:
                    mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777")
                except OSError as e:
                    missing.append(f"private {path}: {e.strerror}")
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
