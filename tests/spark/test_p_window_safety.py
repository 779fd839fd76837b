"""The job cannot lose data: user mistakes stop it before anything is written, a failed run
keeps the tag's earlier outputs, a killed worker costs a retry, a killed driver is resumed."""

import os
import signal
import subprocess
import time

import pytest
from pyspark import TaskContext

from sparkseis.algorithms import WindowData
from sparkseis.commands.p_window import main
from sparkseis.db.importer import import_folder
from sparkseis.spark import read_distributed_data, write_distributed_data
from tests.support import assert_one_record_per_input, kill_mid_save, new_server, spark_submit, tag_records

OKHOTSK = ["--t0offset", "-289.6", "--tolerance", "1"]


@pytest.fixture(scope="module")
def safe_db(client, okhotsk_dir):
    client.drop_database("safety")
    db = client.get_database("safety")
    import_folder(db, okhotsk_dir, origin="hypocentre")
    return db


def snapshot(db):
    """Everything a run could have written."""
    return {c: db[c].count_documents({}) for c in ("wf_TimeSeries", "cemetery", "jobs")}


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--window", "600", "-100", "--overwrite"], "START must be before END"),
        (["--rate", "0"], "--rate must be a positive"),
        (["--model", "nonexistent_model"], "TauP model 'nonexistent_model' cannot be loaded"),
        (["--output-tag", "../../../elsewhere"], "data_tag must be a name"),
        (["--output-tag", "/abs/path"], "data_tag must be a name"),
        (["--storage-mode", "file", "--output-dir", "/proc/no_such_dir"], "is not writable"),
        (["--db", "no_such_database"], "database 'no_such_database' does not exist"),
        (["--input-tag", "matches_nothing"], "no wf_miniseed documents in 'safety' have data_tag 'matches_nothing'"),
        (["--phases", " , "], "--phases names no phase"),
        (["--tolerance", "-1"], "--tolerance must be >= 0"),
    ],
)
def test_user_mistakes_exit_with_one_line_and_write_nothing(spark, safe_db, client, capsys, argv, message):
    main(["--db", "safety", *OKHOTSK, "--output-tag", "keep"])  # earlier outputs that must survive
    capsys.readouterr()
    before = snapshot(safe_db)
    code = main(["--db", "safety", *OKHOTSK, *argv])
    err = capsys.readouterr().err.strip()
    assert code == 2 and message in err and len(err.splitlines()) == 1, err
    assert snapshot(safe_db) == before
    assert "no_such_database" not in client.list_database_names()
    assert safe_db.wf_TimeSeries.count_documents({"data_tag": "keep"}) == 6


def test_unreachable_database_fails_fast(capsys):
    started = time.monotonic()
    code = main(["--mongo-uri", "mongodb://seis:hunter2@127.0.0.1:9/", "--db", "x"])
    lines = [ln for ln in capsys.readouterr().err.strip().splitlines() if not ln.startswith("p_window: note:")]
    assert code == 2 and time.monotonic() - started < 10
    assert len(lines) == 1 and "cannot reach a MongoDB server" in lines[0] and "hunter2" not in lines[0]


def test_failed_overwrite_keeps_the_earlier_outputs(spark, safe_db):
    def bug(d):
        if d.get("chan") == "BHN" and d.get("sta") == "POKR":
            raise TypeError("a bug in a user's stage")  # a programming error: the job must fail, not bury data
        return d

    rdd = read_distributed_data(safe_db, collection="wf_miniseed", npartitions=2, spark_context=spark.sparkContext)
    write_distributed_data(rdd.map(lambda d: WindowData(d, d.t0 + 10.0, d.t0 + 20.0)), safe_db, data_tag="earlier")
    earlier = {d["_id"] for d in safe_db.wf_TimeSeries.find({"data_tag": "earlier"}, {"_id": 1})}
    assert len(earlier) == 6

    with pytest.raises(Exception, match="a bug in a user's stage"):
        write_distributed_data(rdd.map(bug), safe_db, data_tag="earlier", overwrite=True)
    assert {d["_id"] for d in safe_db.wf_TimeSeries.find({"data_tag": "earlier"}, {"_id": 1})} >= earlier
    failed = safe_db.jobs.find_one({"data_tag": "earlier", "status": "failed"})
    assert failed and "a bug in a user's stage" in failed["error"]
    # its partial outputs, if any, are identifiable by its run id; the earlier run's are all there
    partial = safe_db.wf_TimeSeries.count_documents({"data_tag": "earlier", "run_id": failed["_id"]})
    assert safe_db.wf_TimeSeries.count_documents({"data_tag": "earlier"}) == 6 + partial
    assert safe_db.cemetery.count_documents({"data_tag": "earlier"}) == 0  # nothing was buried for the bug


