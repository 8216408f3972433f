"""Properties of the pieces the checks stand on, with hypothesis."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from autograder.assignments.backprop import oracle, problems
from autograder.core import wire
from helpers import A, BY_NAME, filled
from autograder.core.compare import close
from autograder.assignments.backprop.problems import GRAD_KEYS

seeds = st.integers(0, 2**32 - 1)
finite = st.floats(-1e6, 1e6, allow_nan=False, width=64)


@given(arrays(np.float64, array_shapes(max_dims=3, max_side=5), elements=finite))
def test_arrays_survive_the_wire_exactly(a):
    b = wire.roundtrip({"a": a, "nested": [a, {"x": a}]})
    assert np.array_equal(b["a"], a) and b["a"].dtype == np.float64 and np.array_equal(b["nested"][1]["x"], a)


def test_the_wire_turns_objects_into_type_names():
    class Sneaky(float):
        def __eq__(self, other):
            return True
    assert wire.roundtrip(Sneaky(1.0))["__type__"].endswith(".Sneaky")
    assert wire.roundtrip(object())["__type__"] == "builtins.object"


@settings(max_examples=40, deadline=None)
@given(seeds)
def test_problems_meet_the_conventions_the_notebook_states(seed):
    p = problems.problem(np.random.default_rng(seed))
    B, D = p["X"].shape
    H, C = p["params"]["W2"].shape
    assert len({B, D, H, C}) == 4 and B >= 2
    assert np.all(p["params"]["b1"] != 0) and np.all(p["params"]["b2"] != 0)
    assert np.abs(p["X"] @ p["params"]["W1"] + p["params"]["b1"]).min() > problems.Z1_MARGIN


@settings(max_examples=25, deadline=None)
@given(seeds)
def test_duplicating_the_batch_leaves_reference_parameter_gradients_unchanged(seed):
    p = problems.problem(np.random.default_rng(seed))
    once = oracle.run(p["X"], p["y"], p["params"])["grads"]
    twice = oracle.run(np.vstack([p["X"], p["X"]]), np.concatenate([p["y"], p["y"]]), p["params"])["grads"]
    for k in ("W1", "b1", "W2", "b2"):
        assert close(twice[k], once[k], 1e-12)


@settings(max_examples=25, deadline=None)
@given(seeds)
def test_softmax_is_shift_invariant(seed):
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(4, 5)) * 10
    assert close(oracle.softmax(Z + rng.normal(size=(4, 1)) * 100), oracle.softmax(Z), 1e-12)


@settings(max_examples=20, deadline=None)
@given(seeds)
def test_the_oracles_own_gradients_pass_every_gradient_check(seed):
    """The judge accepts the reference answer on any input it might draw."""
    for key in GRAD_KEYS:
        chk = BY_NAME[f"backward_{key}"]
        inp = chk.inputs(np.random.default_rng(seed))
        answer = wire.roundtrip({"has": True, "grad": oracle.run(inp["X"], inp["y"], inp["params"])["grads"][key]})
        assert chk.decide(inp, answer).passed


@settings(max_examples=20, deadline=None)
@given(seeds)
def test_no_misconception_model_passes_for_the_reference(seed):
    """Every modelled misconception differs from the reference, so naming one never hides a right answer."""
    p = problems.problem(np.random.default_rng(seed))
    ref = oracle.run(p["X"], p["y"], p["params"])["grads"]
    for tag, grads in oracle.misconceptions(p["X"], p["y"], p["params"]):
        assert any(not close(grads[k], ref[k]) for k in GRAD_KEYS), tag


def _namespace(name: str) -> dict:
    from autograder.engine import notebook
    if name not in _NAMESPACES:
        ns = {"__name__": "__main__"}
        notebook.execute(notebook.runnable_cells(filled(name), A.demo_cells), ns)
        _NAMESPACES[name] = ns
    return _NAMESPACES[name]


_NAMESPACES: dict = {}
QUICK = [c for c in BY_NAME.values() if c.name != "train_xor"]        # training on XOR has its own tests
sizes = st.lists(st.integers(2, 9), min_size=4, max_size=4, unique=True)     # B, D, H, C as the checks draw them


@settings(max_examples=5, deadline=None)
@given(sizes=sizes, seed=seeds, style=st.sampled_from(["key", "style_columns", "style_closure", "style_jacobian"]))
def test_a_correct_answer_passes_every_check_for_any_sizes_and_seed(sizes, seed, style):
    """Whatever B, D, H, C and inputs a check draws, a correct answer gets its points."""
    from autograder.engine import probing
    problems.FIXED_DIMS[:] = [tuple(sizes)]
    try:
        ns = _namespace(style)
        for i, chk in enumerate(QUICK):
            inputs = chk.inputs(np.random.default_rng([seed, i]))
            verdict = chk.decide(inputs, wire.roundtrip(probing.ask(chk, ns, inputs)))
            assert verdict.passed, (chk.name, verdict.message)
    finally:
        problems.FIXED_DIMS.clear()


def test_the_cache_probe_finds_arrays_in_every_form_the_notebook_allows():
    """Containers, objects, slots, closures, partials, bound methods, read-only mappings and object arrays."""
    import collections
    import functools
    import types

    from autograder.core.student import arrays_in

    a = np.arange(6.0).reshape(2, 3)

    class Slotted:
        __slots__ = ("Z1",)

        def __init__(self):
            self.Z1 = a

    class Layer:
        def __init__(self):
            self.out = a

        def backward(self):
            return self.out

    def closure():
        return a
    boxed = np.empty(2, dtype=object)
    boxed[0], boxed[1] = "label", a
    forms = [{"Z1": a}, (a,), [a], collections.namedtuple("Cache", "Z1")(a), types.MappingProxyType({"Z1": a}),
             collections.deque([a]), Slotted(), Layer(), Layer().backward, closure, lambda: a,
             functools.partial(lambda Z1: Z1, Z1=a), functools.partial(np.add, a), boxed, [[{"deep": (a,)}]]]
    for form in forms:
        assert any(x is a for x in arrays_in(form)), form


def test_a_float_is_one_number_as_the_notebook_states():
    import pytest

    from autograder.core.compare import number
    from autograder.core.check import Fail
    for value in (0.5, np.float64(0.5), np.array(0.5)):
        assert number(wire.roundtrip(value), "loss") == 0.5
    for value in (np.array([0.5]), np.array([[0.5]])):
        with pytest.raises(Fail):
            number(wire.roundtrip(value), "loss")
