"""nbgrader preprocessors of this package."""
from __future__ import annotations

import atexit
import tempfile
import textwrap
import threading
from pathlib import Path

import nbformat
from nbformat.v4 import new_output
from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor
from traitlets import Bool, Integer, default

from ..core.assignment import META
from . import nbgrader_ahead


class HideHiddenTests(ClearHiddenTests):
    """For feedback: hidden test regions leave the test cells, and a failed test shows its message only
    (a traceback would quote the cell's lines, hidden ones included)."""

    enforce_metadata = False

    def preprocess_cell(self, cell, resources, cell_index):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if utils.is_grade(cell) and not utils.is_solution(cell) and cell.cell_type == "code":
            for out in cell.outputs:
                if out.output_type == "error":
                    out.traceback = [f"{out.ename}: {out.evalue}"]
        return cell, resources


_engine = None
_refusal = None
_early = None           # (set when the engine started before the first notebook is up, what it got)
_ahead = None           # (the converter of the run, its Ahead)
_exit_registered = False


def start_engine_early() -> None:
    """Start the engine's warm workers (other processes) while nbgrader itself starts up; the first notebook
    then finds them ready. The course's config calls this in `nbgrader autograde`."""
    global _early
    if _early is not None or _engine is not None:
        return
    done, got = threading.Event(), {}

    def start():
        try:
            got["engine"] = _new_engine(unsafe=False)
        except BaseException as e:      # told at the first notebook, as if started there
            got["error"] = e
        finally:
            done.set()
    _early = (done, got)                # an Event: a join interrupted by Ctrl-C may not wait again
    _close_at_exit()
    threading.Thread(target=start, name="engine-start", daemon=True).start()


def _new_engine(unsafe: bool):
    from .. import assignments
    from ..engine.engine import Engine
    return Engine(list(assignments.all().values()), unsafe=unsafe)


def _close_at_exit() -> None:
    """At the end of the process (Ctrl-C included), stop grading ahead, the engine and its workers."""
    global _exit_registered

    def close():
        ahead = _ahead[1] if _ahead else None
        if ahead:
            ahead.stop()
        if _early is not None:
            _early[0].wait(60)          # a start under way ends, then its workers are stopped
            if "engine" in _early[1]:
                _early[1]["engine"].close()
        if _engine is not None:
            _engine.close()
        if ahead:                       # their jobs were stopped: no thread still grades at shutdown
            ahead.join(10)
    if not _exit_registered:
        _exit_registered = True
        atexit.register(close)


def _shared_engine(unsafe: bool, log):
    """One warm engine for the whole autograde run. Raises SandboxUnavailable where submissions cannot be
    isolated, unless `unsafe`."""
    global _engine, _refusal
    from ..engine.engine import SandboxUnavailable
    if _refusal is not None:
        raise _refusal
    if _engine is not None:
        return _engine
    try:
        engine = _started_early(unsafe) or _new_engine(unsafe)
    except SandboxUnavailable as e:
        _refusal = e
        log.error("%s", e)
        raise
    _engine = engine
    _close_at_exit()
    log.info("sandbox: %s", engine.sandbox)
    return engine


def _started_early(unsafe: bool):
    """The engine start_engine_early started, when it is the one asked for (raising its refusal); None to
    start one now."""
    global _early
    from ..engine.engine import SandboxUnavailable
    if _early is None:
        return None
    done, got = _early
    done.wait()
    _early = None
    if "engine" in got:
        if not unsafe:
            return got["engine"]
        got["engine"].close()           # grading without isolation was asked for: started again so
        return None
    if isinstance(got.get("error"), SandboxUnavailable) and not unsafe:
        raise got["error"]
    return None                         # any other failure shows again when started now


def _wrapped(message: str) -> str:
    """Lines that fit a feedback page without scrolling sideways."""
    return "\n".join(textwrap.fill(line, 110, subsequent_indent="  ") for line in message.splitlines())


