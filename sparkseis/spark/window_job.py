"""What the window jobs (p_window, event_windows) share: the run as a unit. It checks the
input before Spark starts, records and locks the run under its tag, starts the Spark context
while the travel-time table loads, warms the workers while the driver plans, runs the job
proper, and stops the context it started; failures of Spark tasks become one SparkJobFailed."""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from py4j.protocol import Py4JJavaError
from pymongo.errors import PyMongoError
from pyspark import SparkContext
from pyspark.errors import PySparkException

from sparkseis import config
from sparkseis.algorithms.traveltime import phase_list, phase_names
from sparkseis.algorithms.traveltime_table import TravelTimeTable, travel_time_table
from sparkseis.client import Client, redact_uri
from sparkseis.config import Settings
from sparkseis.core.errors import JobError, SparkJobFailed
from sparkseis.db.partitions import release_snapshot
from sparkseis.db.runs import RunRecord
from sparkseis.report import RunReport
from sparkseis.spark.reader import plan_read
from sparkseis.spark.session import describe, spark_context, stop_context, warm_workers
from sparkseis.spark.sink import count_live, refuse_other_outputs, write_distributed_data

# where conf/spark/log4j2.properties sends task failure traces
TASK_LOG = Path(tempfile.gettempdir()) / "sparkseis-task-failures.log"


def _task_failure(err: Exception) -> str:
    """The Python error at the bottom of a failed Spark job, in one line."""
    lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
    for ln in reversed(lines):
        if ln.split(":")[0].endswith(("Error", "Exception")) and not ln.startswith(("org.", "java.", "py4j")):
            return ln
    return lines[0] if lines else type(err).__name__


def phases_of(args: argparse.Namespace) -> tuple[str, ...]:
    return phase_names(args.phases)


def check_master(master: str, uri: str) -> None:
    loopback = ("127.0.0.1", "localhost", "::1")
    host = urlsplit(uri.replace("mongodb+srv://", "mongodb://")).hostname or ""
    master_host = urlsplit(master.split(",")[0]).hostname if "://" in master else None
    if not master.startswith("local") and master_host not in loopback and host in loopback:
        raise JobError(
            f"--master {master} runs executors on other hosts, but the database URI points at this machine "
            f"({redact_uri(uri)}): give a --mongo-uri every node can reach"
        )


@dataclass(frozen=True)
class WindowJob:
    """What differs between the window jobs: their name, which collection the driver plans
    (the job's inputs, or what it plans them from), how the input is checked and opened
    (client, database, query of plan_collection, and what else the job prepared on the driver
    for its tasks) and the job proper: run_job(args, sc, db, plan, record, table, prepared)
    reads, runs the chain and saves or counts, and returns its report; output_collection is
    where its live outputs go."""

    name: str
    plan_collection: str
    open_input: Callable[[argparse.Namespace, Settings], tuple[Client, Any, dict, Any]]
    run_job: Callable[..., RunReport]
    output_collection: str = "wf_TimeSeries"


def run_window_job(
    job: WindowJob,
    args: argparse.Namespace,
    spark=None,
    settings: Settings | None = None,
    began: float | None = None,
    table: TravelTimeTable | None = None,
) -> RunReport:
    """Run a window job (arguments already validated; table: the travel-time table if it is
    built); returns its report. A UserMistake (JobError, DataTagExistsError,
    TagBusyError, ...) for mistakes found before any waveform is read (arguments, database,
    tag); anything else is a failure of the run or a bug, and propagates. began: when the run
    began (UNIX time, s; default now), from which start-up and the total are measured. Given
    no `spark`, the run starts its own Spark context and stops it before returning."""
    began = time.time() if began is None else began
    settings = settings or config.settings()
    if args.mongo_uri and redact_uri(args.mongo_uri) != args.mongo_uri:
        print(
            f"{job.name}: note: credentials in --mongo-uri are visible to other users in `ps`; "
            "set SPARKSEIS_MONGODB_URI or conf/sparkseis.toml instead",
            file=sys.stderr,
        )
    client, db, query, prepared = job.open_input(args, settings)
    record = None
    if not args.count_only:
        arguments = {
            k: (redact_uri(v) if k == "mongo_uri" and v else v) for k, v in vars(args).items() if k != "process_ends"
        }
        record = RunRecord.begin(db, job.name, args.output_tag, arguments, resume=args.resume)
    with record if record is not None else contextlib.nullcontext():
        if record is not None and not args.overwrite:
            refuse_other_outputs(db, args.output_tag, record.run_id, job.output_collection)  # before Spark starts
        try:
            report = _process(job, args, spark, db, (query, prepared), record, settings, table)
        except (Py4JJavaError, PySparkException) as err:
            raise SparkJobFailed(_task_failure(err)) from err
        if record is not None:
            record.succeed(report.to_record(), application_id=report.application_id)
    report.total_s = time.time() - began
    report.startup_s = report.context_up - began
    report.database, report.mongo, report.count_only = args.db, redact_uri(client.uri), args.count_only
    report.output_tag = None if args.count_only else args.output_tag
    return report


