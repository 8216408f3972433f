"""Helpers for tests/test_browser.py: a private JupyterLab server and a few JupyterLab page actions.

The server runs from this environment's Python, bound to 127.0.0.1, with its own config, data, runtime,
settings and workspace folders, so nothing from ~/.jupyter or ~/.local/share/jupyter leaks in and the first
start is the same on every machine.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from helpers import A, filled

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.M)


# ---------------------------------------------------------------- notebooks

def written_answers(source: Path = A.source) -> dict[str, str]:
    """The model answers of the four hand-graded markdown cells, from the master notebook."""
    nb = nbformat.read(source, 4)
    return {c.metadata.nbgrader["grade_id"]: _MARKER.sub("", c.source).strip() for c in nb.cells
            if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("solution")}


def student_notebook(answer_name: str) -> nbformat.NotebookNode:
    """The release notebook as a student hands it in: the answer file's code cells, and written answers.

    `submissions.fill` writes code cells only; nbgrader's Validate fails on an unanswered written cell
    ("You did not provide a response"), so the written cells get the master notebook's model answers.
    """
    nb = filled(answer_name)
    written = written_answers()
    for c in nb.cells:
        gid = c.metadata.get("nbgrader", {}).get("grade_id")
        if c.cell_type == "markdown" and gid in written:
            c.source = written[gid]
    return nb


def cell_index(nb: nbformat.NotebookNode, grade_id: str) -> int:
    for i, c in enumerate(nb.cells):
        if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return i
    raise KeyError(grade_id)


# ---------------------------------------------------------------- the server

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1))


@dataclass
class JupyterLab:
    """`python -m jupyter lab` serving `root`, its private folders under `home`."""
    root: Path
    home: Path
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    port: int = 0
    proc: subprocess.Popen | None = None
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        for var in ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH", "JUPYTER_PREFER_ENV_PATH", "PYTHONPATH"):
            env.pop(var, None)
        folders = {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data", "JUPYTER_RUNTIME_DIR": "runtime",
                   "JUPYTERLAB_SETTINGS_DIR": "lab-settings", "JUPYTERLAB_WORKSPACES_DIR": "lab-workspaces",
                   "IPYTHONDIR": "ipython"}
        for var, name in folders.items():
            (self.home / name).mkdir(parents=True, exist_ok=True)
            env[var] = str(self.home / name)
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
        return env

    def kernelspecs(self) -> dict:
        """`jupyter kernelspec list --json`, as the server sees it."""
        out = subprocess.run([sys.executable, "-m", "jupyter", "kernelspec", "list", "--json"], env=self.env(),
                             cwd=self.root, capture_output=True, text=True, check=True, timeout=60)
        return json.loads(out.stdout)["kernelspecs"]

    def _settings(self) -> None:
        """No news / update question on first start: it is a toast that would sit over the notebook."""
        _write_json(self.home / "lab-settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings",
                    {"fetchNews": "false", "checkForUpdates": False})

    def start(self, timeout: float = 60) -> None:
        env = self.env()
        self._settings()
        self.log = self.home / "jupyterlab.log"
        for attempt in range(3):             # a free port can be taken between free_port() and bind
            self.port = free_port()
            cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
                   f"--ServerApp.token={self.token}", "--ServerApp.ip=127.0.0.1", f"--port={self.port}",
                   "--ServerApp.port_retries=0", f"--ServerApp.root_dir={self.root}",
                   "--ServerApp.open_browser=False", "--KernelSpecManager.ensure_native_kernel=True"]
            with open(self.log, "ab") as log:
                self.proc = subprocess.Popen(cmd, cwd=self.root, env=env, stdout=log, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL, start_new_session=True)
            if self._wait_ready(timeout):
                return
            self.stop()
        raise RuntimeError(f"JupyterLab did not start; its log:\n{self.log_tail()}")

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2) as r:
                    if r.status == 200:
                        return True
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.2)
        return False

    def api(self, path: str):
        with urllib.request.urlopen(f"{self.url}/api/{path}?token={self.token}", timeout=10) as r:
            return json.load(r)

    def log_tail(self, n: int = 60) -> str:
        if not self.log or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])

    def stop(self) -> None:
        """SIGTERM (the server shuts its kernels down), then SIGKILL to the group this server leads."""
        if self.proc is None or self.proc.poll() is not None:
            self.proc = None
            return
        pgid = self.proc.pid                  # start_new_session: the server leads its own process group
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(pgid, signal.SIGKILL)   # whatever the server left behind (kernels)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.proc = None

    def kernel_command(self, kernel_id: str) -> list[str] | None:
        """The command line of the kernel process with this id (Linux /proc), or None."""
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                argv = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            argv = [a.decode(errors="replace") for a in argv if a]
            if any(a.endswith(f"kernel-{kernel_id}.json") for a in argv):
                return argv
        return None


# ---------------------------------------------------------------- the page

def dismiss_popups(page) -> None:
    """Close what a first start may show: the news toast, a kernel selection dialog."""
    toast_no = page.locator(".jp-Notification-Toast-default button", has_text=re.compile(r"^\s*No\s*$"))
    if toast_no.count():
        toast_no.first.click()
    dialog = page.locator(".jp-Dialog")
    if dialog.count() and dialog.locator("#validation-message").count() == 0:
        text = dialog.first.inner_text()
        if "Select Kernel" in text or "kernel" in text.lower():
            dialog.locator(".jp-Dialog-footer .jp-mod-accept").first.click()
            dialog.first.wait_for(state="detached", timeout=10_000)


def open_notebook(page, lab: JupyterLab, name: str, n_cells: int, timeout: float = 60_000):
    """Open <name> in a workspace of its own; returns the notebook panel once all cells are attached and the
    kernel is idle."""
    workspace = re.sub(r"\W", "-", name)
    page.goto(f"{lab.url}/lab/workspaces/{workspace}/tree/{name}?token={lab.token}")
    label = name.rsplit("/", 1)[-1]
    tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text=label).first
    tab.wait_for(timeout=timeout)
    panel = page.locator(f"#{tab.get_attribute('data-id')}")
    panel.locator(".jp-Notebook-cell").first.wait_for(timeout=timeout)
    dismiss_popups(page)
    page.wait_for_function(
        """([id, n]) => { const p = document.getElementById(id);
             return p && p.querySelectorAll('.jp-Notebook-cell').length === n; }""",
        arg=[tab.get_attribute("data-id"), n_cells], timeout=timeout)
    panel.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').wait_for(state="attached", timeout=timeout)
    dismiss_popups(page)
    return panel


def run_all_cells(page, panel) -> None:
    """Run → Run All Cells, through the menu bar."""
    panel.locator(".jp-Notebook").click(position={"x": 5, "y": 5})     # the notebook is the current widget
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
    item = page.locator('.lm-Menu-item[data-command="runmenu:run-all"]')
    item.wait_for(timeout=10_000)
    item.click()


_FINISHED = """([id, cells]) => {
    const p = document.getElementById(id);
    if (!p) return false;
    const ind = p.querySelector('.jp-Notebook-ExecutionIndicator');
    if (!ind || ind.getAttribute('data-status') !== 'idle') return false;
    const all = Array.from(p.querySelectorAll('.jp-Notebook-cell'));
    const prompt = c => (c.querySelector('.jp-InputPrompt') || {textContent: ''}).textContent.trim();
    if (all.some(c => c.classList.contains('jp-CodeCell') && prompt(c).includes('*'))) return false;
    return cells.every(i => all[i] && /^\\[\\d+\\]:$/.test(prompt(all[i])));
}"""


def wait_until_executed(page, panel, cells: list[int], timeout: float = 90_000) -> None:
    """Until the kernel is idle, no cell is queued or running, and each of `cells` shows an execution count."""
    page.wait_for_function(_FINISHED, arg=[panel.get_attribute("id"), cells], timeout=timeout)


def cell(panel, index: int):
    return panel.locator(".jp-Notebook-cell").nth(index)


def validate(page, panel, timeout: float = 120_000):
    """Click nbgrader's Validate toolbar button; returns the result dialog once it shows."""
    button = panel.locator(".jp-NotebookPanel-toolbar .validate-button")
    if not button.is_visible():            # a narrow toolbar moves items into its overflow menu
        panel.locator(".jp-Toolbar-responsive-opener").click()
        button = page.locator(".jp-Toolbar-responsive-popup .validate-button")
    button.click()
    dialog = page.locator(".jp-Dialog", has=page.locator("#validation-message"))
    dialog.wait_for(timeout=timeout)
    return dialog


def close_dialog(dialog) -> None:
    dialog.locator(".jp-Dialog-footer .jp-mod-accept").click()
    dialog.wait_for(state="detached", timeout=10_000)
