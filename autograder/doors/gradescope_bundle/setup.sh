#!/usr/bin/env bash
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
printf '%s\n' "$SRC" > "$SITE/course-autograder.pth"
"$VENV/bin/python" -m compileall -q "$SRC/autograder" >/dev/null || true
chmod -R a+rX "$SRC" "$VENV"    # the engine runs submissions as an unprivileged user

cd "$SRC"
@EXTRA_ASSIGNMENT@
"$VENV/bin/python" - <<'PY'
import torch
import autograder.doors.grade, autograder.engine.engine, autograder.engine.worker  # noqa: F401
from autograder import assignments
release = assignments.get("@ASSIGNMENT@").release
assert release.is_file(), f"no release notebook at {release}"
assert torch.version.cuda is None, f"torch {torch.__version__} is a CUDA build"
print(f"setup.sh: torch {torch.__version__}, autograder from {autograder.__file__}")
PY
