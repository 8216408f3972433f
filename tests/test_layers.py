"""The layers assignment: every check catches the bug it exists for, passes correct answers written in other
styles, gives broken answers a message, and its notebook's own test cells agree with its checks."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import numpy as np
import pytest

from autograder.assignments import layers
from autograder.assignments.layers import hints, part5_flow
from autograder.core.hints import HINTS as SHARED_HINTS

import layers_answers as la

ANSWERS = la.all_answers()
CORRECT = [a.name for a in ANSWERS if not a.fails and not a.name.startswith(("broken_", "hostile_"))]
BROKEN = [a.name for a in ANSWERS if a.name.startswith("broken_")]
SEEDED = [(a.name, check, tag) for a in ANSWERS for check, tag in a.fails]
PARTS = {"Part 1": 20, "Part 2": 10, "Part 3": 14, "Part 4": 22, "Part 5": 12, "Part 6": 12, "Part 7": 10}


# ---------------------------------------------------------------- the assignment's shape

def test_points_per_part_are_the_specs():
    got = {}
    for c in layers.CHECKS:
        got[c.part] = got.get(c.part, 0) + c.points
    assert got == PARTS and sum(got.values()) == 100
    assert sum(layers.WRITTEN.values()) == 8


def test_notebook_test_cells_are_the_checks_in_order():
    cells = [c for c in la.source().cells if c.metadata.get("nbgrader", {}).get("grade")]
    tests = [c for c in cells if c.cell_type == "code"]
    assert [c.metadata.nbgrader["grade_id"] for c in tests] == [c.name for c in layers.CHECKS]
    for cell, chk in zip(tests, layers.CHECKS):
        assert cell.id == chk.name and cell.metadata.nbgrader["points"] == chk.points
        assert f'check("{chk.name}", assignment="layers")' in cell.source and "### BEGIN HIDDEN TESTS" in cell.source
        assert f"[{chk.points:g} point" in cell.source.splitlines()[0], cell.source.splitlines()[0]
    written = {c.id: c.metadata.nbgrader["points"] for c in cells if c.cell_type == "markdown"}
    assert written == layers.WRITTEN


def test_notebook_is_committed_clean():
    for c in la.source().cells:
        assert c.id == c.metadata.nbgrader["grade_id"]
        if c.cell_type == "code":
            assert not c.outputs and c.execution_count is None, c.id


def test_checks_load_where_torch_cannot():
    """The NumPy worker imports every check module with torch blocked."""
    code = ("import sys; from autograder.core.student import TorchFinder; sys.meta_path.insert(0, TorchFinder()); "
            "import autograder.assignments.layers as L; assert 'torch' not in sys.modules or "
            "type(sys.modules['torch']).__name__ == '_Poison'; print(len(L.CHECKS))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == str(len(layers.CHECKS)), out.stderr[-2000:]


def test_every_tag_has_a_hint():
    tags = {t for _, _, t in SEEDED}
    assert not tags - set(hints.HINTS) - set(SHARED_HINTS), tags - set(hints.HINTS) - set(SHARED_HINTS)


# ---------------------------------------------------------------- correct answers

def test_there_are_three_correct_styles_besides_the_key():
    assert len([n for n in CORRECT if n != "key"]) >= 3, CORRECT


@pytest.mark.parametrize("name", CORRECT)
def test_correct_answer_gets_full_marks(name):
    v = la.verdicts(name)
    failed = {k: x.message for k, x in v.items() if not x.passed}
    assert not failed, failed
    assert sum(x.points for x in v.values()) == 100


@pytest.mark.parametrize("name", CORRECT)
def test_correct_pieces_are_never_replaced(name):
    """The tiny problems that decide the swap accept every correct style."""
    from autograder.assignments.layers import reference
    from autograder.core import objects
    ns, _ = la.namespace(la.fill(la.answer(name)))
    assert objects.broken(ns, reference.PIECES) == {}


def test_release_stubs_get_zero():
    ns, errors = la.namespace(la.release())
    verdicts = [la.run(c.name, ns, submission="release") for c in layers.CHECKS]
    assert sum(v.points for v in verdicts) == 0
    assert all(v.tag in ("not_implemented", "wrong_type") for v in verdicts), {v.check: v.tag for v in verdicts}


# ---------------------------------------------------------------- seeded bugs

def test_every_check_has_a_seeded_bug():
    assert {c for _, c, _ in SEEDED} == set(la.A.by_name), set(la.A.by_name) - {c for _, c, _ in SEEDED}


@pytest.mark.parametrize("name,check,tag", SEEDED, ids=[f"{n}-{c}" for n, c, _ in SEEDED])
def test_seeded_bug_fails_its_check_naming_the_misconception(name, check, tag):
    ns, _ = la.namespace(la.fill(la.answer(name)))
    v = la.run(check, ns, submission=name)
    assert not v.passed and v.points == 0, v
    assert v.tag == tag, f"expected tag {tag}, got {v.tag}: {v.message}"
    assert v.message.startswith(f"{v.part}, {v.title}:"), v.message
    hint = hints.HINTS.get(tag) or SHARED_HINTS.get(tag)
    if hint:
        assert v.message.endswith(f"Likely cause: {hint}"), v.message


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted({n for n, _, _ in SEEDED}))
def test_seeded_bug_fails_only_its_checks(name):
    """The rest of a seeded bug's answer earns its points: one mistake costs points once."""
    want = dict(la.answer(name).fails)
    got = {k: v.tag for k, v in la.verdicts(name).items() if not v.passed}
    assert got == want, {k: v.message for k, v in la.verdicts(name).items() if not v.passed}


