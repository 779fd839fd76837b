"""The job as users run it: through spark-submit, whose flags must win over conf/."""

import re
import subprocess

from tests.support import REPO, spark_submit


def test_spark_submit_runs_the_job_with_its_master(embedded_server, shipped_db, tmp_path):
    cmd, env = spark_submit(
        "local[1]",
        "--db",
        shipped_db.name,
        "--mongo-uri",
        embedded_server.uri,
        "--t0offset",
        "0",
        "--tolerance",
        "400",
        "--count-only",
        event_log_dir=tmp_path,
    )
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "Spark master local[1]" in out.stdout
    assert "inputs       : 45 waveforms" in out.stdout and "live         : 6 (count only" in out.stdout
    # kill reasons keep their numbers: a value shared by all, or its range over the data that died
    assert re.search(
        r"WindowData: window \[-100, 600\] s is partly outside the data span \[-[\d.]+\.\.-[\d.]+, ", out.stdout
    ), out.stdout
    logs = [p for p in tmp_path.iterdir() if p.name.startswith("eventlog_v2_")]
    assert len(logs) == 1, "no Spark event log written"
    # the context was stopped before the process ended (quickly: see session.stop_context): the
    # event log is closed, as the history server needs to list the run as complete
    status = sorted(p.name for p in logs[0].iterdir() if p.name.startswith("appstatus_"))
    assert status and not any(name.endswith(".inprogress") for name in status), status
