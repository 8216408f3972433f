"""python -m autograder gradescope: the zip to upload as a Gradescope programming assignment's autograder.

The zip's root holds setup.sh (run once, as root, when Gradescope builds the image), run_autograder (run per
submission), the pinned requirements with torch taken from PyTorch's CPU wheel index, pyproject.toml, the
`autograder` package and the release notebook at release/backprop/backprop.ipynb, where the engine reads it
relative to the package. Nothing of source/, solutions/ or tests/ ships: the build refuses any file that holds
nbgrader's solution or hidden-test markers. The zip is reproducible: same files, same bytes."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

from .submissions import RELEASE, ROOT

HELP = {"gradescope": "build the Gradescope autograder zip (setup.sh, run_autograder, pinned requirements)"}

TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
VENV = "/opt/backprop-venv"          # where setup.sh puts the environment; run_autograder's default python
TIMEOUT = "8m"                       # last resort on the whole grade command, under Gradescope's default 10 min
# nbgrader's markers, spelled so that this file does not contain them itself (it ships in the zip)
_MARKERS = re.compile(rb"(BEGIN|END) (SOLUTION|HIDDEN TESTS)")
_TORCH = re.compile(r"torch==([0-9][^\s+;#]*)(\+[0-9A-Za-z.]+)?")
_STAMP = (1980, 1, 1, 0, 0, 0)       # every member's date, so that the same files give the same zip

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (the zip is unpacked into
# /autograder/source). It makes sure there is a Python >= 3.11.5 (the pinned requirements need it; Ubuntu
# 24.04 has 3.12, on 22.04 it comes from the deadsnakes PPA), creates a virtual environment in @VENV@,
# installs requirements.txt into it with torch @TORCH@ from PyTorch's CPU wheel index (not the multi-GB
# CUDA build), makes the `autograder` package importable from /autograder/source and checks that it imports.
# Every pin is exact, so each build installs the same versions; running it again changes nothing.
set -euo pipefail
umask 022
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

BASE="${AUTOGRADER_BASE:-/autograder}"
SRC="$BASE/source"
VENV="${AUTOGRADER_VENV:-@VENV@}"

APT_UPDATED=""
apt_install() {
    if [ -z "$APT_UPDATED" ]; then
        apt-get update -qq
        APT_UPDATED=1
    fi
    apt-get install -y -qq --no-install-recommends "$@"
}

recent_enough() {   # is interpreter $1 a Python >= 3.11.5?
    "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11, 5))' >/dev/null 2>&1
}

find_python() {     # the first recent enough interpreter on PATH, preferring 3.12 and 3.11
    local py
    for py in python3.12 python3.11 python3 python3.13; do
        if command -v "$py" >/dev/null 2>&1 && recent_enough "$(command -v "$py")"; then
            command -v "$py"
            return 0
        fi
    done
    return 1
}

PY="$(find_python || true)"
if [ -z "$PY" ]; then
    apt_install ca-certificates python3 python3-venv python3-pip
    PY="$(find_python || true)"
fi
if [ -z "$PY" ]; then           # e.g. Ubuntu 22.04: python3 is 3.10 and its python3.11 is a 3.11.0 build
    apt_install software-properties-common gpg-agent
    add-apt-repository -y ppa:deadsnakes/ppa
    APT_UPDATED=""
    apt_install python3.12 python3.12-venv
    PY="$(find_python)"
fi
echo "setup.sh: using $PY ($("$PY" --version 2>&1))"

if [ -x "$VENV/bin/python" ] && ! recent_enough "$VENV/bin/python"; then
    rm -rf "$VENV"
fi
if [ ! -x "$VENV/bin/python" ]; then
    if ! "$PY" -m venv "$VENV"; then    # Debian and Ubuntu ship venv's pip separately
        rm -rf "$VENV"
        apt_install "python$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv"
        "$PY" -m venv "$VENV"
    fi
fi

"$VENV/bin/python" -m pip install --no-cache-dir --extra-index-url @TORCH_INDEX@ -r "$SRC/requirements.txt"

# The engine reads the release notebook next to the package (source/release/...), so the package is used
# where it was unpacked: a .pth file puts /autograder/source on the environment's path (run_autograder
# also sets PYTHONPATH).
SITE="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
printf '%s\n' "$SRC" > "$SITE/backprop-autograder.pth"
"$VENV/bin/python" -m compileall -q "$SRC/autograder" >/dev/null || true
chmod -R a+rX "$SRC" "$VENV"    # the engine runs submissions as an unprivileged user

cd "$SRC"
"$VENV/bin/python" - <<'PY'
import torch
import autograder.cli_grade, autograder.engine, autograder.worker  # noqa: F401
from autograder.submissions import RELEASE
assert RELEASE.is_file(), f"no release notebook at {RELEASE}"
assert torch.version.cuda is None, f"torch {torch.__version__} is a CUDA build"
print(f"setup.sh: torch {torch.__version__}, autograder from {autograder.__file__}")
PY
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this, as root, once per submission. It grades the student's notebook from
# /autograder/submission into /autograder/results/results.json with `python -m autograder grade`, and it
# ALWAYS leaves a valid results.json: when Python itself fails, a score of 0 with the reason is written here.
#   AUTOGRADER_BASE     the /autograder root (a test sets it to a scratch folder)
#   AUTOGRADER_PYTHON   the interpreter (default: the environment setup.sh made, @VENV@/bin/python)
#   AUTOGRADER_TIMEOUT  the overall limit on the grade command (default @TIMEOUT@)
#   AUTOGRADER_UNSAFE_NO_SANDBOX=1  grade even where the container cannot isolate submissions (recorded in
#                       every result); without it such a container gives each submission a 0 with the reason
# Timeouts: the engine already limits every check, the notebook's cells and each submission (about 3
# minutes in all), and runs the student's code in its sandbox (refusing, with the reason in results.json,
# where the container cannot isolate it). The
# overall timeout (@TIMEOUT@) around the grade command is only a last resort if all of that
# fails; Gradescope's own "autograder timeout" setting must be longer for this fallback to be reached.
set -uo pipefail        # no -e: whatever fails, the script goes on to leave a results.json

BASE="${AUTOGRADER_BASE:-/autograder}"
SRC="$BASE/source"
SUBMISSION="$BASE/submission"
RESULTS="$BASE/results/results.json"
PY="${AUTOGRADER_PYTHON:-${AUTOGRADER_VENV:-@VENV@}/bin/python}"
TIMEOUT="${AUTOGRADER_TIMEOUT:-@TIMEOUT@}"

json_string() {     # $1 as a JSON string: printable ASCII, tabs and newlines kept, other bytes dropped
    local s
    s=$(printf '%s' "$1" | LC_ALL=C tr -d '\000-\010\013-\037\177-\377')
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\t'/\\t}
    s=${s//$'\n'/\\n}
    printf '"%s"' "$s"
}

give_zero() {       # results.json with a score of 0 and the message $1
    mkdir -p "$(dirname "$RESULTS")"
    printf '{"score": 0, "output": %s, "output_format": "text", "visibility": "visible", "stdout_visibility": "hidden", "tests": []}\n' \
        "$(json_string "$1")" > "$RESULTS.tmp" && mv -f "$RESULTS.tmp" "$RESULTS"
    printf 'run_autograder: score 0: %s\n' "$1"
}

mkdir -p "$(dirname "$RESULTS")"
rm -f "$RESULTS" "$RESULTS.tmp"

# Every file submitted, shallowest first, then by name; hidden files and folders (.ipynb_checkpoints, macOS
# ._ files) and __MACOSX are skipped.
FILES=()
if [ -d "$SUBMISSION" ]; then
    while IFS= read -r -d '' entry; do
        FILES+=("${entry#*$'\t'}")
    done < <(find "$SUBMISSION" -mindepth 1 \( -name '.*' -o -name '__MACOSX' \) -prune -o -type f \
                  -printf '%d\t%p\0' 2>/dev/null | LC_ALL=C sort -z -t $'\t' -k1,1n -k2)
fi

NOTEBOOK=""
NOTEBOOKS=()
NAMED=()
for f in ${FILES[@]+"${FILES[@]}"}; do
    name="$(basename "$f")"
    lower="${name,,}"
    if [ "$lower" = "backprop.ipynb" ] && [ -z "$NOTEBOOK" ]; then
        NOTEBOOK="$f"
    fi
    if [[ "$lower" == *.ipynb ]]; then
        NOTEBOOKS+=("$f")
        if [[ "$lower" == *backprop* ]]; then
            NAMED+=("$f")
        fi
    fi
done
if [ -z "$NOTEBOOK" ]; then
    if [ "${#NOTEBOOKS[@]}" -eq 1 ]; then
        NOTEBOOK="${NOTEBOOKS[0]}"
    elif [ "${#NOTEBOOKS[@]}" -gt 1 ] && [ "${#NAMED[@]}" -eq 1 ]; then
        NOTEBOOK="${NAMED[0]}"
    elif [ "${#NOTEBOOKS[@]}" -gt 1 ]; then
        names=""
        for f in "${NOTEBOOKS[@]}"; do names+=$'\n'"  ${f#"$SUBMISSION"/}"; done
        give_zero "Not graded: ${#NOTEBOOKS[@]} notebooks were submitted and none is called backprop.ipynb, so it is not clear which one to grade. Submit only your backprop.ipynb.${names}"
        exit 0
    elif [ "${#FILES[@]}" -gt 0 ]; then
        NOTEBOOK="${FILES[0]}"      # not a notebook: the grader says so, test by test
    else
        give_zero "Nothing was submitted. Upload your backprop.ipynb (the notebook you downloaded, with your answers filled in)."
        exit 0
    fi
fi

if ! cd "$SRC"; then
    give_zero "The autograder is not installed correctly ($SRC is missing); please tell course staff."
    exit 0
fi
export PYTHONPATH="$SRC${PYTHONPATH:+:$PYTHONPATH}"
echo "run_autograder: grading ${NOTEBOOK#"$SUBMISSION"/} with $PY"
"$PY" -c 'import autograder; print("run_autograder: autograder package", autograder.__file__)' 2>&1 | tail -n 3

UNSAFE=()
[ "${AUTOGRADER_UNSAFE_NO_SANDBOX:-}" = "1" ] && UNSAFE=(--unsafe-no-sandbox)
timeout --kill-after=30s "$TIMEOUT" "$PY" -m autograder grade "$NOTEBOOK" --results "$RESULTS" ${UNSAFE[@]+"${UNSAFE[@]}"}
status=$?
echo "run_autograder: grade command exited with status $status"
if [ ! -s "$RESULTS" ]; then
    if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
        give_zero "Not graded: grading did not finish within $TIMEOUT and was stopped. Please tell course staff; resubmitting may help."
    else
        give_zero "Not graded: the autograder itself failed (exit status $status) before it could write a result. This is not a problem with your notebook; please tell course staff."
    fi
fi
exit 0
"""


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


