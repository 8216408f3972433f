"""The class report: a self-contained HTML page from Gradescope results or an nbgrader gradebook."""
import re
import statistics

import pytest

from autograder.doors import course, report, results, submissions
from autograder.__main__ import main
from helpers import A, BY_NAME, CHECKS, ROOT, filled
from autograder.engine.engine import Report
from browser_helpers import CHROMIUM, CHROMIUM_ARGS

ARTIFACT = ROOT / "build" / "artifacts" / "report.png"
SCRIPT_NOTE = "<script>alert(1)</script>"
HOSTILE_NAME = "mallory <img src=x onerror=alert(2)>"
PART2_GRADIENTS = ["backward_W2", "backward_b2", "backward_W1", "backward_b1", "backward_X", "backward_batch_scaling"]


def _report(student, fails=(), flags=(), notes=()):
    """A Report as the engine would write it: every check passes except fails = {check: (tag, message)}."""
    fails = dict(fails)
    verdicts = [c.verdict(False, f"{c.part}, {c.title}: {fails[c.name][1]}" + (
        f"\nLikely cause: {A.hints[fails[c.name][0]]}" if A.hints.get(fails[c.name][0]) else ""), fails[c.name][0])
        if c.name in fails else c.verdict(True, f"{c.part}, {c.title}: passed.") for c in CHECKS]
    return Report(f"{student}.ipynb", student, verdicts, list(notes), sorted(flags), seconds=0.5)


def _class():
    torch_checks = ["forward_loss", "forward_cache", "backward_shapes", *PART2_GRADIENTS, "train_xor"]
    return {
        "alice": _report("alice"),
        "bob": _report("bob", {c: ("missing_inv_B", f"{c} is B = 6 times too large.") for c in PART2_GRADIENTS}),
        "dan": _report("dan", {c: ("torch_in_numpy", "`forward` used torch: torch.from_numpy was used in a NumPy-only "
                                                     "part.") for c in torch_checks}, ["torch_in_numpy"]),
        "erin": _report("erin", {"train_xor": ("timeout", "`train` did not finish within 20 s and was stopped.")},
                        ["timeout"]),
        "frank": _report("frank", {c.name: ("unreadable", "not graded: frank.ipynb is empty.") for c in CHECKS},
                         ["unreadable"], ["frank.ipynb is empty."]),
        "mallory": _report(HOSTILE_NAME, {"backward_W2": ("missing_inv_B", f"dW2 </pre>{SCRIPT_NOTE} too large."),
                                          "relu": ("relu_derivative", "relu(0) should be 0.")},
                           ["tampering"], [f"replaced {SCRIPT_NOTE} (no effect on grading)"]),
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    folder = tmp / "results"
    reports = _class()
    for name, rep in reports.items():
        results.write_json(folder / f"{name}.json", results.gradescope(rep))
    results.write_json(folder / "grace.json", results.failed_results("Grading could not run: OSError: disk full"))
    out = tmp / "report.html"
    assert main(["report", str(folder), "--out", str(out), "--title", "Week 3 <backprop>"]) == 0
    return out, out.read_text(), reports


def _section(page: str, sid: str) -> str:
    start = page.index(f'<section id="{sid}">')
    return page[start:page.index("</section>", start)]


def test_sections_come_in_order_with_their_explanations(built):
    _, page, _ = built
    heads = ["Score distribution", "Pass rate of each check", "Misconceptions",
             "Submissions that need an instructor's eye", "Students", "Feedback per student"]
    positions = [page.index(f"<h2>{h}</h2>") for h in heads]
    assert positions == sorted(positions)
    assert page.count('<p class="what">') >= 6
    assert "<title>Week 3 &lt;backprop&gt;</title>" in page


def test_header_counts(built):
    _, page, reports = built
    scores = [r.score for r in reports.values()] + [0.0]           # grace: grading could not run
    cards = dict((label, value) for value, label in re.findall(r'<div class="card"[^>]*><b>([^<]*)</b><span>([^<]*)<',
                                                                page))
    assert cards["submissions"] == "7"
    assert cards["mean score (of 100)"] == f"{statistics.mean(scores):.1f}".rstrip("0").rstrip(".")
    assert cards["median score"] == f"{statistics.median(scores):.1f}".rstrip("0").rstrip(".")
    assert cards["full marks"] == "1" and cards["zero"] == "2" and cards["need a look"] == "5"


def test_pass_rates_cover_every_check(built):
    _, page, _ = built
    table = _section(page, "checks")
    for c in CHECKS:
        assert f'<td class="tag">{c.name}</td><td>{c.part}</td><td class="num">{c.points:g}</td>' in table
    assert re.search(r"backward_W2</td>.*?<td class=\"num\">2 / 7</td>", table)    # alice and erin
    assert re.search(r"predict</td>.*?<td class=\"num\">5 / 7</td>", table)         # not frank, not grace


def test_misconceptions_ranked_with_hint_and_one_example(built):
    _, page, _ = built
    table = _section(page, "misconceptions")
    tags = re.findall(r'<tr data-tag="([^"]+)">', table)
    assert tags[0] == "missing_inv_B" and set(tags) == {"missing_inv_B", "relu_derivative", "torch_in_numpy"}
    row = table[table.index('data-tag="missing_inv_B"'):table.index('data-tag="', table.index('data-tag="') + 1)]
    assert '<td class="num">2 <span' in row
    assert report.e(A.hints["missing_inv_B"]) in row
    assert row.count("<pre>") == 1                                  # one example message
    assert "timeout" not in tags and "unreadable" not in tags       # outcomes are flags, not misconceptions


def test_flagged_submissions_grouped_with_notes(built):
    _, page, _ = built
    sec = _section(page, "attention")
    order = [sec.index(f'id="flag-{f}"') for f in ("timeout", "torch_in_numpy", "tampering", "unreadable",
                                                   "internal_error")]
    assert order == sorted(order)
    assert "frank.ipynb is empty." in sec and "Grading could not run: OSError: disk full" in sec
    assert ">alice<" not in sec and ">bob<" not in sec
    assert report.FLAGS["unreadable"] in sec


def test_student_table_links_to_sections(built):
    _, page, _ = built
    table = page[page.index('<table id="student-table">'):]
    table = table[:table.index("</table>")]
    assert '<a href="#student-bob">bob</a>' in table and 'id="student-bob"' in page
    score = 100 - sum(BY_NAME[c].points for c in PART2_GRADIENTS)
    bob = re.search(rf'<tr><td><a href="#student-bob">bob</a></td><td class="num">{score:g} / 100</td>.*?</tr>',
                    table).group()
    assert all(c in bob for c in PART2_GRADIENTS) and "relu" not in bob
    for anchor in re.findall(r'href="#(student-[^"]+)"', page):
        assert f'id="{anchor}"' in page
    section = page[page.index('id="student-bob"'):]
    assert "backward_W2 is B = 6 times too large." in section[:section.index('class="student"')]


def test_student_text_is_escaped(built):
    _, page, _ = built
    assert "<script" not in page and "<img src=x" not in page and "</pre><script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "mallory &lt;img src=x onerror=alert(2)&gt;" in page


def test_page_is_self_contained(built):
    _, page, _ = built
    assert not re.search(r'(src|href)="(https?:)?//', page) and "<link" not in page
    images = re.findall(r'<img [^>]*src="([^"]*)"', page)
    assert len(images) == 2 and all(src.startswith("data:image/png;base64,") for src in images)


def test_nothing_to_report_is_an_error(tmp_path):
    assert main(["report", str(tmp_path), "--out", str(tmp_path / "r.html")]) == 2
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("tag", ["missing_inv_B", "torch_in_numpy", "not_implemented", "no_learning", "crashed"])
def test_tag_read_back_from_the_engines_record_not_its_wording(tag, tmp_path):
    """The report takes each check's tag from the result, whatever the message says."""
    rep = _report("zoe", {"backward_W2": (tag, "Part 2, backward dW2: wrong.")})
    results.write_json(tmp_path / "zoe.json", results.gradescope(rep))
    [sub] = report.load_results(tmp_path, A)
    assert {c["check"]: c["tag"] for c in sub["checks"]}["backward_W2"] == tag


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium "
                                                 "(apt-get install chromium)")
