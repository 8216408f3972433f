"""Fixtures several test files share."""
from __future__ import annotations

import importlib.util
import logging
import os

import pytest


@pytest.fixture(scope="session")
def dask_client():
    """A local Dask cluster of two single-threaded worker processes (each keeps a warm engine once a run
    registers), and a client of it. Needs the dask extra, which CI installs."""
    if importlib.util.find_spec("distributed") is None:
        if os.environ.get("CI"):
            pytest.fail("Dask is not installed; .ci/run installs the dask extra")
        pytest.skip("needs the dask extra: pip install -e '.[dask]'")
    from distributed import Client, LocalCluster
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None, silence_logs=logging.ERROR)
    client = Client(cluster)
    client.wait_for_workers(2, timeout=120)
    yield client
    client.close()
    cluster.close()
