"""What a check decides, and the base every check is built on."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import hints
from .outcome import Outcome, of_tag


@dataclass
class Verdict:
    check: str
    part: str
    title: str
    points: float
    max_points: float
    passed: bool
    message: str
    tag: str | None = None

    @property
    def outcome(self) -> Outcome:
        return of_tag(self.tag, self.passed)


class Fail(Exception):
    """Raised inside a judge: the answer is wrong, with a message and a misconception tag."""

    def __init__(self, message: str, tag: str = "wrong_value"):
        super().__init__(message)
        self.message, self.tag = message, tag


@dataclass
class Check:
    """One graded behaviour: inputs drawn by the grader, a probe run beside the student's code,
    and a judge run in the grader on the plain data the probe sent back."""

    name: str
    part: str
    title: str
    points: float
    numpy_only: bool = True
    uses: tuple[str, ...] = field(default_factory=tuple)   # student functions the probe calls
    hints: dict = field(default_factory=dict, repr=False)  # the assignment's misconception hints, by tag

    @property
    def kind(self) -> str:
        """The worker it is asked in: one where torch cannot load, or one with torch."""
        return "numpy" if self.numpy_only else "torch"

    def inputs(self, rng: np.random.Generator) -> dict:
        return {}

    def probe(self, student, inputs: dict) -> dict:
        raise NotImplementedError

    def judge(self, inputs: dict, answer: dict) -> str:
        """Return a short success note, or raise Fail."""
        raise NotImplementedError

    def verdict(self, passed: bool, message: str, tag: str | None = None) -> Verdict:
        return Verdict(self.name, self.part, self.title, self.points if passed else 0.0,
                       self.points, passed, message, tag)

    def decide(self, inputs: dict, answer: dict) -> Verdict:
        """Judge an answer (or the error the probe reported) into a Verdict."""
        err = answer.get("__error__") if isinstance(answer, dict) else {"text": "no answer came back"}
        if err is not None:
            err = err if isinstance(err, dict) else {}
            tag, text = hints.error_tag(err), str(err.get("text", "your code failed"))[:1000]
            return self.verdict(False, self.say(text, tag), tag)
        try:
            note = self.judge(inputs, answer)
        except Fail as f:
            return self.verdict(False, self.say(f.message, f.tag), f.tag)
        except Exception as e:          # what came back did not have the expected form
            return self.verdict(False, self.say(f"what your code returned could not be judged ({type(e).__name__}: "
                                                f"{str(e)[:200]}); check the return types the docstring asks for.",
                                                "wrong_type"), "wrong_type")
        return self.verdict(True, f"{self.part}, {self.title}: passed. {note}".strip())

    def say(self, text: str, tag: str | None) -> str:
        hint = self.hints.get(tag or "", hints.HINTS.get(tag or "", ""))
        if not hint and tag == "wrong_value":         # a check may name the likely cause of any wrong value
            hint = self.hints.get(f"wrong_value:{self.name}", "")
        return f"{self.part}, {self.title}: {text}" + (f"\nLikely cause: {hint}" if hint else "")
