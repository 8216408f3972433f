"""Throughput benchmark (not a test): run `python tests/benchmark.py [--n 24] [--quick | --no-kernel]`.

In one run, on the same submissions (correct answers in four styles and common bugs):
  1. nbgrader autograde executing notebooks in its kernel (BACKPROP_GRADING=kernel); with the engine's
     preprocessor grading in nbgrader's loop, one at a time (--EngineExecute.jobs=1), and grading ahead of
     it with --jobs workers (the course's default); and with no grading at all (nbgrader's own bookkeeping,
     the floor of any autograde through nbgrader),
  2. the engine, --jobs = the cores, and with one job (warm), and the grade command end to end (its start-up
     and exit included, as nbgrader's rows include theirs),
  3. the checks' own compute: the notebook's cells and every check run in this process, no isolation,
  4. the layers assignment through the same engine, one job, on as many of its submissions,
  5. with --scheduler local:N (or a scheduler's address): the same submissions on a Dask cluster, and for a
     local cluster the scaling from one worker to N (workers of one job each).
Prints submissions per minute for each and the ratios, so that a noisy shared machine still compares fairly."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograder import incell  # noqa: E402
from autograder.doors import batch, course, submissions  # noqa: E402
from autograder.engine import notebook, probing  # noqa: E402
from helpers import A, CHECKS, filled  # noqa: E402
from layers_answers import A as LAYERS  # noqa: E402
from autograder.engine.engine import Engine  # noqa: E402

MIX = ["key", "style_layers", "style_einsum", "style_dataclass", "bug_missing_inv_B", "bug_relu_derivative",
       "bug_naive_softmax", "bug_no_zero_grad", "bug_transposed", "bug_mutates_cache", "bug_one_sided",
       "bug_zero_init"]
LAYERS_MIX = ["key", "style_base_class", "style_einsum", "style_dataclass", "bug_bias_forgotten",
              "bug_transposed_dW", "bug_ln_dx_no_mean_term", "bug_same_dout", "bug_bce_on_probs", "bug_xavier_no_sqrt",
              "bug_clip_per_tensor", "bug_rebinds"]


def in_process(names: list[str]) -> float:
    cells = {n: notebook.runnable_cells(filled(n), A.demo_cells)
             for n in set(names)}
    start = time.perf_counter()
    for i, name in enumerate(names):
        ns = {"__name__": "__main__"}
        with probing.quiet():
            notebook.execute(cells[name], ns)
        for c in CHECKS:
            incell.run(c.name, ns, submission=f"{name}-{i}", assignment=A)
    return time.perf_counter() - start


def on_dask(scheduler: str, items) -> list[tuple[str, float]]:
    """Seconds to grade `items` on Dask, each cluster warmed first: for local:N one worker then N workers
    (of one job each); for an address, that cluster as it is."""
    import logging

    from distributed import Client, LocalCluster

    from autograder.doors import cluster
    from autograder.engine.engine import Limits

    def timed(client, label):
        grade = lambda its: cluster.grade_all(client, its, limits=Limits(), unsafe=False, csv_path=None,
                                              results_dir=None, progress=False)
        client.wait_for_workers(1)
        grade(items[:2 * len(client.nthreads())])         # every worker's engine starts and warms
        t = time.perf_counter()
        grade(items)
        return label, time.perf_counter() - t

    if not scheduler.startswith("local:"):
        with Client(scheduler) as client:
            return [timed(client, f"Dask at {scheduler}")]
    rows = []
    n = int(scheduler.split(":")[1])
    for workers in dict.fromkeys((1, n)):
        with LocalCluster(n_workers=workers, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
                          silence_logs=logging.ERROR) as lc, Client(lc) as client:
            client.wait_for_workers(workers)
            rows.append(timed(client, f"Dask, local cluster of {workers} worker(s)"))
    return rows


# nbgrader's own autograde steps with nothing graded: what any autograde through nbgrader costs at least
NO_GRADING = """
c.Autograde.autograde_preprocessors = ["nbgrader.preprocessors.LimitOutput", "nbgrader.preprocessors.SaveAutoGrades",
                                       "nbgrader.preprocessors.AssignLatePenalties"]
