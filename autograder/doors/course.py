"""The course directory: release, answer key, and a demo class graded with nbgrader end to end."""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from .. import assignments as registry
from ..core.assignment import META, Assignment
from . import submissions


def nbgrader(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    """Run an nbgrader command in a course directory, with this environment's bin/ on PATH (for alembic)."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("MPLBACKEND", None)         # kernels keep the inline backend, so plots reach the notebooks
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env, text=True,
                          capture_output=True)
    if check and proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def release(a: Assignment) -> Path:
    """Regenerate the assignment's release/ (student version) and solutions/ (executed answer key) from its
    source/, in its course."""
    nbgrader("generate_assignment", a.name, "--force", cwd=a.course)
    nbgrader("generate_solution", a.name, "--force", cwd=a.course)
    _steady(a.solutions)
    return a.release.parent


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


def new_course(dest: Path, chosen: list[Assignment]) -> Path:
    """A fresh course directory holding these assignments' sources and the course's config."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    shutil.copy(chosen[0].course / "nbgrader_config.py", dest / "nbgrader_config.py")
    for a in chosen:
        shutil.copytree(a.source.parent, dest / "source" / a.name)
        nbgrader("generate_assignment", a.name, "--force", cwd=dest)
    return dest


def stand_in_for_unreadable(course: Path, a: Assignment) -> list[str]:
    """A submitted file that is not a readable notebook is kept as <name>.original, and the blank release
    notebook with a note saying why stands in for it, so the student still gets a grade row and feedback."""
    replaced = []
    blank = nbformat.read(course / "release" / a.name / a.notebook, 4)
    for path in sorted((course / "submitted").glob(f"*/{a.name}/{a.notebook}")):
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
        stand_in.metadata[META] = {"unreadable": reason}
        nbformat.write(stand_in, path)
        replaced.append(path.parent.parent.name)
    return replaced


def autograde(course: Path, a: Assignment) -> Path:
    """nbgrader autograde, generate_feedback and export; returns the CSV of grades."""
    stand_in_for_unreadable(course, a)
    nbgrader("autograde", a.name, "--force", cwd=course)
    nbgrader("generate_feedback", a.name, "--force", cwd=course)
    nbgrader("export", "--to", "grades.csv", cwd=course)
    return course / "grades.csv"


def scores(course: Path, a: Assignment) -> list[dict]:
    """Per student: the autograded score, its maximum, and the checks that lost points."""
    from nbgrader.api import Gradebook
    rows = []
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(a.name):
            nb = sub.notebooks[0]
            lost = [g.name for g in nb.grades if g.auto_score is not None and g.auto_score < g.max_score
                    and g.cell_type == "code"]
            rows.append({"student": sub.student_id, "score": sub.code_score, "max": sub.max_code_score,
                         "lost": lost})
    return sorted(rows, key=lambda r: r["student"])


def demo(dest: Path, chosen: list[Assignment], names: list[str] | None = None) -> dict[str, list[dict]]:
    """A course in dest: the demo class (or the named answers) submitted for each assignment, nbgrader
    autograde with the engine, feedback, CSV export and a class report per assignment."""
    from . import democlass
    course = new_course(dest, chosen)
    roster = []
    for a in chosen:
        release = course / "release" / a.name / a.notebook
        if names:
            for name in names:
                submissions.submit(course, a, name, submissions.fill(submissions.answer(a, name), a, release))
        else:
            roster += democlass.build(course, a)
    if roster:
        democlass.write_roster(course / "roster.csv", roster)
        nbgrader("db", "student", "import", str(course / "roster.csv"), cwd=course)
    print(f"autograding {len(list((course / 'submitted').iterdir()))} students' submissions of "
          f"{', '.join(a.name for a in chosen)} with nbgrader and the engine, then feedback, export and a class "
          "report for each (about two minutes an assignment)...", flush=True)
    rows = {}
    from . import report
    for a in chosen:
        autograde(course, a)
        report.write(course, course / f"report-{a.name}.html", f"Demo class: {a.name}", a)
        rows[a.name] = scores(course, a)
    return rows


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
    p.add_argument("--assignment", action="append", metavar="NAME",
                   help="only this assignment (repeat for several; default: all of them)")
    if name == "demo":
        p.add_argument("--dir", type=Path, default=Path("build/demo"), help="course directory to create")
        p.add_argument("--answers", nargs="*", metavar="NAME",
                       help="submit these answers from tests/answers/<assignment>/ instead of the demo class")


def run(args) -> int:
    chosen = [registry.get(n) for n in args.assignment] if args.assignment else list(registry.all().values())
    if args.cmd == "release":
        for a in chosen:
            print(f"released {a.name} to {release(a)}")
        return 0
    rows = demo(args.dir.resolve(), chosen, args.answers)
    d = args.dir
    for name, table_rows in rows.items():
        print(f"\n{name}:\n{table(table_rows)}")
    print(f"\nclass reports: {d}/report-<assignment>.html\nfeedback: {d}/feedback/<student>/<assignment>/"
          f"<assignment>.html\ngrades: {d}/grades.csv and {d}/gradebook.db (nbgrader formgrader: cd {d} && "
          "nbgrader formgrader)")
    return 0


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))
