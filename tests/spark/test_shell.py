"""`sparkseis shell` starts pyspark with sparkseis' Spark settings and the event log on."""

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
from pyspark.sql import SparkSession
sc = SparkSession.builder.getOrCreate().sparkContext
conf = sc.getConf()
keys = ("spark.eventLog.enabled", "spark.eventLog.dir", "spark.python.worker.reuse")
print("EVENTLOG", *(conf.get(k) for k in keys), sc.master)
sc.stop()
"""


def test_shell_logs_events_where_the_history_server_looks(tmp_path):
    env = dict(
        os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}", SPARKSEIS_EVENT_LOG_DIR=str(tmp_path)
    )
    cmd = [
        str(Path(sys.executable).parent / "sparkseis"),
        "shell",
        "--master",
        "local[1]",
        "--conf",
        "spark.ui.enabled=false",
    ]
    out = subprocess.run(cmd, input=SCRIPT, capture_output=True, text=True, env=env, timeout=300)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("EVENTLOG")), None)
    assert line is not None, out.stderr[-2000:]
    _, enabled, folder, reuse, master = line.split()
    assert enabled == "true" and folder == tmp_path.resolve().as_uri() and master == "local[1]"
    assert reuse == "true"  # from conf/spark/spark-defaults.conf
    assert any(tmp_path.iterdir()), "no event log written"