def test_a_failed_piece_is_replaced_for_the_checks_that_build_on_it():
    """bug_bias_mean's Linear fails its own check; the Sequential and XOR checks use a correct one."""
    ns, _ = la.namespace(la.fill(la.answer("bug_bias_mean")))
    for check in ("sequential_backward", "train_xor", "weight_decay_grad", "layer_grad_stats"):
        assert la.run(check, ns, submission="swap").passed, check


# ---------------------------------------------------------------- broken answers

@pytest.mark.parametrize("name", BROKEN)
def test_broken_answer_gets_messages_not_crashes(name):
    v = la.verdicts(name)
    assert len(v) == len(layers.CHECKS)
    failed = [x for x in v.values() if not x.passed]
    assert failed
    for x in failed:
        assert x.message.startswith(f"{x.part}, {x.title}:") and len(x.message) > len(x.part) + len(x.title) + 10
        assert "Traceback" not in x.message and "autograder/" not in x.message, x.message


def test_broken_answers_name_what_is_wrong():
    v = la.verdicts("broken_missing_method")
    assert v["linear_backward"].tag == "missing_method" and "`Linear` has no method `backward`" in \
        v["linear_backward"].message
    v = la.verdicts("broken_forward_none")
    assert v["linear_forward"].tag == "returns_none" and "returned None" in v["linear_forward"].message
    v = la.verdicts("broken_wrong_types")
    assert v["linear_forward"].tag == "wrong_type" and v["sigmoid_forward"].tag == "not_float64"


# ---------------------------------------------------------------- the notebook's own cells

_HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[ \t]*\n?", re.M | re.S)


def _run_notebook(nb, demos: bool) -> dict[str, str]:
    """Every code cell in order (tests without their hidden part); the error of each cell that raised."""
    import matplotlib
    matplotlib.use("Agg")
    ns, errors = {"__name__": "__main__"}, {}
    for c in nb.cells:
        gid = c.metadata.get("nbgrader", {}).get("grade_id")
        if c.cell_type != "code" or (gid in la.A.demo_cells and not demos):
            continue
        try:
            with np.errstate(all="ignore"):
                exec(compile(_HIDDEN.sub("", c.source + "\n"), f"<cell {gid}>", "exec"), ns)
        except Exception as e:          # noqa: BLE001 (a test cell's failure is what is measured)
            errors[gid] = f"{type(e).__name__}: {e}"[:300]
    return errors


def test_visible_tests_pass_on_the_key():
    start = time.monotonic()
    assert _run_notebook(la.fill(la.answer("key")), demos=False) == {}
    assert time.monotonic() - start < 60


def test_visible_tests_fail_on_the_release_stubs():
    errors = _run_notebook(la.release(), demos=False)
    assert set(errors) >= {c.name for c in layers.CHECKS}, {c.name for c in layers.CHECKS} - set(errors)


@pytest.mark.slow
def test_demo_cells_run_on_the_key():
    assert _run_notebook(la.fill(la.answer("key")), demos=True) == {}


