"""A check whose cost grows with the student's code decides early whether that code can finish in time.

Slow code is caught by the check's time limit, but only after waiting the whole limit, and it is told nothing
about why. Instead the probe first times growing pieces of the workload (for example train(..., iters=k) for
k = 3, 12, 48, ...) and stops at the first clear answer: code projected to fit the budget then runs the full
workload exactly as before; code projected past it is not run in full, and the judge fails it with what one
unit of work cost (`too_slow`). The time limit stays the net for code that hides its cost (it sleeps, or its
cost does not grow with the workload's size).

Costs are CPU seconds of the student's process: a machine busy with other gradings stretches wall time twice
or more, the CPU a computation needs by a fifth at most (measured on two busy cores), so the same code gets the
same decision on a loaded machine unless it sits at the budget's edge. The budget is a share of the check's
time limit: half of it, so that code inside the budget needs no more than the limit even where two gradings
share each core, while correct vectorised code costs a twentieth of it or less (0.3 to 0.5 s for backprop's
training on XOR) and the backprop answer that loops over the examples (6 to 7 s) still fits."""
from __future__ import annotations

import inspect
import random
from time import process_time as _cpu      # bound before any student code runs: replacing time.* changes nothing

import numpy as np

SHARE = 0.5                 # of the check's time limit that a check's workload may be projected to take
CHECK_SECONDS = 20.0        # the engine's default time limit of one check (the budget of in-cell runs)
FIRST, GROWTH = 3, 4        # the sizes timed: 3, 12, 48, 192, ...
SIZING_SECONDS = 1.0        # CPU the sizing may spend before it decides on what it has measured
NOISE, NOISE_FLOOR = 0.2, 0.002     # one measurement's error: relative, and absolute (seconds)

seconds = SHARE * CHECK_SECONDS     # the budget in force; the worker sets it from each job's limit


def set_limit(check_seconds: float | None) -> None:
    """Take the budget from the check's time limit (the engine's, for the job being graded)."""
    global seconds
    if isinstance(check_seconds, (int, float)) and check_seconds > 0:
        seconds = SHARE * float(check_seconds)


def default(fn, name: str, fallback: int) -> int:
    """The default of `fn`'s argument `name` (the full workload a call without it runs), else fallback."""
    try:
        value = inspect.signature(fn).parameters[name].default
    except (KeyError, TypeError, ValueError):
        return fallback
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else fallback


class Clock:
    """CPU seconds spent by the student's code of one check, so far (`now`: the clock read, CPU by default)."""

    def __init__(self, now=_cpu):
        self.spent, self.now = 0.0, now

    def run(self, fn, *args, **kwargs):
        start = self.now()
        try:
            return fn(*args, **kwargs)
        finally:
            self.spent += self.now() - start

    def affords(self, more: float) -> bool:
        """Whether `more` seconds of the same code still fit the budget."""
        return self.spent + more <= seconds


def size_up(run, full: int, clock: Clock | None = None) -> dict | None:
    """Time run(k) for growing k below `full` until the cost of run(full) is clear. Returns None when it fits
    the budget (or nothing clear came out: an exception, a cost that does not grow), else what was measured,
    as plain data for the judge. The sizing leaves NumPy's and Python's global random state as it found them,
    so code that draws from them gets the same numbers in the full run as without the sizing."""
    clock = clock or Clock()
    states = np.random.get_state(), random.getstate()
    sizes, costs = [], []
    try:
        k = FIRST
        while k < full:
            start = clock.spent
            clock.run(run, k)
            sizes.append(k)
            costs.append(clock.spent - start)
            found = _decide(sizes, costs, full)
            if found is not None:
                return found or None
            k *= GROWTH
            guess = costs[-1] * GROWTH                  # the next size, at the last one's cost per unit
            if guess > SIZING_SECONDS or sum(costs) + guess > 2 * SIZING_SECONDS:
                break
    except Exception:           # the full run reports it (or the time limit stops it) as it did before
        return None
    finally:
        np.random.set_state(states[0])
        random.setstate(states[1])
    if len(sizes) < 2:
        return None
    projected = _projected(sizes, costs, full)
    return _found(sizes, costs, full, projected) if projected > seconds else None


def _slope(sizes, costs) -> float:
    """Seconds per unit between the last two sizes: fixed costs cancel out, and so does what only the first
    call pays (an import, a cache filled)."""
    if len(sizes) < 2:
        return costs[-1] / sizes[-1]
    return max(0.0, (costs[-1] - costs[-2]) / (sizes[-1] - sizes[-2]))


def _projected(sizes, costs, n) -> float:
    """The cost of run(n), from the last size measured and the cost per unit."""
    return costs[-1] + _slope(sizes, costs) * (n - sizes[-1])


def _decide(sizes, costs, full) -> dict | bool | None:
    """False: fits for sure; a dict: too slow for sure; None: not clear yet."""
    k, t = sizes[-1], costs[-1]
    high = t * (1 + NOISE) + NOISE_FLOOR
    if high / k * full <= seconds:          # even its fixed cost counted once per unit, it fits
        return False
    if t > seconds:                         # a part of the workload already costs more than all of it may
        return _found(sizes, costs, full, _projected(sizes, costs, full))
    if len(sizes) >= 2:
        low = max(0.0, t * (1 - NOISE) - NOISE_FLOOR) - (costs[-2] * (1 + NOISE) + NOISE_FLOOR)
        if low / (k - sizes[-2]) * full > seconds:      # its cost per unit alone is past the budget
            return _found(sizes, costs, full, _projected(sizes, costs, full))
    return None


def _found(sizes, costs, full, projected) -> dict:
    return {"unit_seconds": _slope(sizes, costs), "projected": projected, "budget": seconds, "full": full,
            "sizes": list(sizes), "seconds": list(costs), "limit": seconds / SHARE}


def message(found: dict, call: str, unit: str, units: str) -> str:
    """What a judge says of code `size_up` found too slow: the cost of one unit, the projection, the budget."""
    per, full = float(found["unit_seconds"]), int(found["full"])
    projected, budget, limit = float(found["projected"]), float(found["budget"]), float(found["limit"])
    timed = ", ".join(str(int(k)) for k in found["sizes"])
    return (f"{call} takes {_duration(per)} of CPU per {unit} (timed with {timed} {units}), so its {full} {units} "
            f"would take about {projected:.0f} s, more than the {budget:g} s this check allows them "
            f"({SHARE:.0%} of its {limit:g} s limit); it was not run in full.")


def _duration(s: float) -> str:
    return f"{s * 1000:.3g} ms" if s < 1 else f"{s:.3g} s"
