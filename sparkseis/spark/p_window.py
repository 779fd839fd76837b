"""The P-window job's engine: read wf_miniseed -> match station and source -> detrend ->
resample -> P time -> relative time -> window -> save (or count). `run(args)` validates,
checks the database, records the run and drives Spark; its command-line front (arguments,
summary, exit codes) is sparkseis.commands.p_window."""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from py4j.protocol import Py4JJavaError
from pymongo.errors import OperationFailure, PyMongoError
from pyspark import SparkContext
from pyspark.errors import PySparkException

from sparkseis import config
from sparkseis.algorithms.chains import p_window_steps
from sparkseis.algorithms.traveltime import load_taup_model, phase_list
from sparkseis.algorithms.traveltime_table import TravelTimeTable, cached_table, travel_time_table
from sparkseis.client import Client, redact_uri
from sparkseis.config import Settings
from sparkseis.core.errors import ArgumentError, JobError, SparkJobFailed
from sparkseis.core.seismic import TimeSeries
from sparkseis.db.normalize import MiniseedMatcher, OriginTimeMatcher
from sparkseis.db.partitions import release_snapshot
from sparkseis.db.runs import RunRecord
from sparkseis.db.writer import check_data_tag
from sparkseis.report import RunReport
from sparkseis.spark.reader import READ_STEPS, ReadHooks, plan_read, read_planned
from sparkseis.spark.session import describe, spark_context, warm_workers
from sparkseis.spark.sink import count_live, refuse_other_outputs, write_distributed_data
from sparkseis.spark.stages import map_steps, per_datum_ms, step_timer

# where conf/spark/log4j2.properties sends task failure traces
TASK_LOG = Path(tempfile.gettempdir()) / "sparkseis-task-failures.log"


def _task_failure(err: Exception) -> str:
    """The Python error at the bottom of a failed Spark job, in one line."""
    lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
    for ln in reversed(lines):
        if ln.split(":")[0].endswith(("Error", "Exception")) and not ln.startswith(("org.", "java.", "py4j")):
            return ln
    return lines[0] if lines else type(err).__name__


def _phases(args: argparse.Namespace) -> tuple[str, ...]:
    return tuple(p.strip() for p in args.phases.split(",") if p.strip())


def validate_arguments(args: argparse.Namespace, settings: Settings) -> TravelTimeTable | None:
    """Everything about the arguments that can be checked without data: JobError if wrong.
    Fills in what the settings decide (storage mode, output folder), resolved here once.
    Returns the travel-time table if it is already built (then TauP is not even imported)."""
    start, end = args.window
    if not (math.isfinite(start) and math.isfinite(end) and start < end):
        raise JobError(f"--window START END: START must be before END (got {start:g} {end:g})")
    if not (math.isfinite(args.rate) and args.rate > 0):
        raise JobError(f"--rate must be a positive number of samples/s (got {args.rate:g})")
    if not (math.isfinite(args.tolerance) and args.tolerance >= 0) or not math.isfinite(args.t0offset):
        raise JobError(f"--tolerance must be >= 0 s and --t0offset finite (got {args.tolerance:g}, {args.t0offset:g})")
    if args.partitions is not None and args.partitions < 1:
        raise JobError(f"--partitions must be at least 1 (got {args.partitions})")
    if args.resume and args.count_only:
        raise JobError("--resume completes a saving run; it makes no sense with --count-only")
    if not _phases(args):
        raise JobError("--phases names no phase")
    try:
        if not args.count_only:
            check_data_tag(args.output_tag)
        table = cached_table(args.model, phase_list(_phases(args), args.pdiff), settings.traveltime_cache)
        if table is None:
            load_taup_model(args.model)  # the model must exist before the table is built from it
        # the dry run: every step's argument checks, on a dead datum (nothing is computed)
        dummy = TimeSeries(None, 0.0, 1.0)
        dummy.kill()
        for func, fargs, fkwargs in p_window_steps(
            table or args.model, args.rate, tuple(args.window), args.pdiff, phases=_phases(args), distance=args.distance
        ):
            func(dummy, *fargs, **fkwargs)
    except (ArgumentError, ValueError) as err:
        raise JobError(str(err)) from None
    args.storage_mode = args.storage_mode or settings.storage_mode
    if not args.count_only and args.storage_mode == "file":
        out = Path(args.output_dir or settings.output_dir).resolve()
        args.output_dir = str(out)  # resolved once here; executors get the absolute path
        try:
            out.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=out):
                pass
        except OSError as err:
            raise JobError(f"--output-dir {out} is not writable: {err.strerror}") from None
    return table


