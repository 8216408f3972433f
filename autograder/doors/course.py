"""The course directory: release, answer key, and a demo class graded with nbgrader end to end."""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from . import submissions
from .submissions import ROOT

ASSIGNMENT = "backprop"


def nbgrader(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    """Run an nbgrader command in a course directory, with this environment's bin/ on PATH (for alembic)."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("MPLBACKEND", None)         # kernels keep the inline backend, so plots reach the notebooks
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env, text=True,
                          capture_output=True)
    if check and proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def release(root: Path = ROOT) -> Path:
    """Regenerate release/ (student version) and solutions/ (executed answer key) from source/."""
    nbgrader("generate_assignment", ASSIGNMENT, "--force", cwd=root)
    nbgrader("generate_solution", ASSIGNMENT, "--force", cwd=root)
    _steady(root / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    return root / "release" / ASSIGNMENT


def _steady(path: Path) -> None:
    """The executed answer key without what changes from run to run: timings, and how streams were split."""
    nb = nbformat.read(path, 4)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        merged = []
        for out in cell.outputs:
            if merged and out.output_type == "stream" and merged[-1].output_type == "stream" \
                    and merged[-1].name == out.name:
                merged[-1].text += out.text
            else:
                merged.append(out)
        cell.outputs = merged
    nbformat.write(nb, path)


def new_course(dest: Path) -> Path:
    """A fresh course directory holding this course's source and config."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    shutil.copytree(ROOT / "source", dest / "source")
    shutil.copy(ROOT / "nbgrader_config.py", dest / "nbgrader_config.py")
    nbgrader("generate_assignment", ASSIGNMENT, "--force", cwd=dest)
    return dest


def submit(course: Path, student: str, nb) -> Path:
    path = course / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(nb, (str, bytes)):
        path.write_text(nb) if isinstance(nb, str) else path.write_bytes(nb)
    else:
        nbformat.write(nb, path)
    return path


def stand_in_for_unreadable(course: Path) -> list[str]:
    """A submitted file that is not a readable notebook is kept as <name>.original, and the blank release
    notebook with a note saying why stands in for it, so the student still gets a grade row and feedback."""
    replaced = []
    blank = nbformat.read(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    for path in sorted((course / "submitted").glob(f"*/{ASSIGNMENT}/{ASSIGNMENT}.ipynb")):
        try:
            nbformat.validate(nbformat.read(path, 4))
            continue
        except Exception as e:          # any way of not being a notebook
            reason = f"{type(e).__name__}: {str(e).strip().splitlines()[0][:300] if str(e).strip() else ''}"
        shutil.move(path, path.with_name(path.name + ".original"))
        note = nbformat.v4.new_markdown_cell(
            f"**This submission could not be read as a notebook** ({reason}). It was graded as the blank "
            f"assignment; the file as submitted is kept beside it as `{path.name}.original`.")
        note.id = "unreadable-submission"
        stand_in = nbformat.from_dict(blank)
        stand_in.cells = [note] + list(blank.cells)
        stand_in.metadata["backprop"] = {"unreadable": reason}
        nbformat.write(stand_in, path)
        replaced.append(path.parent.parent.name)
    return replaced


def autograde(course: Path) -> Path:
    """nbgrader autograde, generate_feedback and export; returns the CSV of grades."""
    stand_in_for_unreadable(course)
    nbgrader("autograde", ASSIGNMENT, "--force", cwd=course)
    nbgrader("generate_feedback", ASSIGNMENT, "--force", cwd=course)
    nbgrader("export", "--to", "grades.csv", cwd=course)
    return course / "grades.csv"


def scores(course: Path) -> list[dict]:
    """Per student: the autograded score, its maximum, and the checks that lost points."""
    from nbgrader.api import Gradebook
    rows = []
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(ASSIGNMENT):
            nb = sub.notebooks[0]
            lost = [g.name for g in nb.grades if g.auto_score is not None and g.auto_score < g.max_score
                    and g.cell_type == "code"]
            rows.append({"student": sub.student_id, "score": sub.code_score, "max": sub.max_code_score,
                         "lost": lost})
    return sorted(rows, key=lambda r: r["student"])


def demo(dest: Path, names: list[str] | None = None) -> list[dict]:
    """A course in dest: the demo class (or the named answers) submitted, nbgrader autograde with the engine,
    feedback, CSV export and the class report."""
    from . import democlass
    course = new_course(dest)
    if names:
        answers = {a.name: a for a in submissions.all_answers()}
        release = course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        for name in names:
            submit(course, name, submissions.fill(answers[name], release))
    else:
        democlass.build(course)
        roster = course / "roster.csv"
        nbgrader("db", "student", "import", str(roster), cwd=course)
    print(f"autograding {len(list((course / 'submitted').iterdir()))} submissions with nbgrader and the engine, "
          f"then feedback, export and the class report (about two minutes)...", flush=True)
    autograde(course)
    from .__main__ import main
    main(["report", str(course), "--out", str(course / "report.html"), "--title", "Demo class: backprop"])
    return scores(course)


def table(rows: list[dict]) -> str:
    width = max(len(r["student"]) for r in rows)
    lines = [f"{'student':<{width}}  {'score':>11}  checks that lost points"]
    for r in rows:
        lost = ", ".join(r["lost"]) or "-"
        lines.append(f"{r['student']:<{width}}  {r['score']:>5g} / {r['max']:<3g}  {lost}")
    return "\n".join(lines)


HELP = {"release": "regenerate release/ and solutions/ from source/ with nbgrader",
        "demo": "grade a demo class with nbgrader in a fresh course directory"}

def configure(p, name: str) -> None:
    if name == "demo":
        p.add_argument("--dir", type=Path, default=Path("build/demo"), help="course directory to create")
        p.add_argument("--answers", nargs="*", metavar="NAME",
                       help="submit these answers from tests/answers instead of the demo class")


def run(args) -> int:
    if args.cmd == "release":
        print(f"released to {release()}")
        return 0
    rows = demo(args.dir.resolve(), args.answers)
    print(table(rows))
    d = args.dir
    print(f"\nclass report: {d}/report.html\nfeedback: {d}/feedback/<student>/{ASSIGNMENT}/{ASSIGNMENT}.html\n"
          f"grades: {d}/grades.csv and {d}/gradebook.db (nbgrader formgrader: cd {d} && nbgrader formgrader)")
    return 0


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))
