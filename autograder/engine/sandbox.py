"""What confines a submission: a view of the machine built from an allow-list, the same as root or not.

A submission's process sees the system directories Python needs, a minimal /etc, the Python environment and
this package, all read-only; a private empty scratch (/tmp, /var/tmp, /dev/shm, $HOME, the working
directory) that disappears with the job; a /proc with only its own processes; and no network. Three layers
build that view, each switched on where the kernel allows it and each reported:

- namespaces: new mount, PID, network, IPC and UTS namespaces (and a user namespace when not root). The
  job's root is a fresh tmpfs holding read-only binds of the allow-list; nothing else of the machine exists.
- landlock: the kernel refuses every path outside the allow-list, TCP, and signals or abstract sockets
  outside the job; it works where namespaces are forbidden (containers, Ubuntu's AppArmor).
- seccomp: new sockets, ptrace, reading other processes' memory, mounts and new namespaces are refused.

As root each job also runs as a user id of its own. Resource limits (memory, CPU, file size, processes)
apply always."""
from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import resource
import signal
import sys

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP = 0x10000000, 0x20000000, 0x40000000, 0x02000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND = 1, 2, 4, 8, 32, 4096
MS_REC, MS_PRIVATE, MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 16384, 1 << 18, 1024, 2048, 1 << 21
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 1, 36, 38

LAYERS = ("namespaces", "landlock", "seccomp")
LANDLOCK_SIGNALS = 6                            # the Landlock ABI that scopes signals to the job
LAYERS_ENV = "BACKPROP_SANDBOX_LAYERS"        # e.g. "landlock,seccomp": try only these (unset: all)
SCRATCH_MB = 64                                 # the job's whole writable space
UID_BASE, UID_COUNT = 62000, 1000               # user ids handed to jobs when grading as root
UID_PROBE = UID_BASE - 1                        # the throwaway job that measures the sandbox at start
HOME = "/home/student"                          # the job's $HOME and working directory (namespaces)
SYSTEM = ("/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin")
ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "passwd", "group", "nsswitch.conf", "hosts",
       "fonts")
DEVICES = ("null", "zero", "full", "random", "urandom")
SCRATCH = ("/tmp", "/var/tmp", "/dev/shm", HOME)

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


class SandboxError(OSError):
    pass


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise SandboxError(err, f"{what}: {os.strerror(err)}")


def is_root() -> bool:
    return os.geteuid() == 0


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(source.encode() if source else None, target.encode(), fstype.encode() if fstype else None,
                       ctypes.c_ulong(flags), data.encode() if data else None), f"mount {target}")


def prctl(option: int, arg: int) -> None:
    _check(_libc.prctl(option, ctypes.c_ulong(arg), 0, 0, 0), "prctl")


def wanted() -> set[str]:
    """The layers to try: all, or those the environment names."""
    named = os.environ.get(LAYERS_ENV)
    return set(LAYERS) if named is None else {n.strip() for n in named.split(",") if n.strip() in LAYERS}


# ---------------------------------------------------------------------------------------------- the allow-list
def readable(package: str, courses: list[str]) -> list[str]:
    """Everything a job may read: system directories, a minimal /etc, the Python installation and its
    site-packages, and `package`. Never a folder that holds one of `courses` (where the answer key and the
    submissions are), nor any other entry of sys.path (the working directory, PYTHONPATH). A course that lies
    inside one of these (a course under /usr/src, say) must be masked: see `inside_view`."""
    import site
    import sysconfig
    paths = [p for p in SYSTEM if os.path.exists(p)] + [f"/etc/{n}" for n in ETC if os.path.exists(f"/etc/{n}")]
    python = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
              *sysconfig.get_paths().values(), *site.getsitepackages(), site.getusersitepackages()}
    courses = [os.path.realpath(c) for c in courses]
    for p in sorted({os.path.realpath(p) for p in python if p and os.path.isdir(p)}):
        if p == "/" or any(within(c, [p]) for c in courses):
            continue                                # a course, or a folder that holds one
        if not within(p, paths):
            paths.append(p)
    paths.append(os.path.realpath(package))
    return sorted(set(paths))


