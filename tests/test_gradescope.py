"""The Gradescope zip: what it holds (and never holds), and run_autograder run from the unpacked zip on
correct, buggy, unreadable, missing and oddly placed submissions, always leaving a valid results.json."""
import json
import os
import shutil
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from autograder.doors import submissions
from autograder.__main__ import main
from helpers import A, CHECKS, ROOT, filled

SCRIPTS = ("setup.sh", "run_autograder")
REQUIRED = {"setup.sh", "run_autograder", "requirements.txt", "pyproject.toml", "autograder/__init__.py",
            "autograder/__main__.py", "autograder/engine/engine.py", "autograder/engine/worker.py",
            "autograder/doors/grade.py", "autograder/assignments/backprop/checks/__init__.py",
            "release/backprop/backprop.ipynb"}
CPU_INDEX = "--extra-index-url https://download.pytorch.org/whl/cpu"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("gs") / "gradescope-backprop.zip"
    assert main(["gradescope", "--assignment", "backprop", "--out", str(out)]) == 0
    return out


def unpack(zip_path: Path, dest: Path) -> Path:
    """Unzip as Gradescope does, keeping each member's Unix mode."""
    with zipfile.ZipFile(zip_path) as z:
        for info in z.infolist():
            target = z.extract(info, dest)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(target, mode)
    return dest


def notebook_text(answer: str) -> str:
    return nbformat.writes(filled(answer))