def open_input(args: argparse.Namespace, settings: Settings) -> tuple[Client, Any, dict]:
    """(client, database, query): the input must exist and match at least one document."""
    client = Client(args.mongo_uri, timeout_s=min(5.0, settings.mongodb_timeout_s), settings=settings)
    safe = redact_uri(client.uri)
    db = client.get_database(args.db)
    try:
        # asked first: some servers create a database that is merely asked for its collections
        exists = args.db in client.list_database_names()
        collections = db.list_collection_names() if exists else []
    except OperationFailure:  # a user without listDatabases: its own database's collections tell
        try:
            collections = db.list_collection_names()
        except OperationFailure as err:
            raise JobError(
                f"cannot list the collections of {args.db!r} at {safe}: {err.details.get('errmsg', err)}"
            ) from None
    if not collections:
        raise JobError(
            f"database {args.db!r} does not exist at {safe} (import data first: sparkseis import DIR --db {args.db})"
        )
    if "wf_miniseed" not in collections:
        raise JobError(
            f"database {args.db!r} has no wf_miniseed collection (import data first: sparkseis import DIR --db {args.db})"
        )
    query = {"data_tag": args.input_tag} if args.input_tag else {}
    if db.wf_miniseed.find_one(query, {"_id": 1}) is None:
        raise JobError(
            f"no wf_miniseed documents in {args.db!r}"
            + (f" have data_tag {args.input_tag!r}" if args.input_tag else "")
        )
    return client, db, query


def _check_master(master: str, uri: str) -> None:
    loopback = ("127.0.0.1", "localhost", "::1")
    host = urlsplit(uri.replace("mongodb+srv://", "mongodb://")).hostname or ""
    master_host = urlsplit(master.split(",")[0]).hostname if "://" in master else None
    if not master.startswith("local") and master_host not in loopback and host in loopback:
        raise JobError(
            f"--master {master} runs executors on other hosts, but the database URI points at this machine "
            f"({redact_uri(uri)}): give a --mongo-uri every node can reach"
        )