def inside_view(courses: list[str], ro: list[str]) -> list[str]:
    """The courses that an allowed folder holds: they are masked from the job's view."""
    return [c for c in (os.path.realpath(c) for c in courses) if within(c, [p for p in ro if p != c])]


def torch_dirs() -> list[str]:
    import importlib.util
    dirs = []
    for name in ("torch", "functorch", "torchgen"):
        spec = importlib.util.find_spec(name)
        if spec and spec.submodule_search_locations:
            dirs += [os.path.realpath(p) for p in spec.submodule_search_locations]
    return dirs


def without(paths: list[str], torch: list[str]) -> list[str]:
    """Replace each allowed folder that holds one of `torch` by its other entries (for Landlock, which only
    grants)."""
    out = []
    for p in paths:
        inside = [t for t in torch if t.startswith(p.rstrip("/") + "/")]
        if not inside:
            out.append(p)
            continue
        stack = [p]
        while stack:
            d = stack.pop()
            for name in sorted(os.listdir(d)):
                full = os.path.join(d, name)
                if full in torch:
                    continue
                if any(t.startswith(full + "/") for t in torch):
                    stack.append(full)
                else:
                    out.append(full)
    return out


# ---------------------------------------------------------------------------------------------- namespaces
def enter_namespaces() -> None:
    """New mount, PID (for the children), network, IPC and UTS namespaces; a user namespace first when not
    root, mapping only this user."""
    flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
    if is_root():
        unshare(flags)
        return
    uid, gid = os.geteuid(), os.getegid()
    unshare(CLONE_NEWUSER | flags)
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(text)


def _locked_flags(path: str) -> int:
    """The flags a read-only remount must keep (a user namespace may not clear them)."""
    f = os.statvfs(path).f_flag
    return sum(ms for st, ms in ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC),
                                 (os.ST_NOATIME, MS_NOATIME), (os.ST_NODIRATIME, MS_NODIRATIME),
                                 (os.ST_RELATIME, MS_RELATIME)) if f & st)


def within(path: str, folders) -> bool:
    """Whether `path` is one of `folders` or lies below one."""
    return any(path == f or path.startswith(f.rstrip("/") + "/") for f in folders)


def _bind(source: str, target: str, writable: bool = False) -> None:
    """Bind `source` at `target`, read-only unless `writable`, never honouring set-user-id bits."""
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    mount(source, target, None, MS_BIND | MS_REC)
    mount(None, target, None, MS_REMOUNT | MS_BIND | MS_NOSUID | (0 if writable else MS_RDONLY)
          | _locked_flags(target))


STAGE = "/tmp"           # where the job's root is put together: any existing folder will do


def build_root(ro: list[str], masked: list[str], uid: int | None) -> None:
    """Put together, at STAGE, the job's root: a fresh tmpfs holding only `ro` (read-only, at the same
    paths), with the folders of `masked` empty (a course that lies inside an allowed folder, torch for the
    NumPy kind) except for what of `ro` lies inside them, a few devices and the scratch folders. Call after
    enter_namespaces; the job's first process then mounts its /proc and calls enter_root."""
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    held = {p: os.open(p, os.O_PATH) for p in ro if not os.path.islink(p)}
    links = {p: os.readlink(p) for p in ro if os.path.islink(p)}
    devices = {d: os.open(f"/dev/{d}", os.O_PATH) for d in DEVICES if os.path.exists(f"/dev/{d}")}
    new = STAGE
    mount("tmpfs", new, "tmpfs", MS_NOSUID | MS_NODEV, f"size={SCRATCH_MB}m,mode=0755")
    try:
        later = {p: fd for p, fd in held.items() if within(p, masked)}     # brought back inside a mask
        for p, fd in held.items():
            if p not in later:
                _bind(f"/proc/self/fd/{fd}", new + p)
        for p, target in links.items():
            os.makedirs(os.path.dirname(new + p), exist_ok=True)
            os.symlink(target, new + p)
        for d, fd in devices.items():
            _bind(f"/proc/self/fd/{fd}", f"{new}/dev/{d}", writable=True)
        for p in masked:
            if os.path.isdir(new + p):
                mount("tmpfs", new + p, "tmpfs", MS_NOSUID | MS_NODEV, "size=4k,mode=0755")
        for p, fd in later.items():
            _bind(f"/proc/self/fd/{fd}", new + p)
        for p in masked:
            if os.path.isdir(new + p):
                mount(None, new + p, None, MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_RDONLY, "size=4k,mode=0755")
    finally:
        for fd in list(held.values()) + list(devices.values()):
            os.close(fd)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{new}/dev/{name}")
    for d in SCRATCH + ("/proc",):
        os.makedirs(new + d, exist_ok=True)
    for d in SCRATCH:
        os.chmod(new + d, 0o1777 if d != HOME else 0o700)
    if uid is not None:
        os.chown(new + HOME, uid, uid)
    os.makedirs(f"{new}/.old", exist_ok=True)


