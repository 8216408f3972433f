"""Slow code is decided by a budget, not by the time limit: the sizing's decisions on costs given exactly (a
clock that advances by what each call is said to cost), then answers far too slow, slow but within the budget,
and correct ones, through the real engine at its default limits (which grades its references as it starts)."""
from __future__ import annotations

import random

import nbformat
import numpy as np
import pytest

import layers_answers as la
from autograder.core import budget
from autograder.doors import submissions
from autograder.engine.engine import Engine, Limits
from helpers import A, verdicts


def sized(cost, full=3000):
    """size_up of a workload whose run(k) costs cost(k) seconds of a clock that only those calls advance."""
    now = [0.0]

    def run(k):
        now[0] += cost(k)
    clock = budget.Clock(now=lambda: now[0])
    return budget.size_up(run, full, clock), clock.spent


def test_correct_speed_fits_after_one_tiny_call():
    found, spent = sized(lambda k: 0.001 + k * 0.0001)          # 0.3 s for 3000 iterations
    assert found is None and spent < 0.01


def test_slow_code_inside_the_budget_fits():
    found, spent = sized(lambda k: 0.002 + k * 0.002)           # 6 s for 3000: the loop over the examples
    assert found is None and spent < budget.SIZING_SECONDS


def test_code_past_the_budget_is_found_within_about_a_second():
    found, spent = sized(lambda k: 0.005 + k * 0.01)            # 30 s for 3000
    assert found and spent < budget.SIZING_SECONDS
    assert found["full"] == 3000 and found["budget"] == budget.seconds
    assert found["projected"] == pytest.approx(30, rel=0.01) and found["unit_seconds"] == pytest.approx(0.01)
    text = budget.message(found, "`train(X, y)`", "iteration", "iterations")
    assert "10 ms of CPU per iteration" in text and "about 30 s" in text and f"{budget.seconds:g} s" in text


def test_a_first_call_that_pays_for_an_import_does_not_hide_the_cost():
    calls = []

    def cost(k):
        calls.append(k)
        return (0.2 if len(calls) == 1 else 0.0) + k * 0.008      # 24 s for 3000, after a 0.2 s import
    found, _ = sized(cost)
    assert found and found["projected"] == pytest.approx(24, rel=0.05)


def test_a_cost_that_does_not_grow_is_left_to_the_full_run():
    """train ignoring iters: every call costs the full run's 0.3 s; nothing says it would not fit."""
    found, spent = sized(lambda k: 0.3)
    assert found is None and spent <= 2 * budget.SIZING_SECONDS


def test_one_call_past_the_whole_budget_is_too_slow():
    found, _ = sized(lambda k: budget.seconds + 1)
    assert found and found["sizes"] == [budget.FIRST]


def test_an_exception_leaves_the_decision_to_the_full_run():
    def run(k):
        raise ZeroDivisionError("iters // 10 is 0")
    assert budget.size_up(run, 3000) is None


def test_the_sizing_leaves_global_random_state_as_it_was():
    np.random.seed(5)
    random.seed(5)
    budget.size_up(lambda k: (np.random.rand(k), random.random()), 3000)
    drawn = np.random.rand(), random.random()
    np.random.seed(5)
    random.seed(5)
    assert drawn == (np.random.rand(), random.random())


def test_the_budget_follows_the_check_limit():
    before = budget.seconds
    try:
        budget.set_limit(60)
        assert budget.seconds == budget.SHARE * 60
        budget.set_limit(None)
        assert budget.seconds == budget.SHARE * 60
    finally:
        budget.seconds = before
    assert Limits().check_seconds == budget.CHECK_SECONDS


def test_the_full_workload_is_read_from_the_signature():
    def train(X, y, hidden=8, lr=0.5, iters=5000, seed=0):
        pass
    assert budget.default(train, "iters", 3000) == 5000
    assert budget.default(lambda X, y, **kw: None, "iters", 3000) == 3000
    assert budget.default(None, "iters", 3000) == 3000


# ---------------------------------------------------------------- through the engine, at its default limits

BACKPROP = ["key", "bug_loop_over_examples", "bug_loop_nested"]
LAYERS = ["key", "bug_xor_plots_every_step"]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("slow")
    with Engine([A, la.A]) as engine:
        out = {}
        for a, names in ((A, BACKPROP), (la.A, LAYERS)):
            for name in names:
                path = folder / a.name / name / a.notebook
                path.parent.mkdir(parents=True)
                nbformat.write(submissions.fill(submissions.answer(a, name), a), path)
                out[a.name, name] = engine.grade(path, a, name)
        out["references"] = engine.references
    return out


def test_the_engine_graded_each_reference_solution_at_start(graded):
    """Its warm-up: the first submission does not pay for the judges' first use of torch."""
    refs = graded["references"]
    assert sorted(refs) == ["backprop", "layers"]
    assert all(r.score == r.max_score and not r.flags for r in refs.values()), \
        {n: [v.message for v in r.verdicts if not v.passed] for n, r in refs.items()}


@pytest.mark.parametrize("assignment,name", [("backprop", "bug_loop_nested"),
                                             ("layers", "bug_xor_plots_every_step")])
def test_code_far_too_slow_fails_as_too_slow_not_by_the_time_limit(graded, assignment, name):
    r = graded[assignment, name]
    v = next(v for v in r.verdicts if v.check == "train_xor")
    assert not v.passed and v.tag == "too_slow" and v.outcome.value == "failed", v.message
    assert "timeout" not in r.flags, r.flags
    assert "ms of CPU per" in v.message and "this check allows" in v.message and "Likely cause:" in v.message
    fails = dict(submissions.answer(A if assignment == "backprop" else la.A, name).fails)
    assert {x.check: x.tag for x in r.verdicts if not x.passed} == fails


@pytest.mark.parametrize("assignment,name", [("backprop", "key"), ("backprop", "bug_loop_over_examples"),
                                             ("layers", "key")])
def test_code_within_the_budget_keeps_its_verdicts(graded, assignment, name):
    """The same verdicts as the checks give in this process; the loop over the examples still trains."""
    r = graded[assignment, name]
    here = verdicts(name) if assignment == "backprop" else la.verdicts(name)
    assert {v.check: (v.passed, v.tag) for v in r.verdicts} == {k: (v.passed, v.tag) for k, v in here.items()}
    assert not r.flags, r.flags
    if name == "bug_loop_over_examples":
        assert [v.check for v in r.verdicts if not v.passed] == ["backward_vectorized"]


def test_other_seeds_skipped_for_lack_of_budget_are_said_and_keep_the_runs_own_tag():
    """A slow train whose default run falls short: the judge names that run's mistake and why no other seed
    was tried (the probe skips them when one more run would pass the budget)."""
    from autograder import incell
    from autograder.core import wire
    from autograder.core.rng import rng_for
    from autograder.engine import notebook, probing
    from helpers import BY_NAME, filled
    ns = {"__name__": "__main__"}
    with probing.quiet():
        notebook.execute(notebook.runnable_cells(filled("bug_zero_init"), A.demo_cells), ns)
    check = BY_NAME["train_xor"]
    inputs = check.inputs(rng_for("train_xor", "skipped"))
    answer = wire.loads(wire.dumps(probing.ask(check, ns, inputs)))
    answer |= {"runs": answer["runs"][:1], "skipped": {"run_seconds": 6.5, "budget": 10.0}}
    v = check.decide(inputs, answer)
    assert not v.passed and v.tag == incell.run("train_xor", ns, "skipped", A).tag == "no_learning"
    assert "Other seeds were not tried: one run of train took 6.5 s" in v.message