class EngineExecute(NbGraderPreprocessor):
    """In place of nbgrader's Execute during autograde: the engine grades the notebook in its sandbox, and
    each test cell's output becomes its check's verdict (an error output when it failed), so nbgrader's
    gradebook, feedback and export read the engine's grades. Student code never runs in nbgrader's kernel.
    Where submissions cannot be isolated it refuses to grade, unless `unsafe_no_sandbox` is set."""

    unsafe_no_sandbox = Bool(False, help="Grade even where submissions cannot be isolated (they run with "
                                         "your rights); recorded with every grade.").tag(config=True)

    jobs = Integer(help="Submissions graded at once. With more than one, the first notebook of a run starts "
                        "grading the run's other submissions ahead of nbgrader's one-at-a-time loop; 1 grades "
                        "each in the loop. Default: the cores.").tag(config=True)

    @default("jobs")
    def _default_jobs(self):
        from .batch import default_jobs
        return default_jobs()

    def preprocess(self, nb, resources):
        from .. import assignments
        info = resources.get("nbgrader", {})
        student = info.get("student", "student")
        known = assignments.all()
        a = known.get(info.get("assignment")) or assignments.infer(Path(info.get("assignment") or "."), nb)
        if a is None:
            raise ValueError("cannot tell which assignment this notebook belongs to")
        engine = _shared_engine(self.unsafe_no_sandbox, self.log)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / a.notebook
            nbformat.write(nb, path)
            report = self._graded_ahead(engine, path, a, info) or engine.grade(path, a, student)
        verdicts = {v.check: v for v in report.verdicts}
        for cell in nb.cells:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if cell.cell_type != "code":
                continue
            if gid in verdicts and utils.is_grade(cell) and not utils.is_solution(cell):
                v = verdicts[gid]
                text = _wrapped(v.message)
                cell.outputs = [new_output("stream", name="stdout", text=text + "\n")] if v.passed else [
                    new_output("error", ename="CheckFailed", evalue=text, traceback=[text])]
            errors = [n.split(": ", 2)[-1] for n in report.notes if f"cell {gid}:" in n]
            if errors and gid not in a.by_name:
                cell.outputs = [new_output("stream", name="stdout", text=f"When graded, this cell failed: "
                                                                         f"{errors[0]}\n")]
        nb.metadata[META] = {"flags": report.flags, "notes": report.notes, "sandbox": report.sandbox,
                                   "tags": {v.check: v.tag for v in report.verdicts if not v.passed}}
        if report.flags or report.notes:
            self.log.info("%s: %s", student, "; ".join(report.flags + report.notes)[:500])
        return nb, resources

    def _graded_ahead(self, engine, path: Path, a, info: dict):
        """This notebook's report if it was graded ahead from the same cells, else None. The first notebook of
        a run starts grading the run's submissions, its own included; nothing here may stop nbgrader's run."""
        global _ahead
        if self.jobs <= 1:
            return None
        try:
            converter = self.parent.parent if self.parent is not None else None
            if _ahead is None or _ahead[0] is not converter:     # the first notebook of this run
                if _ahead is not None and _ahead[1] is not None:
                    _ahead[1].stop()
                _ahead = (converter, None)                      # tried once per run, even if it fails
                _ahead = (converter, self._start_ahead(engine, converter, info))
            ahead = _ahead[1]
            if ahead is None:
                return None
            fp = nbgrader_ahead.fingerprint(path, a)
            return ahead.take((info.get("student"), info.get("assignment"), info.get("notebook")), fp)
        except Exception as e:
            self.log.warning("grading ahead failed (%s: %s); grading in turn", type(e).__name__, e)
            return None

    def _start_ahead(self, engine, converter, info: dict):
        from nbgrader.converters import Autograde
        from .. import assignments
        if not isinstance(converter, Autograde):        # run by something else than nbgrader autograde
            return None
        items = nbgrader_ahead.visits(converter, (info.get("student"), info.get("assignment")), assignments.all())
        if len(items) < 2:                              # nothing to overlap
            return None
        self.log.info("grading %d submissions, %d at a time, ahead of nbgrader's loop", len(items), self.jobs)
        return nbgrader_ahead.Ahead(engine, items, self.jobs, self.log)
