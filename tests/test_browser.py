"""The student's experience in a real browser: JupyterLab, Run All Cells, and nbgrader's Validate button.

A private JupyterLab (this environment's Python, 127.0.0.1 only) serves two copies of the release notebook:
one filled with the answer key, one with the seeded bug bug_missing_inv_B. Debian's Chromium, driven by
Playwright, runs every cell through the Run menu and clicks Validate, as a student would before submitting.
Screenshots go to build/artifacts/.
"""
from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from browser_helpers import (CHROMIUM, CHROMIUM_ARGS, JupyterLab, cell, cell_index, close_dialog,
                                   open_notebook, run_all_cells, student_notebook, validate, wait_until_executed)

pytestmark = pytest.mark.browser

if not CHROMIUM.exists():
    pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)",
                allow_module_level=True)
sync_playwright = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright").sync_playwright

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "build" / "artifacts"
STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
NOTEBOOKS = {"correct": "key", "bug_missing_inv_B": "bug_missing_inv_B"}     # folder -> answer file


def ok_messages(nb) -> dict[int, str]:
    """For each visible test cell, the fixed start of the message it prints when it passes."""
    found = {}
    for i, c in enumerate(nb.cells):
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade"):
            printed = re.findall(r'print\(f?"([^"{]+)', c.source)
            assert printed, f"test cell {c.metadata.nbgrader['grade_id']} prints nothing"
            found[i] = printed[-1]
    return found


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory):
    """{folder: (path relative to the server root, notebook)}, each notebook written as backprop.ipynb."""
    root = tmp_path_factory.mktemp("lab-root")
    out = {}
    for folder, answer in NOTEBOOKS.items():
        nb = student_notebook(answer)
        (root / folder).mkdir()
        nbformat.write(nb, root / folder / "backprop.ipynb")
        out[folder] = (f"{folder}/backprop.ipynb", nb)
    return root, out


@pytest.fixture(scope="module")
def lab(notebooks, tmp_path_factory, request):
    root, _ = notebooks
    server = JupyterLab(root=root, home=tmp_path_factory.mktemp("lab-home"))

    def stop():
        server.stop()
        if server.log and server.log.exists():
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(server.log, ARTIFACTS / "browser_jupyterlab.log")
    request.addfinalizer(stop)

    specs = server.kernelspecs()
    assert "python3" in specs, f"no python3 kernelspec: {sorted(specs)}"
    assert Path(specs["python3"]["resource_dir"]).is_relative_to(sys.prefix), (
        f"the python3 kernelspec is not this environment's: {specs['python3']['resource_dir']}")
    server.start()
    return server


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    pg = context.new_page()
    failed_before = request.session.testsfailed
    yield pg
    if request.session.testsfailed > failed_before:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=ARTIFACTS / f"browser_FAILED_{request.node.name}.png")
    context.close()


def shot(page_or_locator, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page_or_locator.screenshot(path=path)
    return path


def assert_kernel_is_this_python(lab: JupyterLab, path: str) -> None:
    sessions = [s for s in lab.api("sessions") if s["path"] == path]
    assert len(sessions) == 1, f"expected one kernel session for {path}, found {lab.api('sessions')}"
    kernel = sessions[0]["kernel"]
    assert kernel["name"] == "python3"
    argv = lab.kernel_command(kernel["id"])
    assert argv, f"no process found for kernel {kernel['id']}"
    venv_bin = Path(sys.executable).parent          # .venv/bin/python3: the server runs from jupyter-lab's shebang
    assert Path(argv[0]).parent == venv_bin and Path(argv[0]).name.startswith("python"), (
        f"the kernel runs {argv[0]}, not this environment's Python in {venv_bin}")
    assert "ipykernel_launcher" in argv, argv


def test_correct_notebook_runs_clean_and_validates(lab, notebooks, page):
    path, nb = notebooks[1]["correct"]
    panel = open_notebook(page, lab, path, len(nb.cells))
    assert_kernel_is_this_python(lab, path)

    run_all_cells(page, panel)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    wait_until_executed(page, panel, code)

    errors = panel.locator(STDERR)
    assert errors.count() == 0, f"error output after Run All: {errors.all_text_contents()}"
    assert "Traceback" not in "\n".join(panel.locator(".jp-OutputArea-output").all_text_contents())

    messages = ok_messages(nb)
    assert len(messages) == 26 and {"backward shapes: ok", "held-out accuracy: "} <= set(messages.values())
    for i, message in messages.items():
        printed = "\n".join(cell(panel, i).locator(".jp-OutputArea-output").all_text_contents())
        assert message in printed, f"{nb.cells[i].metadata.nbgrader['grade_id']}: printed {printed!r}"

    plots = cell(panel, cell_index(nb, "plots"))
    image = plots.locator(".jp-OutputArea-output img")
    image.wait_for(state="visible")
    assert image.evaluate("img => img.complete && img.naturalWidth > 300 && img.naturalHeight > 100")
    image.scroll_into_view_if_needed()
    shot(page, "browser_correct_after_run_all.png")

    dialog = validate(page, panel)
    message = dialog.locator("#validation-message")
    shot(page, "browser_correct_validate.png")
    assert "nbgrader-SuccessDialog" in dialog.get_attribute("class")
    assert "validation-success" in message.get_attribute("class"), message.inner_text()
    assert "Success! Your notebook passes all the tests." in message.inner_text()
    close_dialog(dialog)


def test_missing_inv_B_shows_the_hint_and_fails_validation(lab, notebooks, page):
    path, nb = notebooks[1]["bug_missing_inv_B"]
    panel = open_notebook(page, lab, path, len(nb.cells))
    assert_kernel_is_this_python(lab, path)

    run_all_cells(page, panel)
    w2 = cell_index(nb, "backward_W2")
    wait_until_executed(page, panel, [i for i, c in enumerate(nb.cells[:w2 + 1]) if c.cell_type == "code"])

    target = cell(panel, w2)
    assert 'report_close("dW2 on the demo batch"' in target.locator(".jp-InputArea-editor").text_content()
    error = target.locator(STDERR)
    error.wait_for(state="attached")
    text = error.text_content()
    assert "AssertionError" in text and "dW2 on the demo batch" in text, text
    assert "B = 4 times too large" in text and "1/B factor missing" in text, text
    assert panel.locator(STDERR).count() == 1, "Run All should stop at the first failing test cell"
    for i, message in ok_messages(nb).items():       # the tests above it passed
        if i < w2:
            assert message in "\n".join(cell(panel, i).locator(".jp-OutputArea-output").all_text_contents())
    target.scroll_into_view_if_needed()
    shot(target, "browser_bug_missing_inv_B_dW2_message.png")

    dialog = validate(page, panel)
    message = dialog.locator("#validation-message")
    shot(page, "browser_bug_missing_inv_B_validate.png")
    text = message.inner_text()
    assert "nbgrader-ErrorDialog" in dialog.get_attribute("class")
    assert "validation-failed" in message.get_attribute("class"), text
    assert "The following cell failed:" in text and "dW2 on the demo batch" in text, text
    assert "B = 4 times too large" in text, text
    assert "Success!" not in text and "You did not provide a response" not in text, text
    hint = message.locator("pre", has_text="B = 4 times too large").first   # the first failed cell's error
    hint.evaluate("pre => pre.scrollIntoView({block: 'end'})")
    shot(page, "browser_bug_missing_inv_B_validate_hint.png")
    close_dialog(dialog)
