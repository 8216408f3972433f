"""A realistic demo class built from the answer files: about forty students with a roster."""
from __future__ import annotations

import csv
import random
from pathlib import Path

from . import submissions

FIRST = ("Ada Alan Barbara Claude Dana Edsger Frances Grace Hedy Ivan Jean Katherine Linus Margaret Niklaus Olga "
         "Peter Radia Sophie Tim Ursula Vint Wanda Xia Yann Zora Amir Bea Chen Dara Emeka Farah Goran Hana Ines "
         "Jonas Keiko Lena Mateo Nadia").split()
LAST = ("Lovelace Turing Liskov Shannon Scott Dijkstra Allen Hopper Lamarr Sutherland Sammet Johnson Torvalds "
        "Hamilton Wirth Ladyzhenskaya Naur Perlman Wilson Berners Franklin Cerf Holt Li LeCun Neumann Haddad Weber "
        "Wu Okafor Mensah Karimi Petrovic Sato Costa Berg Tanaka Novak Garcia Rahman").split()


def _merge(*names: str) -> submissions.Answer:
    """Answers combined: later files' cells win (bugs in different cells combine into a pair)."""
    parts = [submissions.parse(submissions.ANSWERS / f"{n}.py") for n in names]
    cells = {}
    for p in parts:
        cells |= p.cells
    return submissions.Answer("+".join(names), cells)


def _half_finished(upto: str) -> submissions.Answer:
    """The key's cells up to and including `upto`; the later answer cells left as released."""
    order = ["answer_activations", "answer_forward", "answer_backward", "answer_gradcheck", "answer_torch",
             "answer_training"]
    blank = submissions.parse(submissions.ANSWERS / "broken_blank.py").cells
    return submissions.Answer(f"half_finished_{upto}", {k: blank[k] for k in order[order.index(upto) + 1:]})


def plan() -> list[tuple[str, submissions.Answer]]:
    """(kind, answer) for every demo student, in a fixed order."""
    one = lambda n: submissions.parse(submissions.ANSWERS / f"{n}.py")
    correct = ["key", "style_layers", "style_einsum", "style_dataclass"]
    singles = ["bug_missing_inv_B", "bug_doubled_inv_B", "bug_sum_reduction", "bug_off_by_one_labels",
               "bug_relu_derivative", "bug_transposed", "bug_mutates_cache", "bug_naive_softmax", "bug_bias_mean",
               "bug_missing_dX", "bug_probs_into_ce", "bug_no_zero_grad", "bug_one_sided", "bug_loop_over_examples",
               "bug_torch_in_numpy", "bug_zero_init"]
    pairs = [("bug_naive_softmax", "bug_missing_inv_B"), ("bug_relu_derivative", "bug_no_zero_grad"),
             ("bug_one_sided", "bug_bias_mean"), ("bug_sum_reduction", "bug_zeroed_between_calls"),
             ("bug_leaky_relu", "bug_predict_probabilities")]
    broken = ["broken_syntax", "broken_missing", "broken_exception", "broken_wrong_types", "broken_blank"]
    hostile = ["hostile_patch_allclose", "hostile_fake_results", "hostile_infinite_loop", "hostile_child_process"]
    return ([("correct", one(n)) for n in correct + correct[:3]]
            + [("bug", one(n)) for n in singles]
            + [("two bugs", _merge(*p)) for p in pairs]
            + [("half finished", _half_finished(u)) for u in ("answer_forward", "answer_gradcheck")]
            + [("broken", one(n)) for n in broken]
            + [("hostile", one(n)) for n in hostile])


def build(course: Path, seed: int = 7) -> list[dict]:
    """Write submitted/<student>/backprop/backprop.ipynb for the class, and roster.csv. Returns the roster."""
    from .course import ASSIGNMENT, submit
    release = course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    rng = random.Random(seed)
    people = list(zip(FIRST, LAST))
    rng.shuffle(people)
    roster = []
    students = plan() + [("unreadable", None)]
    for (kind, answer), (first, last) in zip(students, people):
        sid = f"{first.lower()}.{last.lower()}"
        if answer is None:
            good = submissions.fill(submissions.parse(submissions.ANSWERS / "key.py"), release)
            import nbformat
            submit(course, sid, nbformat.writes(good)[:5000])            # a truncated upload
        else:
            submit(course, sid, submissions.fill(answer, release))
        roster.append({"id": sid, "first_name": first, "last_name": last, "email": f"{sid}@example.edu",
                       "demo_kind": kind, "demo_answer": answer.name if answer else "truncated file"})
    with open(course / "roster.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(roster[0]))
        w.writeheader()
        w.writerows(roster)
    return roster
