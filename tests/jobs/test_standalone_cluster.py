"""The P-window job on a real Spark cluster: a standalone master and two workers on loopback,
started from the pyspark installation; spark-submit --master spark://... as users run it."""

import subprocess

import pytest

from sparkseis.spark.standalone import StandaloneCluster
from tests.support import REPO, free_port, spark_submit


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    # master, two workers, their web UIs: consecutive ports from a free one
    c = StandaloneCluster(
        tmp_path_factory.mktemp("cluster"), port=free_port(), webui_port=free_port(), workers=2, cores=1, memory="1g"
    )
    c.start()
    yield c
    c.stop()


def test_job_runs_on_a_standalone_cluster(cluster, embedded_server, shipped_db, tmp_path):
    import time

    deadline = time.monotonic() + 60
    while cluster.registered_workers() < 2 and time.monotonic() < deadline:
        time.sleep(1)
    assert cluster.registered_workers() == 2
    cmd, env = spark_submit(
        cluster.master_url,
        "--db",
        shipped_db.name,
        "--mongo-uri",
        embedded_server.uri,
        "--t0offset",
        "0",
        "--tolerance",
        "400",
        "--window",
        "-60",
        "35",
        "--pdiff",
        "--output-tag",
        "on_cluster",
        "--overwrite",
        event_log_dir=tmp_path,
        extra_conf=["--executor-memory", "768m"],
    )
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    assert f"Spark master {cluster.master_url}" in out.stdout
    assert shipped_db.wf_TimeSeries.count_documents({"data_tag": "on_cluster"}) == 42
    assert shipped_db.cemetery.count_documents({"data_tag": "on_cluster"}) == 3
    run = shipped_db.jobs.find_one({"data_tag": "on_cluster", "status": "succeeded"})
    assert run and run["master"] == cluster.master_url
    # the tasks ran in the workers' executors, not in the driver
    executors = [p for p in cluster.state_dir.glob("worker*/app-*/*") if p.is_dir()]
    assert len(executors) >= 2, executors