"""


def autograde(root: Path, *args: str) -> float:
    t = time.perf_counter()
    course.nbgrader("autograde", "backprop", "--force", *args, cwd=root)
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=24, help="submissions per method")
    ap.add_argument("--jobs", type=int, default=batch.default_jobs())
    ap.add_argument("--quick", action="store_true", help="leave out the nbgrader rows (the slow ones)")
    ap.add_argument("--no-kernel", action="store_true", help="leave out nbgrader's in-kernel row (the slowest)")
    ap.add_argument("--scheduler", help="also grade on Dask: local:N, or a scheduler's address")
    args = ap.parse_args()
    names = [MIX[i % len(MIX)] for i in range(args.n)]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        root = course.new_course(tmp / "course", [A])
        release = root / "release" / "backprop" / "backprop.ipynb"
        for i, name in enumerate(names):
            submissions.submit(root, A, f"s{i:03d}_{name}", filled(name, release))
        nbgrader_s = nbgrader_serial_s = nbgrader_ahead_s = nbgrader_floor_s = float("nan")
        if not args.quick:
            if not args.no_kernel:
                os.environ["BACKPROP_GRADING"] = "kernel"
                nbgrader_s = autograde(root)
                del os.environ["BACKPROP_GRADING"]
            nbgrader_serial_s = autograde(root, "--EngineExecute.jobs=1")
            nbgrader_ahead_s = autograde(root, f"--EngineExecute.jobs={args.jobs}")
            config = (root / "nbgrader_config.py").read_text()
            (root / "nbgrader_config.py").write_text(config + NO_GRADING)
            nbgrader_floor_s = autograde(root)
            (root / "nbgrader_config.py").write_text(config)
        layer_folder = tmp / "layers"
        for i in range(n := args.n):
            name = LAYERS_MIX[i % len(LAYERS_MIX)]
            (layer_folder / f"s{i:03d}_{name}" / "layers").mkdir(parents=True)
            nbformat.write(submissions.fill(submissions.answer(LAYERS, name), LAYERS),
                           layer_folder / f"s{i:03d}_{name}" / "layers" / "layers.ipynb")
        layer_items = batch.assign(batch.find(layer_folder), LAYERS)

        folder = root / "submitted"
        items = batch.assign(batch.find(folder), A)
        t = time.perf_counter()           # what an instructor waits for: start-up and exit included
        subprocess.run([sys.executable, "-m", "autograder", "grade", str(folder), "--jobs", str(args.jobs),
                        "--csv", str(tmp / "command.csv"), "--no-progress"], check=True, capture_output=True)
        command_s = time.perf_counter() - t
        t = time.perf_counter()
        engine = Engine([A, LAYERS])
        startup_s = time.perf_counter() - t
        with engine:
            batch.grade_all(engine, items[:2], 1, None, None, progress=False)     # first use warms the oracles
            batch.grade_all(engine, layer_items[:2], 1, None, None, progress=False)
            t = time.perf_counter()
            batch.grade_all(engine, items, args.jobs, None, None, progress=False)
            engine_s = time.perf_counter() - t
            t = time.perf_counter()
            batch.grade_all(engine, items, 1, None, None, progress=False)
            engine_1_s = time.perf_counter() - t
            t = time.perf_counter()
            batch.grade_all(engine, layer_items, 1, None, None, progress=False)
            layers_1_s = time.perf_counter() - t
        cluster_rows = on_dask(args.scheduler, items) if args.scheduler else []
    compute_s = in_process(names)

    def row(label: str, secs: float) -> None:
        print(f"{label:<44}{secs:>9.1f}{60 * n / secs:>12.1f}")

    print(f"\n{n} submissions, {os.cpu_count()} cores, engine --jobs {args.jobs}")
    print(f"{'method':<44}{'seconds':>9}{'per minute':>12}")
    row("nbgrader autograde (in-kernel)", nbgrader_s)
    row("nbgrader autograde, engine, one at a time", nbgrader_serial_s)
    row(f"nbgrader autograde, engine, {args.jobs} jobs ahead", nbgrader_ahead_s)
    row("nbgrader autograde, nothing graded (floor)", nbgrader_floor_s)
    row(f"engine, --jobs {args.jobs}", engine_s)
    row(f"the grade command, --jobs {args.jobs}, start-up included", command_s)
    row("engine, one job", engine_1_s)
    row("checks in this process (no isolation)", compute_s)
    row("layers: engine, one job", layers_1_s)
    for label, seconds in cluster_rows:
        row(label, seconds)
    print(f"engine start-up (two warm workers, once per run): {startup_s:.1f} s")
    print(f"throughput, engine / nbgrader: {nbgrader_s / engine_s:.1f}x")
    for label, secs in (("one at a time", nbgrader_serial_s), (f"{args.jobs} jobs ahead", nbgrader_ahead_s),
                        ("nothing graded", nbgrader_floor_s)):
        print(f"throughput, nbgrader autograde ({label}) / engine --jobs {args.jobs}: {engine_s / secs:.2f}"
              f" (/ the grade command, start-up included: {command_s / secs:.2f})")
    print(f"cost per submission, engine one job / checks in process: {engine_1_s / compute_s:.2f}x")
    print(f"cost per submission, layers / backprop (engine, one job): {layers_1_s / engine_1_s:.2f}x")
    if cluster_rows:
        print(f"throughput, {cluster_rows[-1][0].strip()} / engine --jobs {args.jobs}: "
              f"{engine_s / cluster_rows[-1][1]:.2f}x")
    if len(cluster_rows) == 2:
        print(f"scaling, Dask {args.scheduler} / one worker: {cluster_rows[0][1] / cluster_rows[1][1]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
