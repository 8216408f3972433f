"""python -m autograder report: one self-contained HTML page about a graded class.

RESULTS is a folder of Gradescope-format JSON files (`grade DIR --results-dir OUT`) or an nbgrader course
directory holding gradebook.db. Everything a student wrote can reach this page (messages, notes, names), so
every piece of it passes through html.escape; the page has no script and loads nothing from outside."""
from __future__ import annotations

import base64
import datetime
import html
import io
import json
import os
import re
import statistics
import sys
from pathlib import Path
from urllib.parse import quote

from .. import assignments as registry
from ..core import hints
from ..core.assignment import META, Assignment
from ..core.outcome import FLAGS as FLAGGED, Outcome, of_tag

HELP = {"report": "write a self-contained HTML class report from graded results"}

FLAGS = {   # flag -> what it means and what to do
    Outcome.TIMEOUT.value: "Code ran out of time, so the checks it had not reached were not graded. Look for an "
                           "endless loop or very slow code; regrade if the grading machine was overloaded.",
    Outcome.CRASHED.value: "The process running the student's code died (it exited, was killed or ran out of "
                           "memory); the checks it took down scored zero. Read the notes and the submission.",
    Outcome.MEMORY.value: "The code ran out of the memory a submission may use; the checks it took down scored "
                          "zero.",
    Outcome.TORCH_FORBIDDEN.value: "The code used torch in a part graded without torch, which scores zero there. "
                                   "Usually a misreading of the task; the student's feedback says so.",
    Outcome.TAMPERING.value: "The notebook replaced builtins, numpy or json functions, or sent the grader messages "
                             "out of turn. Grading was not affected, but the code deserves a look for academic "
                             "integrity.",
    Outcome.OUTPUT_FLOOD.value: "The code printed far more than is kept; the rest was dropped. Grading was not "
                                "affected.",
    Outcome.UNREADABLE.value: "The file could not be read as a notebook and was graded as a blank one. Ask the "
                              "student for the right file.",
    Outcome.SANDBOX.value: "The sandbox could not be set up for this submission, so its code was not run and it "
                           "scored zero. Regrade it; the note says what failed.",
    Outcome.INTERNAL.value: "The grader itself failed on this submission, so its score means nothing. Regrade "
                            "it, and report the note if it fails again.",
}
# grading outcomes, shown as flags instead of misconceptions (torch in a NumPy part is both: a misreading too)
OUTCOME_TAGS = {o.value for o in FLAGGED} - {Outcome.TORCH_FORBIDDEN.value}
NO_HINT = {"exception": "The code raised an error; the example says which and where.",
           "other": "No named misconception: the check could not say which mistake this is. Read the example."}

CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#f6f8fa;margin:0}
main{max-width:1040px;margin:0 auto;padding:24px 28px 64px;background:#fff;min-height:100vh;
     box-shadow:0 0 0 1px #e5e7eb}
h1{font-size:26px;margin:8px 0 4px}h2{font-size:20px;margin:40px 0 4px;padding-top:12px;border-top:1px solid #e5e7eb}
h3{font-size:16px;margin:22px 0 6px}
p.what{color:#57606a;margin:0 0 14px;max-width:760px}
.sub{color:#57606a;margin:0 0 16px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{flex:1 1 130px;border:1px solid #d0d7de;border-radius:8px;padding:10px 14px;background:#fafbfc}
.card b{display:block;font-size:24px}.card span{color:#57606a;font-size:13px}
nav{font-size:14px;color:#57606a}nav a{margin-right:14px}
a{color:#0969da;text-decoration:none}a:hover{text-decoration:underline}
img{max-width:100%;display:block;margin:8px 0 16px}
table{border-collapse:collapse;width:100%;font-size:14px;margin:8px 0 16px}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #e5e7eb;vertical-align:top}
th{background:#f6f8fa;font-weight:600}tr:nth-child(even) td{background:#fcfcfd}
td.num,th.num{text-align:right;white-space:nowrap}
.bar{display:inline-block;height:8px;border-radius:4px;background:#d0d7de;width:80px;margin-right:8px;
     vertical-align:middle;overflow:hidden}.bar i{display:block;height:8px}
.good{color:#1a7f37}.mid{color:#9a6700}.bad{color:#cf222e}
.flag{display:inline-block;font-size:12px;padding:0 7px;border-radius:10px;background:#fff1e5;color:#953800;
      border:1px solid #ffd8b5;margin:1px 3px 1px 0}
.tag{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:13px}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f8fa;border:1px solid #e5e7eb;border-radius:6px;
    padding:8px 10px;margin:4px 0;font-size:12.5px;max-height:240px;overflow:auto}
.student{border:1px solid #e5e7eb;border-radius:8px;padding:4px 16px 10px;margin:14px 0}
.student:target{border-color:#0969da;box-shadow:0 0 0 3px #ddf4ff}
.muted{color:#57606a;font-size:13px}
table.fixed{table-layout:fixed}table.fixed td{overflow-wrap:anywhere}
"""


def configure(p, name: str) -> None:
    p.add_argument("results", type=Path, help="a folder of Gradescope JSON files (grade --results-dir), "
                                              "or an nbgrader course directory with gradebook.db")
    p.add_argument("--out", type=Path, default=Path("report.html"), help="the HTML file to write")
    p.add_argument("--title", help="the page's title (default: '<assignment>: class report')")
    p.add_argument("--assignment", metavar="NAME", help="the assignment to report on (default: the only one "
                                                        "the results or the gradebook hold)")


def run(args) -> int:
    src = args.results
    if not src.is_dir():
        print(f"report: {src} is neither a folder of results nor a course directory", file=sys.stderr)
        return 2
    try:
        a = registry.get(args.assignment) if args.assignment else _only_assignment(src)
    except (KeyError, ValueError) as e:
        print(f"report: {e.args[0]}", file=sys.stderr)
        return 2
    n = write(src, args.out, args.title or f"{a.name}: class report", a)
    if not n:
        print(f"report: no graded submissions of {a.name} found in {src}", file=sys.stderr)
        return 2
    print(f"wrote {args.out} ({n} submissions)")
    return 0


def write(src: Path, out: Path, title: str, a: Assignment) -> int:
    """The class report on `a` from results or a course in `src`, written to `out`; returns how many
    submissions it covers (nothing is written for none)."""
    out = out.resolve()
    if (src / "gradebook.db").is_file():
        subs, kind = load_course(src, out.parent, a), "nbgrader gradebook"
    else:
        subs, kind = load_results(src, a), "Gradescope results"
    if subs:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render(subs, title, f"{kind} in {src}", a, inferred=kind == "nbgrader gradebook"),
                       encoding="utf-8")
    return len(subs)


def _by_checks(checks: list) -> str | None:
    """The assignment whose checks a result lists (results written before they named their assignment)."""
    names = {str(c.get("check")) for c in checks if isinstance(c, dict)}
    best = max(registry.all().values(), key=lambda a: len(names & set(a.by_name)), default=None)
    return best.name if best is not None and names and names <= set(best.by_name) else None


def _only_assignment(src: Path) -> Assignment:
    """The assignment the results in `src` belong to, when they name exactly one."""
    if (src / "gradebook.db").is_file():
        from nbgrader.api import Gradebook
        with Gradebook(f"sqlite:///{(src / 'gradebook.db').resolve()}") as gb:
            names = {x.name for x in gb.assignments}
    else:
        names = set()
        for path in src.rglob("*.json"):
            try:
                extra = json.loads(path.read_text(encoding="utf-8"))["extra_data"]
            except (OSError, ValueError, KeyError, TypeError):
                continue
            names.add(extra.get("assignment") or _by_checks(extra.get("checks") or []))
    known = registry.all()
    names &= set(known)
    if len(names) == 1:
        return known[names.pop()]
    if not names and len(known) == 1:
        return next(iter(known.values()))
    raise ValueError(f"say which assignment to report on with --assignment ({', '.join(sorted(names or known))})")


# ------------------------------------------------------------------ reading results
def _check(a: Assignment, name: str, passed: bool, points, max_points, tag, message: str,
           test_name: str = "") -> dict:
    known = a.by_name.get(name)
    part = known.part if known else (test_name.split(":")[0] if ":" in test_name else "")
    return {"check": name, "part": part, "passed": bool(passed), "points": float(points or 0),
            "max_points": float(max_points or 0), "tag": tag or ("" if passed else "other"), "message": message}


def _sub(a: Assignment, student, score, checks, flags, notes, href=None, sandbox="") -> dict:
    top = sum(c["max_points"] for c in checks) or a.points
    return {"student": str(student), "score": float(score or 0), "max": top, "checks": checks,
            "flags": sorted(set(map(str, flags))), "notes": [str(n) for n in notes], "href": href,
            "sandbox": str(sandbox or "")}


def load_results(folder: Path, a: Assignment) -> list[dict]:
    """One submission of `a` per JSON file written by `grade DIR --results-dir` (files of other assignments
    are left out)."""
    subs = []
    for path in sorted(folder.rglob("*.json")):
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            data = {"output": f"{path.name} could not be read ({type(exc).__name__})"}
        extra = data.get("extra_data") if isinstance(data, dict) else None
        if not isinstance(extra, dict):     # results.failed_results: grading itself could not run
            why = data.get("output", "no results") if isinstance(data, dict) else "not a results object"
            subs.append(_sub(a, path.stem, 0, [], [Outcome.INTERNAL.value], [why]))
            continue
        if extra.get("assignment") and extra["assignment"] != a.name:
            continue
        tests = data.get("tests") or []
        checks = []
        for i, c in enumerate(extra.get("checks") or []):
            t = tests[i] if i < len(tests) and isinstance(tests[i], dict) else {}
            checks.append(_check(a, str(c.get("check", "")), c.get("passed"), c.get("points"), c.get("max_points"),
                                 c.get("tag"), str(t.get("output", "")), str(t.get("name", ""))))
        subs.append(_sub(a, extra.get("student") or path.stem, data.get("score"), checks, extra.get("flags") or [],
                         extra.get("notes") or [], sandbox=extra.get("sandbox", "")))
    return subs


def load_course(course: Path, out_dir: Path, a: Assignment) -> list[dict]:
    """Scores from nbgrader's gradebook; messages from the autograded notebooks' failed test cells; flags and
    tags from the record the engine leaves in each autograded notebook."""
    import nbformat
    from nbgrader.api import Gradebook
    order = {c.name: i for i, c in enumerate(a.checks)}
    subs = []
    with Gradebook(f"sqlite:///{(course / 'gradebook.db').resolve()}") as gb:
        for sub in gb.assignment_submissions(a.name):
            student = sub.student_id
            grades = [g for nb in sub.notebooks for g in nb.grades if g.cell_type == "code"]
            grades.sort(key=lambda g: order.get(g.name, len(order)))
            messages, notes, flags = {}, [], set()
            nb_path = course / "autograded" / student / a.name / a.notebook
            try:
                nb = nbformat.read(nb_path, 4)
            except Exception as exc:        # missing or broken: the scores still count
                nb = None
                notes.append(f"autograded notebook not readable ({type(exc).__name__})")
            record = nb.metadata.get(META, {}) if nb else {}      # written by the engine's preprocessor
            flags |= {str(f) for f in record.get("flags", [])}
            notes += [str(n) for n in record.get("notes", [])]
            for cell in nb.cells if nb else []:
                if cell.get("id") == "unreadable-submission":
                    flags.add(Outcome.UNREADABLE.value)
                    notes.append(cell.source.replace("**", ""))
                gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                for o in cell.get("outputs", []) if cell.cell_type == "code" else []:
                    if o.get("output_type") == "error" and gid:
                        messages[gid] = str(o.get("evalue", ""))
            checks = []
            for g in grades:
                passed = (g.score or 0) >= g.max_score
                msg = "" if passed else messages.get(g.name, "(no message in the autograded notebook)")
                tag = "" if passed else record.get("tags", {}).get(g.name) or "other"
                checks.append(_check(a, g.name, passed, g.score, g.max_score, tag, msg))
            flags |= {c["tag"] for c in checks if of_tag(c["tag"], c["passed"]) in FLAGGED}
            feedback = course / "feedback" / student / a.name / f"{a.name}.html"
            href = quote(os.path.relpath(feedback.resolve(), out_dir).replace(os.sep, "/")) \
                if feedback.is_file() else None
            subs.append(_sub(a, student, sub.code_score, checks, flags, notes, href, record.get("sandbox", "")))
    return subs


# ------------------------------------------------------------------ charts
def _png(fig) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _axes(fig):
    ax = fig.add_subplot()
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def histogram(scores: list[float], top: float) -> str:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator
    fig = Figure(figsize=(8.5, 3.2))
    ax = _axes(fig)
    ax.hist(scores, bins=[top * i / 20 for i in range(21)], color="#4c78a8", edgecolor="white")
    ax.axvline(statistics.mean(scores), color="#e45756", ls="--", lw=1.5, label=f"mean {statistics.mean(scores):.1f}")
    ax.axvline(statistics.median(scores), color="#54a24b", ls=":", lw=2, label=f"median {statistics.median(scores):g}")
    ax.set(xlim=(0, top), xlabel="autograded score", ylabel="submissions")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(frameon=False, loc="upper left")
    return _png(fig)


def _colour(rate: float) -> str:
    return "#2da44e" if rate >= 80 else "#d4a72c" if rate >= 50 else "#cf222e"


def pass_chart(rows: list[dict]) -> str:
    from matplotlib.figure import Figure
    fig = Figure(figsize=(8.5, 0.27 * len(rows) + 0.9))
    ax = _axes(fig)
    names = [f"{r['check']}  ({r['part']})" if r["part"] else r["check"] for r in rows]
    ax.barh(range(len(rows)), [r["rate"] for r in rows], color=[_colour(r["rate"]) for r in rows], height=0.7)
    for i, r in enumerate(rows):
        ax.text(r["rate"] + 1, i, f"{r['rate']:.0f}%", va="center", fontsize=8, color="#57606a")
    ax.set_yticks(range(len(rows)), names, fontsize=8.5)
    ax.set(xlim=(0, 108), xlabel="submissions that passed (%)")
    ax.invert_yaxis()
    return _png(fig)


# ------------------------------------------------------------------ the page
def e(value) -> str:
    return html.escape(str(value), quote=True)


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _rate_cell(rate: float) -> str:
    cls = "good" if rate >= 80 else "mid" if rate >= 50 else "bad"
    return (f'<td class="num"><span class="bar"><i style="width:{rate:.0f}%;background:{_colour(rate)}"></i>'
            f'</span><span class="{cls}">{rate:.0f}%</span></td>')


def _flags(flags: list[str]) -> str:
    return "".join(f'<span class="flag">{e(f)}</span>' for f in flags) or '<span class="muted">–</span>'


def _example(message: str) -> str:
    """A message without its "Likely cause" line: the hint is printed beside it."""
    return message.split("\nLikely cause: ", 1)[0]


def _anchors(subs: list[dict]) -> None:
    used = set()
    for s in subs:
        base = "student-" + (re.sub(r"[^A-Za-z0-9_-]+", "-", s["student"]).strip("-") or "x")
        anchor, n = base, 1
        while anchor in used:
            n += 1
            anchor = f"{base}-{n}"
        used.add(anchor)
        s["anchor"] = anchor


def _link(s: dict) -> str:
    href = s["href"] or f"#{s['anchor']}"
    return f'<a href="{e(href)}">{e(s["student"])}</a>'


def _section(sid: str, heading: str, what: str) -> str:
    return f'<section id="{sid}"><h2>{heading}</h2><p class="what">{what}</p>'


def render(subs: list[dict], title: str, source: str, a: Assignment, inferred: bool = False) -> str:
    subs = sorted(subs, key=lambda s: (s["student"].lower(), s["student"]))
    _anchors(subs)
    parts = [_header(subs, title, source), _distribution(subs), _checks(subs, a), _misconceptions(subs, a),
             _attention(subs, inferred), _students(subs), _feedback(subs)]
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title><meta '
            f'name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head><body><main>\n'
            + "\n".join(parts) + "\n</main></body></html>\n")


def _header(subs: list[dict], title: str, source: str) -> str:
    n, scores, top = len(subs), [s["score"] for s in subs], max(s["max"] for s in subs)
    cards = ((n, "submissions"), (_num(statistics.mean(scores)), f"mean score (of {top:g})"),
             (_num(statistics.median(scores)), "median score"), (sum(s["score"] >= s["max"] > 0 for s in subs),
                                                                 "full marks"),
             (sum(x == 0 for x in scores), "zero"), (sum(bool(s["flags"]) for s in subs), "need a look"))
    levels = {}
    for s in subs:
        levels[s["sandbox"] or "not recorded"] = levels.get(s["sandbox"] or "not recorded", 0) + 1
    sandbox = "; ".join(f"{level} ({count})" for level, count in sorted(levels.items()))
    return (f'<header><h1>{e(title)}</h1><p class="sub">Autograded results of {n} submission{"s" * (n != 1)} from '
            f'the {e(source)}, generated {datetime.datetime.now():%Y-%m-%d %H:%M}.</p>'
            f'<p class="sub" id="sandbox">Sandbox: {e(sandbox)}</p><div class="cards">'
            + "".join(f'<div class="card"><b>{v}</b><span>{e(label)}</span></div>' for v, label in cards)
            + '</div><nav>Sections: <a href="#distribution">distribution</a><a href="#checks">checks</a>'
              '<a href="#misconceptions">misconceptions</a><a href="#attention">needs a look</a>'
              '<a href="#students">students</a><a href="#feedback">feedback</a></nav></header>')


def _distribution(subs: list[dict]) -> str:
    chart = histogram([s["score"] for s in subs], max(s["max"] for s in subs))
    return (_section("distribution", "Score distribution", "How many submissions earned each autograded score "
                     "(written answers are graded by hand and not included). A pile-up at one score usually means "
                     "one shared mistake: the sections below say which.")
            + f'<img alt="histogram of autograded scores" src="{chart}"></section>')


def _checks(subs: list[dict], a: Assignment) -> str:
    n, rows = len(subs), []
    for name in dict.fromkeys([c.name for c in a.checks] + [c["check"] for s in subs for c in s["checks"]]):
        seen = [c for s in subs for c in s["checks"] if c["check"] == name]
        if seen:
            passed = sum(c["passed"] for c in seen)
            rows.append({"check": name, "part": seen[0]["part"], "points": max(c["max_points"] for c in seen),
                         "passed": passed, "rate": 100 * passed / n})
    out = [_section("checks", "Pass rate of each check", "The share of all submissions that passed each hidden "
                    "check, in notebook order (a submission that could not be graded counts as failing). A check "
                    "few students pass marks a topic to revisit in class, or a prompt to reword.")]
    if rows:
        out.append(f'<img alt="pass rate of each check" src="{pass_chart(rows)}">')
    out.append('<table><thead><tr><th>check</th><th>part</th><th class="num">points</th><th class="num">passed</th>'
               '<th class="num">pass rate</th></tr></thead><tbody>')
    out += [f'<tr><td class="tag">{e(r["check"])}</td><td>{e(r["part"])}</td><td class="num">{r["points"]:g}</td>'
            f'<td class="num">{r["passed"]} / {n}</td>{_rate_cell(r["rate"])}</tr>' for r in rows]
    return "".join(out) + "</tbody></table></section>"


def _misconceptions(subs: list[dict], a: Assignment) -> str:
    hits: dict[str, list[tuple[dict, str]]] = {}     # tag -> (submission, its first message with that tag)
    for s in subs:
        for c in s["checks"]:
            if not c["passed"] and c["tag"] not in OUTCOME_TAGS and all(x is not s for x, _ in hits.get(c["tag"], [])):
                hits.setdefault(c["tag"], []).append((s, c["message"]))
    out = [_section("misconceptions", "Misconceptions", "The mistakes the checks named, ranked by how many students "
                    "made them (a student counts once per misconception), with the hint the students read and one "
                    "message a student received. The top rows are worth a few minutes in the next class.")]
    if not hits:
        return out[0] + "<p>No check named a misconception.</p></section>"
    out.append('<table id="misconception-table"><thead><tr><th class="num">#</th><th>misconception</th>'
               '<th class="num">students</th><th>hint and one example message</th></tr></thead><tbody>')
    for i, (tag, who) in enumerate(sorted(hits.items(), key=lambda kv: (-len(kv[1]), kv[0])), 1):
        names = ", ".join(_link(s) for s, _ in who[:8]) + (f" and {len(who) - 8} more" if len(who) > 8 else "")
        hint = a.hints.get(tag) or hints.HINTS.get(tag) or NO_HINT.get(tag, NO_HINT["other"])
        out.append(f'<tr data-tag="{e(tag)}"><td class="num">{i}</td><td class="tag">{e(tag)}</td><td class="num">'
                   f'{len(who)} <span class="muted">({100 * len(who) / len(subs):.0f}%)</span></td><td>{e(hint)}'
                   f'<pre>{e(_example(who[0][1]))}</pre><span class="muted">Students: {names}</span></td></tr>')
    return "".join(out) + "</tbody></table></section>"


def _attention(subs: list[dict], inferred: bool) -> str:
    flagged = [s for s in subs if s["flags"]]
    out = [_section("attention", "Submissions that need an instructor's eye", "Submissions the grader flagged, "
                    "grouped by flag, with what it noted. Their scores may not reflect what the students know: read "
                    "each one and regrade or follow up as the flag suggests." + (
                        " nbgrader's gradebook keeps no flags: these are read from the record the engine leaves "
                        "in each autograded notebook, and from the messages." if inferred else ""))]
    for flag in list(FLAGS) + sorted({f for s in flagged for f in s["flags"]} - set(FLAGS)):
        group = [s for s in flagged if flag in s["flags"]]
        if not group:
            continue
        out.append(f'<h3 id="flag-{e(flag)}"><span class="flag">{e(flag)}</span> {len(group)} submission'
                   f'{"s" * (len(group) != 1)}</h3><p class="what">{e(FLAGS.get(flag, "A flag the grader set."))}'
                   '</p><table class="fixed"><thead><tr><th style="width:24%">student</th><th class="num" '
                   'style="width:8%">score</th><th>notes</th></tr></thead><tbody>')
        for s in group:
            said = s["notes"] or [c["message"] for c in s["checks"] if c["tag"] == flag][:1]
            notes = "".join(f"<pre>{e(x)}</pre>" for x in said) or '<span class="muted">no notes</span>'
            out.append(f'<tr><td>{_link(s)}</td><td class="num">{s["score"]:g}</td><td>{notes}</td></tr>')
        out.append("</tbody></table>")
    if not flagged:
        out.append("<p>No submission was flagged.</p>")
    return "".join(out) + "</section>"


def _students(subs: list[dict]) -> str:
    where = (" (nbgrader's feedback page when there is one, else the section below)" if any(s["href"] for s in subs)
             else " below")
    out = [_section("students", "Students", "Every submission with its score, flags and the checks that lost points. "
                    f"Each name opens that student's feedback{where}."),
           '<table id="student-table"><thead><tr><th>student</th><th class="num">score</th><th>flags</th>'
           '<th>checks lost</th></tr></thead><tbody>']
    for s in subs:
        lost = ", ".join(e(c["check"]) for c in s["checks"] if not c["passed"]) or (
            '<span class="muted">none</span>' if s["checks"] else '<span class="bad">not graded</span>')
        out.append(f'<tr><td>{_link(s)}</td><td class="num">{s["score"]:g} / {s["max"]:g}</td>'
                   f'<td>{_flags(s["flags"])}</td><td class="tag">{lost}</td></tr>')
    return "".join(out) + "</tbody></table></section>"


def _feedback(subs: list[dict]) -> str:
    out = [_section("feedback", "Feedback per student", "The message each student received for every check they "
                    "failed, exactly as the grader wrote it. Use it to answer questions about a grade.")]
    for s in subs:
        extra = f' · <a href="{e(s["href"])}">nbgrader feedback</a>' if s["href"] else ""
        out.append(f'<div class="student" id="{e(s["anchor"])}"><h3>{e(s["student"])}</h3><p>Score {s["score"]:g} / '
                   f'{s["max"]:g} {_flags(s["flags"]) if s["flags"] else ""}{extra} · '
                   '<a href="#students" class="muted">back to the table</a></p>')
        out += [f"<pre>{e(x)}</pre>" for x in s["notes"]]
        failed = [c for c in s["checks"] if not c["passed"]]
        if failed:
            out.append('<table class="fixed"><thead><tr><th style="width:22%">check</th><th class="num" '
                       'style="width:6%">lost</th><th style="width:17%">misconception</th><th>message</th></tr>'
                       '</thead><tbody>')
            out += [f'<tr><td class="tag">{e(c["check"])}</td><td class="num">{c["max_points"] - c["points"]:g}</td>'
                    f'<td class="tag">{e(c["tag"])}</td><td><pre>{e(c["message"])}</pre></td></tr>' for c in failed]
            out.append("</tbody></table>")
        else:
            out.append('<p class="good">Every check passed.</p>' if s["checks"] else '<p class="bad">Not graded.</p>')
        out.append("</div>")
    return "".join(out) + "</section>"