def run_autograder(bundle: Path, tmp_path: Path, files: dict[str, str], python: str = sys.executable,
                   timeout: float = 240) -> tuple[dict, str]:
    """Unpack the zip into tmp_path/autograder/source, submit `files`, run run_autograder from the bundle."""
    base = tmp_path / "autograder"
    src = unpack(bundle, base / "source")
    (base / "submission").mkdir()
    (base / "results").mkdir()
    for name, text in files.items():
        (base / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
        (base / "submission" / name).write_text(text)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env |= {"AUTOGRADER_BASE": str(base), "AUTOGRADER_PYTHON": python}
    proc = subprocess.run(["bash", "run_autograder"], cwd=src, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout + proc.stderr
    results = json.loads((base / "results" / "results.json").read_text())      # valid JSON, always
    assert isinstance(results["score"], (int, float)) and isinstance(results["output"], str), results
    return results, out


def by_name(results: dict) -> dict:
    return {t["name"]: t for t in results["tests"]}


# ---------------------------------------------------------------------------------------- the zip itself
def test_zip_holds_the_grader_and_the_release_at_its_root(bundle):
    with zipfile.ZipFile(bundle) as z:
        names = set(z.namelist())
    assert REQUIRED <= names, REQUIRED - names
    repo = {p.relative_to(ROOT).as_posix() for p in (ROOT / "autograder").rglob("*.py")
            if "__pycache__" not in p.parts}
    assert repo <= names, repo - names
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyo"))]


def test_no_answer_key_ships(bundle):
    with zipfile.ZipFile(bundle) as z:
        names = z.namelist()
        data = {n: z.read(n) for n in names}
    assert not [n for n in names if n.split("/")[0] in ("source", "solutions", "tests", "build")]
    for name, content in data.items():
        for marker in (b"BEGIN SOLUTION", b"END SOLUTION", b"BEGIN HIDDEN TESTS"):
            assert marker not in content, f"{marker} in {name}"
    # no answer cell of the key, as written in the master notebook, appears anywhere either
    for gid, text in submissions.key_cells(A).items():
        body = text.strip().encode()
        if len(body) > 80:
            assert not [n for n, c in data.items() if body in c], gid


def test_scripts_are_executable_and_parse(bundle, tmp_path):
    src = unpack(bundle, tmp_path)
    with zipfile.ZipFile(bundle) as z:
        for name in SCRIPTS:
            info = z.getinfo(name)
            assert info.create_system == 3 and (info.external_attr >> 16) & 0o111 == 0o111, name
    for name in SCRIPTS:
        assert os.access(src / name, os.X_OK), name
        assert (src / name).read_text().startswith("#!/usr/bin/env bash\n")
        proc = subprocess.run(["bash", "-n", str(src / name)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    assert "timeout" in (src / "run_autograder").read_text()


def test_requirements_pin_torch_cpu_and_keep_every_other_pin(bundle):
    with zipfile.ZipFile(bundle) as z:
        shipped = z.read("requirements.txt").decode().splitlines()
        setup = z.read("setup.sh").decode()
    assert "torch==2.13.0+cpu" in shipped
    assert not [line for line in shipped if line.startswith("torch==") and line != "torch==2.13.0+cpu"]
    pins = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    assert [p for p in pins if p != "torch==2.13.0"] == \
        [line for line in shipped if line and not line.startswith(("#", "--", "torch=="))]
    assert CPU_INDEX in setup and "requirements.txt" in setup
    assert "python3-venv" in setup and "apt-get install" in setup


def test_the_zip_is_reproducible(bundle, tmp_path):
    again = tmp_path / "again.zip"
    assert main(["gradescope", "--assignment", "backprop", "--out", str(again)]) == 0
    assert again.read_bytes() == bundle.read_bytes()


# ------------------------------------------------------------------------------- run_autograder, for real
@pytest.fixture(scope="module")
def graded(bundle, tmp_path_factory):
    """The real grader on three submissions, run at once (each is its own run_autograder and engine)."""
    whole = notebook_text("key")
    cases = {
        "correct": {"backprop.ipynb": whole},
        "bug": {"hw2/backprop.ipynb": notebook_text("bug_missing_inv_B"),
                # Jupyter's checkpoint holds a correct notebook: grading it would give 100
                "hw2/.ipynb_checkpoints/backprop-checkpoint.ipynb": whole,
                "hw2/notes.txt": "scratch"},
        "truncated": {"backprop.ipynb": whole[: len(whole) // 2]},
    }
    dirs = {name: tmp_path_factory.mktemp(name) for name in cases}
    with ThreadPoolExecutor(len(cases)) as pool:
        futures = {name: pool.submit(run_autograder, bundle, dirs[name], files) for name, files in cases.items()}
        return {name: (*f.result(), dirs[name]) for name, f in futures.items()}


def test_correct_submission_scores_100_with_the_bundles_package(graded):
    results, out, tmp = graded["correct"]
    bundled = tmp / "autograder" / "source" / "autograder" / "__init__.py"
    assert f"autograder package {bundled}" in out, out            # the zip's copy, not the repository's
    assert results["score"] == 100, results["output"]
    assert len(results["tests"]) == len(CHECKS) == 26
    for t in results["tests"]:
        assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(t), t
        assert t["status"] == "passed" and t["score"] == t["max_score"], t
    assert sum(t["max_score"] for t in results["tests"]) == 100


def test_seeded_bug_in_a_subfolder_is_graded_not_its_checkpoint(graded):
    results, out, tmp = graded["bug"]
    assert "grading hw2/backprop.ipynb with" in out, out
    assert results["score"] < 100
    dw2 = by_name(results)["Part 2: backward dW2"]
    assert dw2["status"] == "failed" and dw2["score"] < dw2["max_score"]
    assert "1/B" in dw2["output"], dw2["output"]


def test_truncated_notebook_scores_0_and_says_why(graded):
    results, _, _ = graded["truncated"]
    assert results["score"] == 0
    assert "could not be read" in results["output"], results["output"]
    assert len(results["tests"]) == len(CHECKS) and all(t["status"] == "failed" for t in results["tests"])


def test_empty_submission_gets_a_zero_and_a_message(bundle, tmp_path):
    results, _ = run_autograder(bundle, tmp_path, {})
    assert results["score"] == 0
    assert "Nothing was submitted" in results["output"]


def test_a_broken_python_still_leaves_results(bundle, tmp_path):
    results, out = run_autograder(bundle, tmp_path, {"backprop.ipynb": notebook_text("key")},
                                  python=str(tmp_path / "no-such-python"))
    assert results["score"] == 0
    assert "autograder itself failed" in results["output"] and "127" in results["output"]


# ------------------------------------------------------------- which file is graded (no grading needed)
FAKE_PYTHON = """#!/usr/bin/env bash
# stands in for python: records the notebook `-m autograder grade NOTEBOOK --results FILE` was given
if [ "$1" = "-m" ]; then
    printf '%s' "$4" > "$AUTOGRADER_BASE/graded.txt"
    printf '{"score": 1, "output": "fake"}' > "$6"
fi
"""


@pytest.mark.parametrize("files, graded", [
    ({"other.ipynb": "{}", "Backprop.ipynb": "{}"}, "Backprop.ipynb"),
    ({"a/b/backprop.ipynb": "{}", "z/backprop.ipynb": "{}", "aaa.ipynb": "{}"}, "z/backprop.ipynb"),
    ({"my homework.ipynb": "{}", "data.csv": "1,2"}, "my homework.ipynb"),
    ({"scratch.ipynb": "{}", "backprop_final.ipynb": "{}"}, "backprop_final.ipynb"),
    ({"backprop.py": "x = 1", "readme.md": "hi"}, "backprop.py"),
    ({"one.ipynb": "{}", "two.ipynb": "{}"}, None),
    ({".ipynb_checkpoints/backprop-checkpoint.ipynb": "{}"}, None),
])
def test_which_file_is_graded(bundle, tmp_path, files, graded):
    fake = tmp_path / "fake-python"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    results, out = run_autograder(bundle, tmp_path, files, python=str(fake))
    record = tmp_path / "autograder" / "graded.txt"
    if graded is None:
        assert not record.exists(), out
        assert results["score"] == 0 and results["tests"] == []
        assert ("not clear which one" in results["output"]) or ("Nothing was submitted" in results["output"])
    else:
        assert record.read_text() == str(tmp_path / "autograder" / "submission" / graded)
        assert results == {"score": 1, "output": "fake"}


def test_a_hung_grader_is_stopped_and_reported(bundle, tmp_path, monkeypatch):
    fake = tmp_path / "slow-python"
    fake.write_text("#!/usr/bin/env bash\n[ \"$1\" = -m ] && exec sleep 30\nexit 0\n")
    fake.chmod(0o755)
    monkeypatch.setenv("AUTOGRADER_TIMEOUT", "1s")
    results, _ = run_autograder(bundle, tmp_path, {"backprop.ipynb": "{}"}, python=str(fake))
    assert results["score"] == 0 and "did not finish within 1s" in results["output"]


def test_build_refuses_an_answer_key(tmp_path):
    from autograder.doors import gradescope
    root = tmp_path / "repo"
    for rel in ("autograder", "release", "requirements.txt", "pyproject.toml"):
        src = ROOT / rel
        shutil.copytree(src, root / rel, ignore=shutil.ignore_patterns("__pycache__")) if src.is_dir() \
            else shutil.copy(src, root / rel)
    (root / "autograder" / "leak.py").write_text("# ### BEGIN SOLUTION\n")
    with pytest.raises(ValueError, match="markers"):
        gradescope.build(tmp_path / "x.zip", A, root=root)