def test_numpy_checks_answer_from_a_process_where_torch_cannot_load():
    """As the NumPy worker does: the notebook's cells and the probes run with torch refused; only plain
    data comes back, and the grader's judgement of it gives the key full marks."""
    numpy_checks = [c for c in layers.CHECKS if c.numpy_only]
    script = (
        "import sys; sys.path.insert(0, 'tests')\n"
        "from autograder.core.student import TorchFinder; sys.meta_path.insert(0, TorchFinder())\n"
        "import layers_answers as la\n"
        "from autograder.engine import probing\nfrom autograder.core import wire\n"
        "from autograder.assignments import layers\n"
        "from autograder.assignments.layers.blocks import rng_for\n"
        "ns, errors = la.namespace(la.fill(la.answer('key')))\n"
        "out = {c.name: probing.ask(c, ns, c.inputs(rng_for(c.name, 'worker'))) for c in layers.CHECKS if c.numpy_only}\n"
        "assert type(sys.modules.get('torch')).__name__ in ('_Poison', 'NoneType')\n"
        "sys.stdout.write(wire.dumps(out))\n")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert run.returncode == 0, run.stderr[-3000:]
    from autograder.core import wire
    from autograder.assignments.layers.blocks import rng_for
    answers = wire.loads(run.stdout)
    assert set(answers) == {c.name for c in numpy_checks}
    for c in numpy_checks:
        v = c.decide(c.inputs(rng_for(c.name, "worker")), answers[c.name])
        assert v.passed, v.message


# ---------------------------------------------------------------- the vanishing-gradient property

def _medians(make_deep_net, groups: int, act: str, init: str) -> list[float]:
    rng = np.random.default_rng(11)
    out = []
    for g in range(groups):
        X = [rng.normal(size=(16, 32)) for _ in range(part5_flow.SEEDS)]
        y = [rng.integers(0, 2, (16, 1)).astype(float) for _ in range(part5_flow.SEEDS)]
        nets = [part5_flow.describe_net(make_deep_net(act, init, np.random.default_rng([g, i])))
                for i in range(part5_flow.SEEDS)]
        out.append(float(np.median(part5_flow.ratios(nets, X, y))))
    return out


def test_vanishing_property_holds_with_margin_over_50_runs():
    """The check's medians, for 50 fresh groups of 20 networks from the key: far from both thresholds."""
    ns, _ = la.namespace(la.fill(la.answer("key")))
    sig = _medians(ns["make_deep_net"], 50, "sigmoid", "torch_default")
    relu = _medians(ns["make_deep_net"], 50, "relu", "he")
    margin_sig, margin_relu = part5_flow.SIGMOID_BELOW / max(sig), min(relu) / part5_flow.RELU_ABOVE
    print(f"\nsigmoid/torch_default medians in [{min(sig):.2g}, {max(sig):.2g}]: {margin_sig:.0f}x below "
          f"{part5_flow.SIGMOID_BELOW:g}; relu/he in [{min(relu):.2g}, {max(relu):.2g}]: {margin_relu:.1f}x above "
          f"{part5_flow.RELU_ABOVE:g}")
    assert margin_sig > 10 and margin_relu > 2


def test_reference_statistics_equal_torchs():
    """vanishing_property computes with the NumPy reference layers; they agree with the torch oracle."""
    from autograder.assignments.layers import oracle
    rng = np.random.default_rng(3)
    Ws = [rng.normal(size=(a, b)) / np.sqrt(a) for a, b in ((32, 32), (32, 32), (32, 1))]
    bs = [rng.normal(size=b) * 0.1 for b in (32, 32, 1)]
    X, y = rng.normal(size=(16, 32)), rng.integers(0, 2, (16, 1)).astype(float)
    for act in ("sigmoid", "relu"):
        mine = part5_flow.reference_stats(Ws, bs, act, X, y)
        theirs = [s["mean_abs"] for s in oracle.deep_net_stats(Ws, bs, act, X, y)]
        np.testing.assert_allclose(mine, theirs, rtol=1e-12)


@pytest.mark.skipif(not os.environ.get("LAYERS_TIMINGS"), reason="prints per-check timings when asked")
def test_print_per_check_timings():
    ns, _ = la.namespace(la.fill(la.answer("key")))
    for c in layers.CHECKS:
        start = time.monotonic()
        la.run(c.name, ns, submission="timing")
        print(f"{c.name:22s} {time.monotonic() - start:6.3f} s")
