"""python -m autograder grade: one notebook to Gradescope results.json, or a folder of them to a CSV."""
from __future__ import annotations

from pathlib import Path

from ..engine.engine import Limits

HELP = {"grade": "grade one notebook (Gradescope results.json) or every notebook below a folder"}


def configure(p, name: str) -> None:
    p.add_argument("path", type=Path, help="a submitted notebook, or a folder of them (nbgrader's submitted/ too)")
    p.add_argument("--results", type=Path, help="where to write results.json for a single notebook")
    p.add_argument("--assignment", metavar="NAME", help="the assignment (default: the one each notebook's "
                                                        "folder, file name or cells name)")
    p.add_argument("--jobs", type=int, default=None, help="submissions graded at once (default: the cores)")
    p.add_argument("--csv", type=Path, help="folder mode: one row per submission, written as each finishes")
    p.add_argument("--results-dir", type=Path, help="folder mode: a Gradescope-format JSON per submission")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    d = Limits()
    p.add_argument("--check-seconds", type=float, default=d.check_seconds, help="wall-clock limit of one check")
    p.add_argument("--submission-seconds", type=float, default=d.submission_seconds,
                   help="wall-clock limit of one submission, all checks together")
    p.add_argument("--memory-mb", type=int, default=d.memory >> 20, help="memory a submission may use")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="folder mode: grade on a Dask cluster, e.g. tls://host:8786, or local:N for N local "
                        "workers of --jobs each (needs the dask extra; see docs/scale-out.md)")
    p.add_argument("--shard-size", type=int, default=None,
                   help="with --scheduler: submissions sent to a worker together (default: from the run's size)")
    p.add_argument("--tls-ca-file", help="with --scheduler: the certificate authority of the cluster's TLS")
    p.add_argument("--tls-cert", help="with --scheduler: this client's TLS certificate")
    p.add_argument("--tls-key", help="with --scheduler: this client's TLS private key")
    p.add_argument("--unsafe-no-sandbox", action="store_true",
                   help="grade even where submissions cannot be isolated (they run with your rights); "
                        "recorded in every result")


REFUSED = 3         # the exit code when the sandbox cannot hold and grading was refused


def run(args) -> int:
    import sys

    from .. import assignments as registry
    from ..engine.engine import Engine, SandboxUnavailable
    from . import batch, results
    limits = Limits(check_seconds=args.check_seconds, submission_seconds=args.submission_seconds,
                    memory=args.memory_mb << 20)
    path = args.path
    out = args.results or Path("results.json")
    try:
        forced = registry.get(args.assignment) if args.assignment else None
    except KeyError as e:
        print(f"error: {e.args[0]}", file=sys.stderr)
        return 2
    items = batch.assign(batch.find(path), forced, path) if path.is_dir() else batch.assign([(path.stem, path)], forced)
    if args.scheduler:
        return _on_cluster(args, items, limits, path)
    chosen = list(dict.fromkeys(a for _, _, a in items if a)) or list(registry.all().values())
    try:
        engine = Engine(chosen, limits, unsafe=args.unsafe_no_sandbox)
    except SandboxUnavailable as e:
        print(f"error: {e}", file=sys.stderr)
        if not path.is_dir():
            results.write_json(out, results.failed_results(f"Not graded: {e}"))
        return REFUSED
    except Exception as e:          # whatever went wrong, every submission still gets its row or file
        if not path.is_dir():
            results.write_json(out, results.failed_results(f"Grading could not run: {type(e).__name__}: {e}"))
        elif args.csv or args.results_dir:
            batch.record_failure(items, e, args.csv, args.results_dir)
        raise
    print(f"sandbox: {engine.sandbox}", file=sys.stderr)
    if path.is_dir():
        if args.results_dir:
            args.results_dir.mkdir(parents=True, exist_ok=True)
        with engine:
            try:
                batch.grade_all(engine, items, args.jobs or batch.default_jobs(), args.csv, args.results_dir,
                                progress=not args.no_progress)
            except KeyboardInterrupt:
                return 130
        return 0
    student, path, a = items[0]
    if a is None:
        with engine:
            report = batch._unknown(student, path, engine.sandbox)
        results.write_json(out, results.failed_results(report.notes[0]))
        print(f"{student}: {report.notes[0]}", file=sys.stderr)
        return 0
    try:
        with engine:
            report = engine.grade(path, a)
    except Exception as e:          # the file is always written, whatever went wrong
        results.write_json(out, results.failed_results(f"Grading could not run: {type(e).__name__}: {e}"))
        raise
    results.write_json(out, results.gradescope(report))
    print(f"{report.student}: {report.score:g} / {report.max_score:g} -> {out}")
    return 0


def _on_cluster(args, items, limits: Limits, path: Path) -> int:
    import sys
    if not path.is_dir():
        print("error: --scheduler grades a folder of submissions; grade a single notebook without it.",
              file=sys.stderr)
        return 2
    try:
        from . import cluster
    except ImportError as e:
        print(f"error: --scheduler needs Dask ({e}); install the extra: pip install -e '.[dask]'", file=sys.stderr)
        return 2
    if args.results_dir:
        args.results_dir.mkdir(parents=True, exist_ok=True)
    try:
        client, local = cluster.connect(args.scheduler, args.jobs, cluster.security(args))
    except Exception as e:      # the scheduler cannot be reached: every submission still gets its row
        from . import batch
        hint = " (a tls:// scheduler wants --tls-ca-file, --tls-cert and --tls-key, or Dask's TLS configuration)" \
            if args.scheduler.startswith("tls://") and not args.tls_cert else ""
        why = f"cannot reach the scheduler {args.scheduler}{hint}: {type(e).__name__}: {e}"
        if args.csv or args.results_dir:
            batch.record_failure(items, e, args.csv, args.results_dir, why=why)
        print(f"error: {why}", file=sys.stderr)
        return 1
    try:
        return cluster.grade_all(client, items, limits=limits, unsafe=args.unsafe_no_sandbox, csv_path=args.csv,
                                 results_dir=args.results_dir, progress=not args.no_progress,
                                 shard_size=args.shard_size)
    finally:
        client.close()
        if local:
            local.close()