def test_killed_python_worker_costs_a_retry_not_data(spark, safe_db, tmp_path):
    marker = tmp_path / "killed"

    def kill_worker_once(d):
        ctx = TaskContext.get()
        if ctx.partitionId() == 0 and ctx.attemptNumber() == 0 and not marker.exists():
            marker.write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)  # the Python worker dies mid-task
        return d

    rdd = read_distributed_data(safe_db, collection="wf_miniseed", npartitions=3, spark_context=spark.sparkContext)
    rdd = rdd.map(lambda d: WindowData(d, d.t0 + 10.0, d.t0 + 20.0)).map(kill_worker_once)
    r = write_distributed_data(rdd, safe_db, data_tag="worker-killed", batch_size=1).report
    assert marker.exists() and r.live == 6 and r.stored == 6
    docs = list(safe_db.wf_TimeSeries.find({"data_tag": "worker-killed"}))
    assert len(docs) == 6 and len({d["parent_id"] for d in docs}) == 6
    files = {f["_id"] for f in safe_db["fs.files"].find({"metadata.run_id": r.run_id}, {"_id": 1})}
    assert files == {d["gridfs_id"] for d in docs}  # no orphan from the killed attempt


def test_killed_driver_is_resumed_to_one_record_per_input(embedded_server, shipped_db, tmp_path):
    """SIGKILL spark-submit while it saves; --resume completes the run exactly."""
    job, env = spark_submit(
        "local[1]",
        "--db",
        shipped_db.name,
        "--mongo-uri",
        embedded_server.uri,
        "--t0offset",
        "0",
        "--tolerance",
        "400",
        "--output-tag",
        "resumed",
        "--partitions",
        "45",
        event_log_dir=tmp_path,
    )
    written = kill_mid_save(
        job,
        env,
        tmp_path,
        lambda: tag_records(shipped_db, "resumed"),
        5,
    )
    assert 5 <= written < 45, f"could not catch the job mid-save ({written} records)"
    run = shipped_db.jobs.find_one({"data_tag": "resumed"})
    assert run["status"] == "running"  # what a crash leaves: an unfinished run holding its tag

    out = subprocess.run([*job, "--resume"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert f"run {run['_id']}" in out.stdout
    assert_one_record_per_input(shipped_db, run["_id"], [d["_id"] for d in shipped_db.wf_miniseed.find({}, {"_id": 1})])
    docs = list(shipped_db.wf_TimeSeries.find({"data_tag": "resumed"})) + list(
        shipped_db.cemetery.find({"data_tag": "resumed"})
    )
    assert {d["run_id"] for d in docs} == {run["_id"]}
    assert shipped_db.jobs.find_one({"_id": run["_id"]})["status"] == "succeeded"


def test_stopped_database_fails_fast_in_one_line_then_resume_completes(data_dir, tmp_path):
    """Stop the database mid-save: the job ends within a bounded time with one line (no
    traceback); after a restart, --resume gives exactly one record per input."""
    from sparkseis.db import Client

    server = new_server(tmp_path / "mongo")
    server.start()
    try:
        client = Client(server.uri)
        import_folder(client["outage"], data_dir)
        job, env = spark_submit(
            "local[1,4]",
            "--db",
            "outage",
            "--mongo-uri",
            server.uri,
            "--t0offset",
            "0",
            "--tolerance",
            "400",
            "--output-tag",
            "outage",
            "--partitions",
            "45",
            event_log_dir=tmp_path,
        )
        proc = subprocess.Popen(job, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        db = client["outage"]
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            if db.wf_TimeSeries.count_documents({}) + db.cemetery.count_documents({}) >= 5:
                break
            time.sleep(0.05)
        client.close()
        server.stop()
        stopped = time.monotonic()
        out_, err = proc.communicate(timeout=300)
        assert proc.returncode == 1 and time.monotonic() - stopped < 120
        both = (out_ + err).replace("\r", "\n")  # spark-submit passes the driver's stderr to its stdout
        lines = [ln for ln in both.splitlines() if ln.startswith("p_window:")]
        assert len(lines) == 1 and "cannot reach a MongoDB server" in lines[0] and "--resume" in lines[0], both[-3000:]
        assert "Traceback" not in both, both[-3000:]

        server.start()
        out = subprocess.run([*job, "--resume"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stderr[-3000:]
        client = Client(server.uri)
        db = client["outage"]
        run = db.jobs.find_one({"data_tag": "outage"})
        assert run["status"] == "succeeded"
        assert_one_record_per_input(db, run["_id"], [d["_id"] for d in db.wf_miniseed.find({}, {"_id": 1})])
        assert (
            db.wf_TimeSeries.count_documents({"data_tag": "outage"})
            + db.cemetery.count_documents({"data_tag": "outage"})
            == 45
        )
    finally:
        server.stop()


def test_a_second_run_with_a_live_runs_tag_is_refused(spark, safe_db, capsys):
    from sparkseis.db.runs import RunRecord

    holder = RunRecord.begin(safe_db, "p_window", "busy")  # a live run (this process) holds the tag
    try:
        assert main(["--db", "safety", *OKHOTSK, "--output-tag", "busy"]) == 2
        err = capsys.readouterr().err
        assert f"data_tag 'busy' is held by run {holder.run_id}" in err
        assert safe_db.wf_TimeSeries.count_documents({"data_tag": "busy"}) == 0
    finally:
        holder.finish("succeeded")
    assert main(["--db", "safety", *OKHOTSK, "--output-tag", "busy"]) == 0


def test_successful_overwrite_removes_samples_a_crashed_run_left_behind(spark, safe_db):
    import numpy as np
    from bson import ObjectId

    from sparkseis.db.waveform_store import GridFSBatchWriter

    rdd = read_distributed_data(safe_db, collection="wf_miniseed", npartitions=2, spark_context=spark.sparkContext)
    rdd = rdd.map(lambda d: WindowData(d, d.t0 + 10.0, d.t0 + 20.0))
    write_distributed_data(rdd, safe_db, data_tag="orphans")
    stray = ObjectId()  # samples written just before a crash, with no document yet
    writer = GridFSBatchWriter(safe_db)
    writer.add(stray, np.zeros(10), filename="stray", metadata={"data_tag": "orphans", "run_id": "crashed-run"})
    writer.flush()
    r = write_distributed_data(rdd, safe_db, data_tag="orphans", overwrite=True).report
    assert r.replaced["documents"] == 6 and r.replaced["gridfs_files"] == 7
    left = {f["_id"] for f in safe_db["fs.files"].find({"metadata.data_tag": "orphans"}, {"_id": 1})}
    assert stray not in left and len(left) == 6


def test_loopback_database_with_a_cluster_master_is_refused():
    from sparkseis.core.errors import JobError
    from sparkseis.spark.window_job import check_master

    check_master("local[2]", "mongodb://127.0.0.1:27117/")
    check_master("spark://head:7077", "mongodb://db.example.org:27017/")
    check_master("spark://127.0.0.1:7077", "mongodb://127.0.0.1:27117/")  # a cluster on this machine
    with pytest.raises(JobError, match="every node can reach"):
        check_master("spark://head:7077", "mongodb://u:p@localhost:27017/")
