"""A tiny assignment used only by the package's tests: one function, two checks. It lives outside the package,
so it reaches the grader through BACKPROP_ASSIGNMENTS, and shows docs/writing-an-assignment.md works."""
from pathlib import Path

import numpy as np

from autograder.core.assignment import Assignment
from autograder.core.check import Check, Fail
from autograder.core.compare import expect, show

PART = "Part 1"


class Values(Check):
    def inputs(self, rng):
        return {"x": rng.normal(size=(int(rng.integers(2, 6)), int(rng.integers(2, 6))))}

    def probe(self, s, inp):
        return {"out": s.square(inp["x"])}

    def judge(self, inp, ans):
        if isinstance(ans["out"], np.ndarray) and ans["out"].shape == inp["x"].shape \
                and np.allclose(ans["out"], 2 * inp["x"]):
            raise Fail(f"square(x) doubled x instead of squaring it (received {show(ans['out'])}).", "doubled")
        expect("square(x)", ans["out"], inp["x"] ** 2)
        return ""


class Pure(Check):
    def inputs(self, rng):
        return {"x": rng.normal(size=5)}

    def probe(self, s, inp):
        x = inp["x"].copy()
        s.square(x)
        return {"after": x}

    def judge(self, inp, ans):
        if not np.array_equal(ans["after"], inp["x"]):
            raise Fail("square(x) changed its argument x.", "in_place")
        return ""


HINTS = {"doubled": "x ** 2 (or x * x) squares; 2 * x doubles.",
         "in_place": "return a new array: x * x, not x *= x."}

ASSIGNMENT = Assignment(
    name="squares", title="Squares", module=__name__, folder=Path(__file__).resolve().parent,
    course=Path(__file__).resolve().parents[2],
    checks=(Values("square_values", PART, "values", 1, uses=("square",)),
            Pure("square_pure", PART, "leaves x unchanged", 1, uses=("square",))),
    hints=HINTS, setup_cells=("setup",))
