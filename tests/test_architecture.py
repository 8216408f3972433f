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


def names(a: str, tree) -> list[tuple[int, str]]:
    """Where a module's code names the assignment `a`: a string that is its name, its notebook's or its
    folder's, or an import of its package."""
    found = []
    for node in ast.walk(tree):
        text = None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        elif isinstance(node, ast.alias):
            text = node.name
        elif isinstance(node, ast.ImportFrom):
            text = node.module or ""
        if text is not None and (text == a or f"{a}.ipynb" in text or f"assignments.{a}" in text
                                 or f"/{a}/" in text):
            found.append((getattr(node, "lineno", 0), text))
    return found


@pytest.mark.parametrize("a", sorted(assignments.all()))
def test_only_an_assignments_folder_names_it(a):
    """No string or import outside autograder/assignments/<a>/ is the assignment's name, its notebook's
    name or its package."""
    wrong = []
    for name, path, _ in modules():
        if not name.startswith(f"autograder.assignments.{a}"):
            wrong += [f"{path.relative_to(PACKAGE.parent)}:{line}: {text[:60]!r}"
                      for line, text in names(a, ast.parse(path.read_text()))]
    for path in sorted((PACKAGE / "doors" / "gradescope_bundle").iterdir()):
        text = path.read_text()
        if f"{a}.ipynb" in text or f"/{a}" in text or f"*{a}*" in text:
            wrong.append(f"{path.relative_to(PACKAGE.parent)}: names {a}")
    assert not wrong, "\n".join(wrong)


def violations(name: str, path: Path, is_package: bool) -> list[str]:
    mine = layer(name)
    return [f"{path.name}:{line}: {mine} imports {target} ({layer(target)})"
            for line, target in imports(name, path, is_package)
            if layer(target) != mine and layer(target) not in ALLOWED[mine] and target != "autograder"]


def test_imports_point_down_only():
    wrong = [v for name, path, is_package in modules() for v in violations(name, path, is_package)]
    assert not wrong, "\n".join(wrong)


def test_the_guards_catch_what_they_exist_for(tmp_path):
    """The same checks, on modules written wrong on purpose: an engine module importing a door, an
    assignment importing the engine, and a door naming an assignment."""
    bad = tmp_path / "bad.py"
    bad.write_text("from ..doors import report\nfrom autograder.engine import probing\n")
    assert len(violations("autograder.engine.bad", bad, False)) == 2
    assert len(violations("autograder.assignments.x.checks", bad, False)) == 2
    assert violations("autograder.doors.bad", bad, False) == []
    assert names("squares", ast.parse("path = 'release/squares/squares.ipynb'\nname = 'squares'\n")) \
        == [(1, "release/squares/squares.ipynb"), (2, "squares")]