def _script(template: str, torch_pin: str) -> str:
    return (template.replace("@VENV@", VENV).replace("@TIMEOUT@", TIMEOUT).replace("@TORCH_INDEX@", TORCH_INDEX)
            .replace("@TORCH@", torch_pin))


def members(root: Path = ROOT) -> list[tuple[str, bytes, int]]:
    """(name in the zip, content, mode) of every file the autograder zip holds, in order."""
    reqs = requirements((root / "requirements.txt").read_text())
    torch_pin = next(line for line in reqs.splitlines() if line.startswith("torch=="))
    files = [("setup.sh", _script(SETUP_SH, torch_pin).encode(), 0o755),
             ("run_autograder", _script(RUN_AUTOGRADER, torch_pin).encode(), 0o755),
             ("requirements.txt", reqs.encode(), 0o644),
             ("pyproject.toml", (root / "pyproject.toml").read_bytes(), 0o644)]
    package = root / "autograder"
    for path in sorted(package.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or any(p == "__pycache__" or p.startswith(".") for p in rel.parts) \
                or path.suffix in (".pyc", ".pyo"):
            continue
        files.append((rel.as_posix(), path.read_bytes(), 0o644))
    release = root / RELEASE.relative_to(ROOT)
    files.append((release.relative_to(root).as_posix(), release.read_bytes(), 0o644))
    for name, data, _ in files:
        if name.split("/")[0] in ("source", "solutions", "tests"):
            raise ValueError(f"{name} must not ship to Gradescope")
        if _MARKERS.search(data):
            raise ValueError(f"{name} holds nbgrader solution or hidden-test markers; regenerate release/ "
                             "(python -m autograder release) before building the Gradescope zip")
    return files


def build(out: Path, root: Path = ROOT) -> list[str]:
    """Write the autograder zip to `out` (replacing it whole); returns the names it holds."""
    files = members(root)
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
    p.add_argument("--out", type=Path, default=Path("build/gradescope-autograder.zip"),
                   help="where to write the zip (default: build/gradescope-autograder.zip)")


def run(args) -> int:
    try:
        names = build(args.out)
    except ValueError as e:
        print(f"gradescope: {e}")
        return 1
    size = args.out.stat().st_size
    print(f"{args.out}: {len(names)} files, {size / 1024:.0f} KiB. Upload it as the autograder of a Gradescope "
          "programming assignment (Ubuntu 22.04 or 24.04 base image).")
    return 0