def test_page_in_a_browser(built):
    from playwright.sync_api import sync_playwright
    out, _, _ = built
    requests, dialogs = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(f"file://{out}")
            widths = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
            assert len(widths) == 2 and all(w > 0 for w in widths), widths
            page.locator("#student-table").get_by_role("link", name="bob", exact=True).click()
            page.wait_for_function("location.hash === '#student-bob'")
            top = page.evaluate("document.getElementById('student-bob').getBoundingClientRect().top")
            assert page.evaluate("window.scrollY") > 0 and -2 <= top < 900, top    # scrolled to it
            ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
            page.goto(f"file://{out}")
            page.screenshot(path=str(ARTIFACT), full_page=True)
        finally:
            browser.close()
    assert not dialogs, dialogs
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    assert ARTIFACT.stat().st_size > 10_000


@pytest.mark.nbgrader
def test_report_from_an_nbgrader_course(tmp_path):
    root = course.new_course(tmp_path / "course", [A])
    release = root / "release" / "backprop" / "backprop.ipynb"
    for name in ("key", "bug_missing_inv_B"):
        submissions.submit(root, A, name, filled(name, release))
    course.autograde(root, A)
    out = root / "report.html"
    assert main(["report", str(root), "--out", str(out)]) == 0
    page = out.read_text()
    assert re.search(r"<b>2</b><span>submissions", page) and re.search(r"<b>1</b><span>full marks", page)
    assert 'data-tag="missing_inv_B"' in _section(page, "misconceptions")
    for name in ("key", "bug_missing_inv_B"):
        href = f"feedback/{name}/backprop/backprop.html"
        assert f'<a href="{href}">{name}</a>' in page and (root / href).is_file()
    assert "times too large" in page[page.index('id="student-bug_missing_inv_B"'):]
    elsewhere = tmp_path / "reports" / "r.html"
    assert main(["report", str(root), "--out", str(elsewhere)]) == 0
    assert 'href="../course/feedback/key/backprop/backprop.html"' in elsewhere.read_text()
