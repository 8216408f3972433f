"""Grading ahead of nbgrader's loop: `nbgrader autograde` converts one submission at a time, so from its first
notebook on, background threads grade the submissions it will visit, in its order, with the same warm engine,
while it does its own bookkeeping. Its loop takes each verdict, used only if it is for exactly the notebook
nbgrader hands over."""
from __future__ import annotations

import collections
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..core.assignment import Assignment
from ..engine import notebook
from ..engine.engine import Engine, Report


def fingerprint(path: Path, a: Assignment) -> str:
    """What the engine grades of this file, read as Engine.grade reads it: the cells that run (the checks'
    inputs are seeded from them), or why none can run. Two files with one fingerprint get the same grading."""
    nb, problem = notebook.read(path, path.read_bytes() if path.is_file() else b"")
    if nb is None:
        return "unreadable: " + problem
    return notebook.cells_key(notebook.cells_of(nb, a))


@dataclass
class Item:
    student: str
    assignment: Assignment
    notebook: str           # nbgrader's notebook id: the file's name without .ipynb
    path: Path              # the file as submitted

    @property
    def key(self) -> tuple[str, str, str]:
        return self.student, self.assignment.name, self.notebook


def visits(converter, current: tuple[str, str], known: dict[str, Assignment]) -> list[Item]:
    """The notebooks this run of nbgrader autograde (0.9.6) grades from the submission (student, assignment)
    it is converting now on, in its order. It mirrors, without their side effects, the converter's choices:
    the submitted folders it found (the assignment, --student and --notebook filters), the students it
    excludes, those it skips as already autograded (unless --force or a newer submission), and the notebooks
    the gradebook does not know. Assignments of no known name are left to the loop."""
    cd = converter.coursedir
    pattern = cd.format_path(cd.submitted_directory, "(?P<student_id>.*)", "(?P<assignment_id>.*)", escape=True)
    found = []
    for folder in sorted(converter.assignments):      # nbgrader's own order
        m = re.match(pattern, folder)
        if m:
            found.append((m["student_id"], m["assignment_id"], sorted(converter.assignments[folder])))
    order = [(s, a) for s, a, _ in found]
    if current not in order:
        return []
    in_gradebook = _gradebook_notebooks(cd, {a for _, a, _ in found if a in known})
    items = []
    for student, aid, files in found[order.index(current):]:
        if aid not in known or ((student, aid) != current and not _will_convert(converter, student, aid, files)):
            continue
        for f in files:
            name = os.path.splitext(os.path.basename(f))[0]
            if name in in_gradebook.get(aid, {name}):
                items.append(Item(student, known[aid], name, Path(f)))
    return items


def _will_convert(converter, student: str, aid: str, files: list[str]) -> bool:
    """BaseConverter.init_destination's answer, without removing anything."""
    cd = converter.coursedir
    if cd.student_id_exclude and student in cd.student_id_exclude.split(","):
        return False
    dest = os.path.normpath(converter._format_dest(aid, student))
    if cd.notebook_id == "*":
        if not os.path.exists(dest):
            return True
    elif any(not os.path.exists(os.path.join(dest, os.path.splitext(os.path.basename(f))[0]
                                             + converter.exporter.file_extension)) for f in files):
        return True
    if converter.force:
        return True
    try:
        new = cd.get_existing_timestamp(cd.format_path(cd.submitted_directory, student, aid))
        old = cd.get_existing_timestamp(dest)
    except (Exception, SystemExit):     # nbgrader will say what is wrong when it gets there
        return False
    return new is not None and old is not None and new > old


def _gradebook_notebooks(cd, names: set[str]) -> dict[str, set[str]]:
    """Per assignment, the notebooks nbgrader grades (it skips files the gradebook does not know)."""
    from nbgrader.api import Gradebook, MissingEntry
    out = {}
    with Gradebook(cd.db_url, cd.course_id) as gb:
        for name in names:
            try:
                out[name] = {nb.name for nb in gb.find_assignment(name).notebooks}
            except MissingEntry:
                out[name] = set()
    return out


class Ahead:
    """`jobs` threads grade `items` in order with `engine`; `take` hands the loop each one's report."""

    def __init__(self, engine: Engine, items: list[Item], jobs: int, log):
        self.engine, self.log = engine, log
        self._queue = collections.deque(items)
        self._done: dict[tuple, tuple[str, Report] | None] = {}
        self._busy: set[tuple] = set()
        self._changed = threading.Condition()
        self._stopped = False
        self.threads = [threading.Thread(target=self._work, name=f"grade-ahead-{n}", daemon=True)
                        for n in range(min(jobs, len(items)))]
        for t in self.threads:      # daemon: they never keep the process alive; at its end, stop() and join()
            t.start()

    def _work(self) -> None:
        while True:
            with self._changed:
                if self._stopped or not self._queue:
                    return
                item = self._queue.popleft()
                self._busy.add(item.key)
            result = None
            try:
                result = self._grade(item)
            except Exception as e:      # the loop grades this one itself
                if not self._stopped:
                    self.log.warning("grading %s ahead failed (%s: %s); it is graded in turn", item.path,
                                     type(e).__name__, e)
            with self._changed:
                self._busy.discard(item.key)
                self._done[item.key] = result
                self._changed.notify_all()

    def _grade(self, item: Item) -> tuple[str, Report]:
        """The submitted file's bytes, read once, are both what is fingerprinted and what is graded."""
        data = item.path.read_bytes()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / item.assignment.notebook
            path.write_bytes(data)
            fp = fingerprint(path, item.assignment)
            return fp, self.engine.grade(path, item.assignment, item.student)

    def take(self, key: tuple[str, str, str], fp: str) -> Report | None:
        """The report graded ahead for this notebook, waiting for it; None when there is none or it was graded
        from other cells than `fp` (the caller then grades it now)."""
        with self._changed:
            while key in self._busy or any(i.key == key for i in self._queue):
                if not any(t.is_alive() for t in self.threads):     # stopped: nobody will grade it
                    return None
                self._changed.wait(1)
            result = self._done.pop(key, None)
        if result is None:
            return None
        graded_fp, report = result
        if graded_fp != fp:
            self.log.info("%s: the notebook nbgrader grades differs from the file graded ahead; grading it now",
                          key[0])
            return None
        return report

    def stop(self) -> None:
        """Start nothing more; what is being graded ends when the engine closes."""
        with self._changed:
            self._stopped = True
            self._queue.clear()
            self._changed.notify_all()

    def join(self, seconds: float) -> None:
        """Wait for the threads to end (after stop() and the engine's close), so that none still runs while
        the interpreter shuts down."""
        end = time.monotonic() + seconds
        for t in self.threads:
            t.join(max(0.0, end - time.monotonic()))
