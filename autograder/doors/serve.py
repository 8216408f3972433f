"""python -m autograder worker ADDRESS: a Dask worker that grades with a warm engine (see docs/scale-out.md).

This module stays light: Dask is imported by the worker it starts, not here."""
from __future__ import annotations

import importlib.util
import os
import sys

HELP = {"worker": "serve a Dask scheduler as a grading worker with a warm engine (needs the dask extra)"}


def configure(p, name: str) -> None:
    p.add_argument("address", help="the scheduler, e.g. tls://scheduler.example.edu:8786")
    p.add_argument("--jobs", type=int, default=None, help="submissions graded at once (default: the cores)")
    p.add_argument("--name", help="the worker's name on the scheduler's dashboard")
    p.add_argument("--tls-ca-file", help="TLS: the certificate authority of the cluster's certificates")
    p.add_argument("--tls-cert", help="TLS: this worker's certificate")
    p.add_argument("--tls-key", help="TLS: this worker's private key")


def run(args) -> int:
    """Become a Dask worker (under its nanny, which restarts it if it dies) that preloads a warm engine."""
    from .batch import default_jobs
    if importlib.util.find_spec("distributed") is None:
        print("error: the worker needs Dask; install the extra: pip install -e '.[dask]'", file=sys.stderr)
        return 2
    argv = [sys.executable, "-m", "distributed.cli.dask_worker", args.address, "--nworkers", "1",
            "--nthreads", str(args.jobs or default_jobs()), "--preload", "autograder.doors.cluster",
            "--no-dashboard"]
    argv += ["--name", args.name] if args.name else []
    for flag, value in (("--tls-ca-file", args.tls_ca_file), ("--tls-cert", args.tls_cert),
                        ("--tls-key", args.tls_key)):
        argv += [flag, value] if value else []
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)