def run(
    args: argparse.Namespace, spark=None, settings: Settings | None = None, began: float | None = None
) -> RunReport:
    """Run the job; returns its report. A UserMistake (JobError, DataTagExistsError,
    TagBusyError, ...) for mistakes found before any waveform is read (arguments, database,
    tag); anything else is a failure of the run or a bug, and propagates. began: when the run
    began (UNIX time, s; default now), from which start-up and the total are measured. Given
    no `spark`, the run starts its own Spark context and stops it before returning."""
    began = time.time() if began is None else began
    settings = settings or config.settings()
    table = validate_arguments(args, settings)
    if args.mongo_uri and redact_uri(args.mongo_uri) != args.mongo_uri:
        print(
            "p_window: note: credentials in --mongo-uri are visible to other users in `ps`; "
            "set SPARKSEIS_MONGODB_URI or conf/sparkseis.toml instead",
            file=sys.stderr,
        )
    client, db, query = open_input(args, settings)
    record = None
    if not args.count_only:
        arguments = {k: (redact_uri(v) if k == "mongo_uri" and v else v) for k, v in vars(args).items()}
        record = RunRecord.begin(db, "p_window", args.output_tag, arguments, resume=args.resume)
    with record if record is not None else contextlib.nullcontext():
        if record is not None and not args.overwrite:
            refuse_other_outputs(db, args.output_tag, record.run_id)  # before Spark starts
        try:
            report = _process(args, spark, db, query, record, settings, table)
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
    args, spark, db, query: dict, record: RunRecord | None, settings: Settings, table: TravelTimeTable | None
) -> RunReport:
    if spark is None and SparkContext._active_spark_context is not None:
        spark = SparkContext._active_spark_context  # a shell's or notebook's: used, and left running
    owns_context = spark is None  # the run starts its own context, and stops it
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="p_window-start") as pool:
        if owns_context:
            context = pool.submit(spark_context, args.master, "sparkseis p_window", None, settings)
        # while the JVM sets up the context: the travel-time table (built once per model, then cached)
        phases = phase_list(_phases(args), args.pdiff)
        table = table or travel_time_table(args.model, phases, settings.traveltime_cache)
        sc = context.result() if owns_context else getattr(spark, "sparkContext", spark)
        context_up = time.time()
        where = describe(sc)
        _check_master(where["master"], db.client.uri)
        if record is not None:
            record.update(application_id=where["application_id"], master=where["master"])
        print(
            f"Spark master {where['master']}, UI {where['ui']} (while running), event log {where['event_log']}",
            flush=True,
        )
        group = record.run_id if record is not None else f"p_window-count-{where['application_id']}-{int(time.time())}"
        label = f"p_window {'count only' if args.count_only else 'data_tag=' + args.output_tag}"
        # the workers start and import the chain while the driver plans the read
        warming = pool.submit(_warm_up, sc, group, label) if args.warm_up else None
        sc.setJobGroup(group, label, interruptOnCancel=False)
        plan = None
        try:
            planning = time.perf_counter()
            plan = plan_read(db, "wf_miniseed", query, args.partitions, sc)
            plan_s = time.perf_counter() - planning
            warm_up_s = warming.result() if warming is not None else 0.0
            report = _run_job(args, sc, db, plan, record, table)
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
    report.inputs, report.plan, report.plan_s, report.warm_up_s = (
        plan.total,
        plan.describe("wf_miniseed"),
        plan_s,
        warm_up_s,
    )
    report.context_up = context_up
    if owns_context:
        stopping = time.perf_counter()
        sc.stop()
        report.shutdown_s = time.perf_counter() - stopping
    return report


def _warm_up(sc, group: str, label: str) -> float:
    """warm_workers in the run's job group (job groups belong to the thread that sets them)."""
    sc.setJobGroup(group, label, interruptOnCancel=False)
    try:
        return warm_workers(sc)
    finally:
        sc.setLocalProperty("spark.jobGroup.id", None)


def _run_job(args, sc, db, plan, record: RunRecord | None, table: TravelTimeTable) -> RunReport:
    """Read the planned waveforms, run the chain and save or count: the job's own clock."""
    started = time.perf_counter()
    stations = MiniseedMatcher(db, "channel")
    sources = OriginTimeMatcher(db, "source", t0offset=args.t0offset, tolerance=args.tolerance)
    hooks = ReadHooks(
        documents_read=sc.accumulator(0),
        timer=step_timer(sc) if args.time_steps else None,
        skip_outputs_of=record.run_id if record is not None and args.resume else None,
    )
    rdd = read_planned(db, plan, [stations, sources], sc, hooks)
    steps = p_window_steps(
        sc.broadcast(table),
        args.rate,
        tuple(args.window),
        args.pdiff,
        phases=_phases(args),
        distance=args.distance,
        window_first=not args.full_record,
    )
    rdd = map_steps(rdd, steps, hooks.timer)
    if args.count_only:
        report = count_live(rdd, hooks.documents_read)
    else:
        report = write_distributed_data(
            rdd,
            db,
            storage_mode=args.storage_mode,
            overwrite=args.overwrite,
            data_tag=args.output_tag,
            output_dir=args.output_dir,
            run=record,
            documents_read=hooks.documents_read,
            expected_records=plan.total if args.resume else None,
            timer=hooks.timer,
        ).report
    report.documents_read = hooks.documents_read.value
    if hooks.timer is not None:
        report.step_ms = per_datum_ms(
            hooks.timer, [*READ_STEPS, *(getattr(f, "__name__", "") for f, _, _ in steps), "save"]
        )
    report.wall_s = time.perf_counter() - started
    return report
