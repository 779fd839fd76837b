"""What the Spark UI and the history server show of a run: job group, phase descriptions, RDD
names, read from the event log the run wrote; the history server lists the run."""

import json
from pathlib import Path

import pytest

from sparkseis.commands.p_window import build_parser
from sparkseis.spark.history import HistoryServer
from sparkseis.spark.p_window import run
from tests.support import free_port, wait_until


def _events(spark) -> list[dict]:
    sc = spark.sparkContext
    folder = Path(sc.getConf().get("spark.eventLog.dir").removeprefix("file:"))
    files = [
        f for f in folder.rglob(f"*{sc.applicationId}*") if f.is_file() and not f.name.startswith((".", "appstatus"))
    ]
    assert files, f"no event log for {sc.applicationId} in {folder}"
    return [json.loads(line) for f in files for line in f.read_text().splitlines() if line.strip()]


def test_event_log_tells_the_seismic_story(spark, shipped_db):
    r = run(
        build_parser().parse_args(
            [
                "--db",
                "shipped",
                "--output-tag",
                "ui_story",
                "--t0offset",
                "0",
                "--tolerance",
                "400",
                "--window",
                "-30",
                "120",
                "--overwrite",
            ]
        ),
        spark,
    )
    events = _events(spark)
    group = [
        e
        for e in events
        if e["Event"] == "SparkListenerJobStart" and e["Properties"].get("spark.jobGroup.id") == r.run_id
    ]
    described = [e["Properties"]["spark.job.description"] for e in group]
    # the run's job group: the labelled warm-up (workers start and import the chain; no TauP: the
    # travel times come from a broadcast table), then one job doing all the work
    assert len(group) == 2 and described[0].startswith("warm-up:") and "TauP" not in described[0], described
    jobs = group[1:]
    description = described[1]
    assert description.startswith(f"read {r.inputs} wf_miniseed in {r.partitions} partitions")
    for phase in (
        "match channel, source",
        "read_for_window",
        "resample",
        "set_Ptime",
        "WindowData",
        "save to wf_TimeSeries data_tag=ui_story",
    ):
        assert phase in description
    stage_ids = set(jobs[0]["Stage IDs"])
    names = [
        rdd["Name"]
        for e in events
        if e["Event"] == "SparkListenerStageSubmitted" and e["Stage Info"]["Stage ID"] in stage_ids
        for rdd in e["Stage Info"]["RDD Info"]
    ]
    assert any("set_Ptime → read_for_window → resample → shift_by_Ptime → WindowData" in n for n in names), names
    # small inputs still get two tasks per core, so the progress bar moves
    assert r.partitions == 2 * spark.sparkContext.defaultParallelism


def test_history_server_lists_the_run(spark, shipped_db, monkeypatch, tmp_path):
    from sparkseis import config

    monkeypatch.setenv("SPARKSEIS_HISTORY_PORT", str(free_port()))
    configured = HistoryServer.from_settings(config.settings())
    server = HistoryServer(
        configured.host, configured.port, tmp_path, spark.sparkContext.getConf().get("spark.eventLog.dir")
    )
    spark.sparkContext.parallelize(range(4), 2).count()  # a job, so the log holds a flushed event
    server.start()
    try:
        assert server.pid() is not None and "running" in server.status()
        app = spark.sparkContext.applicationId
        # a slow or refused answer from a busy server is asked again, until the deadline
        listed = wait_until(
            lambda: app in [a["id"] for a in server.applications(timeout_s=10)], timeout_s=120, every_s=1
        )
        assert listed, f"{app} not listed by the history server within 120 s"
    finally:
        assert server.stop()
    assert server.pid() is None and "not running" in server.status()


def test_warm_up_is_a_labelled_job(spark):
    from sparkseis.spark.session import warm_workers

    seconds = warm_workers(spark, "ak135")
    assert seconds > 0
    jobs = [e for e in _events(spark) if e["Event"] == "SparkListenerJobStart"]
    assert any(
        e["Properties"].get("spark.job.description", "").startswith("warm-up:")
        and "ak135" in e["Properties"]["spark.job.description"]
        for e in jobs
    )


@pytest.fixture(autouse=True)
def _no_group_left(spark):
    yield
    assert spark.sparkContext.getLocalProperty("spark.jobGroup.id") is None
