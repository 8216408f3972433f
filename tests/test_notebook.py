"""The master notebook and what is generated from it."""
import inspect
import json
import re

import nbformat
import pytest

from autograder.assignments.backprop import problems
from autograder.doors import submissions
from helpers import A, BY_NAME, ROOT, filled

SOURCE = nbformat.read(A.source, 4)
RELEASE = nbformat.read(A.release, 4)
SOLUTIONS = ROOT / "solutions" / "backprop" / "backprop.ipynb"


def meta(cell):
    return cell.metadata.get("nbgrader", {})


def test_source_is_committed_clean_with_stable_ids():
    for cell in SOURCE.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.id
        assert cell.id == meta(cell)["grade_id"], "cell ids are the nbgrader grade ids"
    nbformat.validate(SOURCE)


def test_every_check_has_one_test_cell_with_its_points():
    tests = {meta(c)["grade_id"]: c for c in SOURCE.cells if meta(c).get("grade") and not meta(c).get("solution")}
    assert set(tests) == set(BY_NAME)
    for name, cell in tests.items():
        assert meta(cell)["points"] == BY_NAME[name].points, name
        assert cell.source.startswith('"""'), f"{name}: a test cell opens with a docstring saying what it checks"
        hidden = cell.source.split("### BEGIN HIDDEN TESTS")[1]
        assert f'check("{name}")' in hidden, name


def test_written_answers_are_graded_by_hand():
    written = [c for c in SOURCE.cells if c.cell_type == "markdown" and meta(c).get("grade")]
    assert len(written) == 4 and all(meta(c)["solution"] and meta(c)["points"] == 2 for c in written)


def test_release_holds_no_solution_and_no_hidden_test():
    text = json.dumps(RELEASE)
    for leak in ("BEGIN SOLUTION", "HIDDEN TESTS", "autograder", "dZ2 /= B", "np.maximum(Z, 0.0)"):
        assert leak not in text, leak
    stubs = sum(c.source.count("### BEGIN SOLUTION") for c in SOURCE.cells if c.cell_type == "code")
    assert stubs == 15 and text.count("raise NotImplementedError()") == stubs


def test_release_notebook_is_self_contained():
    imports = {m for c in RELEASE.cells if c.cell_type == "code"
               for m in re.findall(r"^\s*(?:import|from)\s+(\w+)", c.source, re.M)}
    assert imports <= {"numpy", "torch", "matplotlib"}, imports


def test_xor_generator_in_the_notebook_is_the_graders():
    helpers = next(c for c in SOURCE.cells if c.id == "helpers").source
    assert inspect.getsource(problems.make_xor) in helpers


def test_demo_cells_exist():
    assert set(A.demo_cells) <= {c.id for c in SOURCE.cells}


def test_solutions_are_the_executed_source():
    sol = nbformat.read(SOLUTIONS, 4)
    src = {c.id: c.source for c in SOURCE.cells}
    assert all(src[c.id] == c.source for c in sol.cells)
    outputs = [o for c in sol.cells if c.cell_type == "code" for o in c.outputs]
    assert any("image/png" in o.get("data", {}) for o in outputs), "the answer key shows its plots"
    assert not any(o.output_type == "error" for o in outputs)


@pytest.mark.parametrize("answer", ["key", "style_layers"])
def test_filling_an_answer_changes_only_answer_cells(answer):
    nb = filled(answer)
    for a, b in zip(nb.cells, RELEASE.cells):
        assert a.source == b.source or meta(b).get("solution"), a.id