def _process(
    job: WindowJob,
    args,
    spark,
    db,
    opened: tuple[dict, Any],
    record: RunRecord | None,
    settings: Settings,
    table: TravelTimeTable | None,
) -> RunReport:
    if spark is None and SparkContext._active_spark_context is not None:
        spark = SparkContext._active_spark_context  # a shell's or notebook's: used, and left running
    owns_context = spark is None  # the run starts its own context, and stops it
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="p_window-start") as pool:
        if owns_context:
            context = pool.submit(spark_context, args.master, f"sparkseis {job.name}", None, settings)
        # while the JVM sets up the context: the travel-time table (built once per model, then cached)
        phases = phase_list(phases_of(args), args.pdiff)
        table = table or travel_time_table(args.model, phases, settings.traveltime_cache)
        sc = context.result() if owns_context else getattr(spark, "sparkContext", spark)
        context_up = time.time()
        check_master(sc.master, db.client.uri)
        group = record.run_id if record is not None else f"{job.name}-count-{sc.applicationId}-{int(time.time())}"
        label = f"{job.name} {'count only' if args.count_only else 'data_tag=' + args.output_tag}"
        # the workers start and import the chain (the longest step of a start) while the driver
        # says where to watch and plans the read
        warming = pool.submit(_warm_up, sc, group, label) if args.warm_up else None
        where = describe(sc)
        if record is not None:
            record.update(application_id=where["application_id"], master=where["master"])
        print(
            f"Spark master {where['master']}, UI {where['ui']} (while running), event log {where['event_log']}",
            flush=True,
        )
        sc.setJobGroup(group, label, interruptOnCancel=False)
        plan = None
        try:
            planning = time.perf_counter()
            query, prepared = opened
            plan = plan_read(db, job.plan_collection, query, args.partitions, sc)
            plan_s = time.perf_counter() - planning
            warm_up_s = warming.result() if warming is not None else 0.0
            report = job.run_job(args, sc, db, plan, record, table, prepared)
            report.wall_s += plan_s
        finally:
            sc.setJobDescription(None)
            sc.setLocalProperty("spark.jobGroup.id", None)
            if plan is not None:
                try:
                    release_snapshot(db, plan)
                except PyMongoError:
                    pass  # a lost database: the snapshot expires by itself
    report.master, report.ui, report.event_log, report.application_id = (
        where["master"],
        where["ui"],
        where["event_log"],
        where["application_id"],
    )
    if report.inputs is None:
        report.inputs = plan.total
    report.plan = report.plan or plan.describe(job.plan_collection)
    report.plan_s, report.warm_up_s = plan_s, warm_up_s
    report.context_up = context_up
    if owns_context:
        stopping = time.perf_counter()
        stop_context(sc, process_ends=getattr(args, "process_ends", False))
        report.shutdown_s = time.perf_counter() - stopping
    return report


def _warm_up(sc, group: str, label: str) -> float:
    """warm_workers in the run's job group (job groups belong to the thread that sets them)."""
    sc.setJobGroup(group, label, interruptOnCancel=False)
    try:
        return warm_workers(sc)
    finally:
        sc.setLocalProperty("spark.jobGroup.id", None)


def save_or_count(
    rdd,
    db,
    args: argparse.Namespace,
    record: RunRecord | None,
    documents_read,
    collection: str = "wf_TimeSeries",
    expected_records=None,
    timer=None,
) -> RunReport:
    """The end of every window job: count live and dead (--count-only) or save under the run's
    tag to collection; the report carries the inputs read."""
    if args.count_only:
        report = count_live(rdd, documents_read)
    else:
        report = write_distributed_data(
            rdd,
            db,
            storage_mode=args.storage_mode,
            overwrite=args.overwrite,
            data_tag=args.output_tag,
            collection=collection,
            output_dir=args.output_dir,
            run=record,
            documents_read=documents_read,
            expected_records=expected_records,
            timer=timer,
        ).report
    report.documents_read = documents_read.value
    return report