def enter_root() -> None:
    """As the job's first process (the only one in its PID namespace): mount its /proc, showing only the
    job's processes (while the machine's /proc is still in view, as a user namespace requires), then make
    the job's root the root of its mount namespace and detach the machine's."""
    mount("proc", STAGE + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    _check(_libc.pivot_root(STAGE.encode(), f"{STAGE}/.old".encode()), "pivot_root")
    os.chdir("/")
    _check(_libc.umount2(b"/.old", MNT_DETACH), "umount old root")
    os.rmdir("/.old")


# ---------------------------------------------------------------------------------------------- landlock
def landlock(ro: list[str], rw: list[str], proc: str | None) -> int:
    """Refuse every path but `ro` (read and run) and `rw` (anything), TCP, and signals and abstract sockets
    outside this process's own children. Returns the Landlock ABI enforced."""
    import landlockpy as ll
    abi = ll.abi_version()
    read = ll.AccessFS.READ_FILE | ll.AccessFS.READ_DIR | ll.AccessFS.EXECUTE
    with ll.Ruleset(handled_net=ll.AccessNet.BIND_TCP | ll.AccessNet.CONNECT_TCP,
                    scoped=ll.Scope.ABSTRACT_UNIX_SOCKET | ll.Scope.SIGNAL) as rules:
        everything = rules.handled_fs
        for p in ro:
            if os.path.exists(p):
                rules.allow_path(p, read if os.path.isdir(p) else read & ~ll.AccessFS.READ_DIR)
        for p in rw:
            rules.allow_path(p, everything)
        for d in DEVICES:
            if os.path.exists(f"/dev/{d}"):
                rules.allow_path(f"/dev/{d}", ll.AccessFS.READ_FILE | ll.AccessFS.WRITE_FILE)
        if proc and os.path.exists(proc):
            rules.allow_path(proc, ll.AccessFS.READ_FILE | ll.AccessFS.READ_DIR)
        rules.restrict()
    return abi


def landlock_abi() -> int:
    try:
        import landlockpy
        return landlockpy.abi_version() if landlockpy.supported() else 0
    except (ImportError, OSError):
        return 0


# ---------------------------------------------------------------------------------------------- seccomp
_REFUSED = ("socket", "ptrace", "shmget", "msgget", "semget", "process_vm_readv", "process_vm_writev", "mount", "umount2", "pivot_root",
            "chroot", "unshare", "setns", "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key",
            "request_key", "io_uring_setup", "open_by_handle_at", "name_to_handle_at", "open_tree", "move_mount",
            "fsopen", "fsmount", "fspick", "mount_setattr", "kcmp", "pidfd_getfd", "personality", "syslog")


def no_new_privileges() -> None:
    """Nothing this process runs can gain privileges (set-user-id programs run as their caller)."""
    prctl(PR_SET_NO_NEW_PRIVS, 1)


def seccomp() -> None:
    """Refuse new sockets (the job keeps the one it was given), tracing, other processes' memory, mounts and
    new namespaces. clone3 answers ENOSYS so that the C library falls back to clone, whose flags are seen."""
    import pyseccomp as sc
    f = sc.SyscallFilter(sc.ALLOW)
    for name in _REFUSED:
        try:
            f.add_rule(sc.ERRNO(errno.EPERM), name)
        except (OSError, ValueError, RuntimeError):
            pass                                         # not a system call on this architecture
    f.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    for flag in (CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWCGROUP):
        f.add_rule(sc.ERRNO(errno.EPERM), "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    f.load()


def seccomp_available() -> bool:
    try:
        import pyseccomp  # noqa: F401
        return True
    except (ImportError, OSError, RuntimeError):
        return False


# ---------------------------------------------------------------------------------------------- limits
def vm_size() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def limit(memory_bytes: int, cpu_seconds: int, file_bytes: int, processes: int | None = None,
          mapped: int | None = None) -> None:
    """Address space (beyond what is mapped now), CPU time, size of any file written, and processes."""
    room = (vm_size() if mapped is None else mapped) + memory_bytes
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


_LINUX_CAPABILITY_VERSION_3 = 0x20080522


def drop_capabilities() -> None:
    """Give up every capability (a user namespace's creator holds them all inside it)."""
    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]
    header, data = Header(_LINUX_CAPABILITY_VERSION_3, 0), (Data * 2)()
    _check(_libc.capset(ctypes.byref(header), data), "capset")


# ---------------------------------------------------------------------------------------------- what holds here
NEEDS = {
    "namespaces": "unprivileged user namespaces (on Ubuntu 24.04: sysctl kernel.apparmor_restrict_unprivileged_"
                  "userns=0; in Docker or Podman: --security-opt seccomp=unconfined, or grade as root with "
                  "--cap-add SYS_ADMIN)",
    "landlock": "Landlock (Linux 5.13 or later with landlock in the kernel's lsm= list; ABI 4 or later also "
                "blocks TCP, ABI 6 or later scopes signals) and the landlockpy package",
    "seccomp": "seccomp with libseccomp (Debian and Ubuntu: libseccomp2) and the pyseccomp package",
}


def describe(found: dict) -> str:
    """One line naming the layers that took effect, e.g. for the run's output and each result."""
    parts = []
    if found.get("namespaces"):
        parts.append("namespaces (" + ("" if found.get("root") else "user, ") + "mount, pid, net, ipc)")
    if found.get("landlock"):
        parts.append(f"landlock ABI {found['landlock']}")
    if found.get("seccomp"):
        parts.append("seccomp")
    if found.get("root") and found.get("uid"):
        parts.append("own uid per job")
    return " + ".join(parts) if parts else "none"


def missing(found: dict) -> list[str]:
    """What keeps the sandbox from holding: a file-system allow-list, a network block and signal isolation
    are required, each from a layer that took effect and shown to hold from inside a test job."""
    gaps = []
    scoped = found.get("namespaces") or found.get("landlock", 0) >= LANDLOCK_SIGNALS
    if not scoped or not found.get("signals_blocked"):
        gaps.append("signal isolation" + (" (a test job could signal the grader)" if scoped else "")
                    + f": it needs {NEEDS['namespaces']}, or Landlock ABI {LANDLOCK_SIGNALS} or later (Linux 6.12; "
                      f"this kernel has ABI {found.get('landlock', 0)})")
    for what, layer, held, failed in (
            ("the file-system allow-list", "landlock", "files_blocked", "the course was readable from a test job"),
            ("the network block", "seccomp", "network_blocked", "a test job could open a socket")):
        if not (found.get("namespaces") or found.get(layer)) or not found.get(held):
            why = f" ({failed})" if (found.get("namespaces") or found.get(layer)) else ""
            gaps.append(f"{what}{why}: it needs {NEEDS['namespaces']}, or {NEEDS[layer]}")
    return gaps
