"""Every check catches the bug it exists for, and passes correct answers written in other styles."""
import pytest

from autograder.core import hints
from autograder.doors import submissions
from helpers import BY_NAME, CHECKS, A

from helpers import verdicts

ANSWERS = submissions.all_answers(A)
CORRECT = [a.name for a in ANSWERS if not a.fails and not a.name.startswith(("broken_", "hostile_"))]
SEEDED = [(a.name, check, tag) for a in ANSWERS for check, tag in a.fails]


def test_there_are_ten_correct_answers_in_different_styles():
    assert "key" in CORRECT and len(CORRECT) >= 10, CORRECT


@pytest.mark.parametrize("name", CORRECT)
def test_correct_answer_gets_full_marks(name):
    failed = {k: v.message for k, v in verdicts(name).items() if not v.passed}
    assert not failed, failed


@pytest.mark.parametrize("name,check,tag", SEEDED, ids=[f"{n}-{c}" for n, c, _ in SEEDED])
def test_seeded_bug_fails_its_check_naming_the_misconception(name, check, tag):
    v = verdicts(name)[check]
    assert not v.passed and v.points == 0, v
    assert v.tag == tag, f"expected tag {tag}, got {v.tag}: {v.message}"
    assert v.message.startswith(f"{v.part}, {v.title}:"), v.message
    hint = A.hints.get(tag, hints.HINTS.get(tag))
    if hint:
        assert hint in v.message


@pytest.mark.parametrize("name", sorted({n for n, _, _ in SEEDED}))
def test_every_failing_message_ends_in_a_likely_cause(name):
    lost = {k: v.message for k, v in verdicts(name).items() if not v.passed}
    assert all("\nLikely cause: " in m for m in lost.values()), lost


def test_every_check_has_a_seeded_bug():
    assert {c for _, c, _ in SEEDED} >= set(BY_NAME), set(BY_NAME) - {c for _, c, _ in SEEDED}


@pytest.mark.parametrize("name", sorted({n for n, _, _ in SEEDED}))
def test_seeded_bug_loses_only_what_it_breaks(name):
    """A seeded bug still earns the checks its bug does not touch (partial credit works)."""
    v = verdicts(name)
    assert any(x.passed for x in v.values()), {k: x.message for k, x in v.items()}


def test_points_add_up_to_100():
    assert sum(c.points for c in CHECKS) == 100


def test_gradient_check_is_judged_against_the_students_own_forward():
    """A summed loss with a mean backward: a working gradient_check reports the mismatch, and earns its points."""
    v = verdicts("bug_forward_sum")
    assert not v["forward_loss"].passed and v["gradient_check"].passed, v["gradient_check"].message


def test_a_forged_payload_fails_only_the_checks_it_touches():
    v = verdicts("hostile_forged_array")
    assert not v["backward_W2"].passed and v["relu"].passed
    assert all(x.tag != "internal" for x in v.values())
