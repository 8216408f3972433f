"""The package's layers, read from its source: imports point one way, and only an assignment's own folder
names that assignment."""
import ast
from pathlib import Path

import pytest

from autograder import assignments

PACKAGE = Path(__file__).resolve().parent.parent / "autograder"
# layer -> the layers it may import from (besides itself and the standard library and third parties)
ALLOWED = {"core": set(), "assignments": {"core"}, "engine": {"core"},
           "doors": {"core", "engine", "assignments"}, "top": {"core", "engine", "assignments", "doors"}}


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in ALLOWED and parts[1] != "top":
        return parts[1]
    if len(parts) > 1 and parts[1] == "assignments":
        return "assignments"
    return "top"              # autograder/__init__, __main__ (the command line), incell (the hidden test cells)


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        yield name, path, rel.name == "__init__"


def imports(name: str, path: Path, is_package: bool):
    """Every module of this package that `name` imports, relative imports resolved."""
    tree = ast.parse(path.read_text())
    here = name.split(".") if is_package else name.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = here[:len(here) - node.level + 1] if node.level else []
            mod = ".".join(base + ([node.module] if node.module else []))
            targets = [mod] + [f"{mod}.{a.name}" for a in node.names]
        else:
            continue
        for t in targets:
            if t == "autograder" or t.startswith("autograder."):
                yield node.lineno, t


def test_there_are_four_layers_and_each_module_sits_in_one():
    found = {layer(name) for name, _, _ in modules()}
    assert {"core", "engine", "assignments", "doors"} <= found
    top = sorted(name for name, _, _ in modules() if layer(name) == "top")
    assert top == ["autograder", "autograder.__main__", "autograder.incell"]


def test_imports_point_down_only():
    wrong = []
    for name, path, is_package in modules():
        mine = layer(name)
        for line, target in imports(name, path, is_package):
            theirs = layer(target)
            if theirs != mine and theirs not in ALLOWED[mine] and target != "autograder":
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {mine} imports {target} ({theirs})")
    assert not wrong, "\n".join(wrong)


def test_one_assignment_never_imports_another():
    wrong = []
    for name, path, is_package in modules():
        parts = name.split(".")
        if len(parts) < 3 or parts[1] != "assignments":
            continue
        for line, target in imports(name, path, is_package):
            t = target.split(".")
            if len(t) > 2 and t[1] == "assignments" and t[2] != parts[2]:
                wrong.append(f"{path}:{line}: {target}")
    assert not wrong, wrong


@pytest.mark.parametrize("a", sorted(assignments.all()))
def test_only_an_assignments_folder_names_it(a):
    """No string, name or import outside autograder/assignments/<a>/ is the assignment's name, its notebook's
    name or its package."""
    wrong = []
    for name, path, _ in modules():
        if name.startswith(f"autograder.assignments.{a}"):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            text = None
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
            elif isinstance(node, ast.Name):
                text = node.id
            elif isinstance(node, ast.alias):
                text = node.name
            elif isinstance(node, ast.ImportFrom):
                text = node.module or ""
            if text is None:
                continue
            if text == a or f"{a}.ipynb" in text or f"assignments.{a}" in text or f"/{a}/" in text:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{getattr(node, 'lineno', '?')}: {text[:60]!r}")
    for path in sorted((PACKAGE / "doors" / "gradescope_bundle").iterdir()):
        if a in path.read_text():
            wrong.append(f"{path.relative_to(PACKAGE.parent)}: names {a}")
    assert not wrong, "\n".join(wrong)


def test_the_guard_catches_a_wrong_import(tmp_path):
    """The import check itself: an engine module importing a door, or an assignment importing the engine."""
    bad = tmp_path / "bad.py"
    bad.write_text("from ..doors import report\nfrom autograder.engine import probing\n")
    found = [t for _, t in imports("autograder.engine.bad", bad, False)]
    assert found == ["autograder.doors", "autograder.doors.report", "autograder.engine", "autograder.engine.probing"]
    assert "doors" not in ALLOWED[layer("autograder.engine.bad")]
    assert "engine" not in ALLOWED[layer("autograder.assignments.x.checks")]
