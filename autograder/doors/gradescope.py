"""python -m autograder gradescope: the zip to upload as one assignment's Gradescope autograder.

The zip's root holds setup.sh (run once, as root, when Gradescope builds the image), run_autograder (run per
submission), both filled in from the assignment (gradescope_bundle/ holds them), the pinned requirements with
torch taken from PyTorch's CPU wheel index, pyproject.toml, the `autograder` package (and the assignment's own
folder when it lives outside it) and the release notebook at release/NAME/NAME.ipynb. Nothing of source/,
solutions/ or tests/ ships: the build refuses any file that holds nbgrader's solution or hidden-test markers.
The zip is reproducible: same files, same bytes."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

from .. import assignments as registry
from ..core.assignment import Assignment

HELP = {"gradescope": "build an assignment's Gradescope autograder zip (setup.sh, run_autograder, pinned "
                      "requirements)"}

BUNDLE = Path(__file__).resolve().parent / "gradescope_bundle"
PACKAGE = Path(__file__).resolve().parents[1]
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
TIMEOUT = "8m"                       # last resort on the whole grade command, under Gradescope's default 10 min
# nbgrader's markers, spelled so that this file does not contain them itself (it ships in the zip)
_MARKERS = re.compile(rb"(BEGIN|END) (SOLUTION|HIDDEN TESTS)")
_TORCH = re.compile(r"torch==([0-9][^\s+;#]*)(\+[0-9A-Za-z.]+)?")
_STAMP = (1980, 1, 1, 0, 0, 0)       # every member's date, so that the same files give the same zip

def requirements(text: str) -> str:
    """The repository's pinned requirements with torch pinned to its CPU build from PyTorch's wheel index."""
    lines, found = [], 0
    for line in text.splitlines():
        m = _TORCH.fullmatch(line.strip())
        if m:
            line, found = f"torch=={m.group(1)}+cpu", found + 1
        lines.append(line)
    if found != 1:
        raise ValueError(f"requirements.txt must pin torch exactly once (torch==X.Y.Z); found {found} pins")
    head = ["# The course's pinned requirements (requirements.txt), with torch's CPU build from PyTorch's index;",
            "# written by `python -m autograder gradescope`.",
            f"--extra-index-url {TORCH_INDEX}"]
    return "\n".join(head + lines) + "\n"


def venv(a: Assignment) -> str:
    """Where setup.sh puts the environment; run_autograder's default python."""
    return f"/opt/{a.name}-autograder-venv"


def _external(a: Assignment) -> bool:
    """Whether the assignment's package lives outside this package (it then ships beside it)."""
    return PACKAGE not in a.folder.parents


def _script(name: str, a: Assignment, torch_pin: str) -> str:
    extra = (f'export BACKPROP_ASSIGNMENTS="$SRC/assignments/{a.folder.name}"' if _external(a) else "")
    text = (BUNDLE / name).read_text()
    for key, value in (("@VENV@", venv(a)), ("@TIMEOUT@", TIMEOUT), ("@TORCH_INDEX@", TORCH_INDEX),
                       ("@TORCH@", torch_pin), ("@NOTEBOOK@", a.notebook), ("@ASSIGNMENT@", a.name),
                       ("@EXTRA_ASSIGNMENT@", extra)):
        text = text.replace(key, value)
    return text


def _tree(folder: Path, prefix: str) -> list[tuple[str, bytes, int]]:
    out = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if not path.is_file() or any(p == "__pycache__" or p.startswith(".") for p in rel.parts) \
                or path.suffix in (".pyc", ".pyo"):
            continue
        out.append((f"{prefix}/{rel.as_posix()}", path.read_bytes(), 0o644))
    return out


def members(a: Assignment, root: Path | None = None) -> list[tuple[str, bytes, int]]:
    """(name in the zip, content, mode) of every file the assignment's autograder zip holds, in order; the
    requirements and pyproject.toml come from `root` (this repository)."""
    root = root or PACKAGE.parent
    release = root / "release" / a.name / a.notebook
    reqs = requirements((root / "requirements.txt").read_text())
    torch_pin = next(line for line in reqs.splitlines() if line.startswith("torch=="))
    files = [("setup.sh", _script("setup.sh", a, torch_pin).encode(), 0o755),
             ("run_autograder", _script("run_autograder", a, torch_pin).encode(), 0o755),
             ("requirements.txt", reqs.encode(), 0o644),
             ("pyproject.toml", (root / "pyproject.toml").read_bytes(), 0o644)]
    files += _tree(root / "autograder", "autograder")
    if _external(a):
        files += _tree(a.folder, f"assignments/{a.folder.name}")
    files.append((f"release/{a.name}/{a.notebook}", (release if release.is_file() else a.release).read_bytes(), 0o644))
    for name, data, _ in files:
        if name.split("/")[0] in ("source", "solutions", "tests"):
            raise ValueError(f"{name} must not ship to Gradescope")
        if _MARKERS.search(data):
            raise ValueError(f"{name} holds nbgrader solution or hidden-test markers; regenerate release/ "
                             "(python -m autograder release) before building the Gradescope zip")
    return files


def build(out: Path, a: Assignment, root: Path | None = None) -> list[str]:
    """Write the assignment's autograder zip to `out` (replacing it whole); returns the names it holds."""
    files = members(a, root)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data, mode in files:
            info = zipfile.ZipInfo(name, date_time=_STAMP)
            info.create_system = 3                      # Unix, so that unzip applies the mode below
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    tmp.replace(out)
    return [name for name, _, _ in files]


def configure(p, name: str) -> None:
    p.add_argument("--assignment", metavar="NAME", help="the assignment (needed when the course has several)")
    p.add_argument("--out", type=Path, help="where to write the zip (default: build/gradescope-NAME.zip)")


def run(args) -> int:
    known = registry.all()
    if not args.assignment and len(known) != 1:
        print(f"gradescope: say which assignment with --assignment ({', '.join(known)})")
        return 2
    try:
        a = registry.get(args.assignment) if args.assignment else next(iter(known.values()))
    except KeyError as e:
        print(f"gradescope: {e.args[0]}")
        return 2
    args.out = args.out or Path(f"build/gradescope-{a.name}.zip")
    try:
        names = build(args.out, a)
    except ValueError as e:
        print(f"gradescope: {e}")
        return 1
    size = args.out.stat().st_size
    print(f"{args.out}: {len(names)} files, {size / 1024:.0f} KiB. Upload it as the autograder of a Gradescope "
          "programming assignment (Ubuntu 22.04 or 24.04 base image).")
    return 0
