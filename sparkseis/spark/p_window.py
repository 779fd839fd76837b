"""The P-window job: read wf_miniseed -> match station and source -> detrend -> resample ->
P time -> relative time -> window -> save (or count)."""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from py4j.protocol import Py4JJavaError
from pymongo.errors import OperationFailure, PyMongoError
from pyspark.errors import PySparkException

from sparkseis import __version__, config
from sparkseis.algorithms.p_window import p_window_steps
from sparkseis.algorithms.traveltime import DISTANCE_METHODS, TravelTimeCalculator, load_taup_model
from sparkseis.core.errors import ArgumentError
from sparkseis.core.seismic import TimeSeries
from sparkseis.db.client import Client, DatabaseConnectionError, redact_uri
from sparkseis.db.normalize import MiniseedMatcher, OriginTimeMatcher
from sparkseis.db.partitions import plan_partitions, release_snapshot
from sparkseis.db.runs import RunRecord, TagBusyError
from sparkseis.db.sink import check_data_tag, describe_reason
from sparkseis.spark.reader import WAVEFORMS_PER_PARTITION, read_distributed_data
from sparkseis.spark.session import describe, session, warm_workers
from sparkseis.spark.sink import AccountingError, DataTagExistsError, count_live, refuse_other_outputs, run_counts, write_distributed_data
from sparkseis.spark.stages import map_steps, per_datum_ms, step_timer


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="p_window", description=__doc__)
    p.add_argument("--db", default="getting_started", help="database name (default getting_started)")
    p.add_argument("--mongo-uri", default=None, help="MongoDB URI (default: SPARKSEIS_MONGODB_URI, conf/, else embedded)")
    p.add_argument("--input-tag", default=None, help="read only wf_miniseed documents with this data_tag")
    p.add_argument("--output-tag", default="p_window", help="data_tag of the saved windows (default p_window)")
    p.add_argument("--window", nargs=2, type=float, default=[-100.0, 600.0], metavar=("START", "END"),
                   help="window in s relative to P (default -100 600)")  # fmt: skip
    p.add_argument("--rate", type=float, default=20.0, help="output sampling rate, samples/s (default 20)")
    p.add_argument("--model", default="iasp91", help="TauP model (default iasp91)")
    p.add_argument("--pdiff", action="store_true", help="use Pdiff beyond the P range")
    p.add_argument("--phases", default="P", help="TauP phases whose first arrival is P, comma-separated (default P, as the "
                   "MsPASS tutorial; p,P adds the up-going p that arrives first near deep sources)")
    p.add_argument("--distance", choices=DISTANCE_METHODS, default="geodesic",
                   help="epicentral distance: geodesic (WGS84 km / 111.19, the tutorial's; default), geocentric or spherical")
    p.add_argument("--full-record", action="store_true", help="detrend, filter and decimate whole records before windowing (default: "
                   "compute P first and filter only the window plus the filter's settling margin; the same windows to 1e-13)")
    p.add_argument("--t0offset", type=float, default=0.0, help="data start minus origin time, s (default 0)")
    p.add_argument("--tolerance", type=float, default=4.0, help="origin-time match tolerance, s (default 4)")
    p.add_argument("--partitions", type=int, default=None, help="read partitions (default: a multiple of the cores, up to 1,000 waveforms each)")
    p.add_argument("--storage-mode", choices=["gridfs", "file"], default=None, help="default from conf/ (gridfs)")
    p.add_argument("--output-dir", default=None, help="folder for storage mode file (default from conf/)")
    p.add_argument("--overwrite", action="store_true", help="replace outputs already saved under --output-tag (once this run succeeded)")
    p.add_argument("--resume", action="store_true", help="complete the output tag's unfinished run: process only inputs without an output")
    p.add_argument("--count-only", action="store_true", help="reduce each datum to its live flag and count; save nothing")
    p.add_argument("--master", default=None, help="Spark master (default: spark-submit's, else conf/spark/spark-defaults.conf: local[*,4])")
    p.add_argument("--no-warm-up", dest="warm_up", action="store_false",
                   help="skip the warm-up: by default a separate Spark job labelled 'warm-up' first starts the Python workers, "
                   "imports sparkseis and loads the TauP model, so that the job's own clock measures the work (the summary "
                   "shows the warm-up's time; the whole run takes as long either way)")
    p.add_argument("--time-steps", action="store_true", help="time every step on the workers and print ms per waveform for each")
    p.add_argument("--version", action="version", version=f"sparkseis {__version__}")
    return p


# where conf/spark/log4j2.properties sends task failure traces
TASK_LOG = Path(tempfile.gettempdir()) / "sparkseis-task-failures.log"


class JobError(Exception):
    """A mistake in how the job was asked to run: reported in one line, before any waveform is read."""


def _phases(args: argparse.Namespace) -> tuple[str, ...]:
    return tuple(p.strip() for p in args.phases.split(",") if p.strip())


def validate_arguments(args: argparse.Namespace) -> None:
    """Everything about the arguments that can be checked without data: JobError if wrong."""
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
        load_taup_model(args.model)
        # the dry run: every step's argument checks, on a dead datum (nothing is computed)
        dummy = TimeSeries(None, 0.0, 1.0)
        dummy.kill()
        for func, fargs, fkwargs in p_window_steps(args.model, args.rate, tuple(args.window), args.pdiff, phases=_phases(args),
                                                   distance=args.distance):  # fmt: skip
            func(dummy, *fargs, **fkwargs)
    except (ArgumentError, ValueError) as err:
        raise JobError(str(err)) from None
    if not args.count_only and (args.storage_mode or config.get("storage", "mode", "gridfs")) == "file":
        out = Path(args.output_dir or config.project_path(config.get("storage", "output_dir", "var/waveforms"))).resolve()
        args.output_dir = str(out)  # resolved once here; executors get the absolute path
        try:
            out.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=out):
                pass
        except OSError as err:
            raise JobError(f"--output-dir {out} is not writable: {err.strerror}") from None


def open_input(args: argparse.Namespace) -> tuple[Client, Any, dict]:
    """(client, database, query): the input must exist and match at least one document."""
    try:
        client = Client(args.mongo_uri, timeout_s=min(5.0, float(config.get("mongodb", "timeout_s", 5))))
    except DatabaseConnectionError as err:
        raise JobError(str(err)) from None
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
            raise JobError(f"cannot list the collections of {args.db!r} at {safe}: {err.details.get('errmsg', err)}") from None
    if not collections:
        raise JobError(f"database {args.db!r} does not exist at {safe} (import data first: sparkseis import DIR --db {args.db})")
    if "wf_miniseed" not in collections:
        raise JobError(f"database {args.db!r} has no wf_miniseed collection (import data first: sparkseis import DIR --db {args.db})")
    query = {"data_tag": args.input_tag} if args.input_tag else {}
    if db.wf_miniseed.find_one(query, {"_id": 1}) is None:
        raise JobError(f"no wf_miniseed documents in {args.db!r}" + (f" have data_tag {args.input_tag!r}" if args.input_tag else ""))
    return client, db, query


def _check_master(master: str, uri: str) -> None:
    loopback = ("127.0.0.1", "localhost", "::1")
    host = urlsplit(uri.replace("mongodb+srv://", "mongodb://")).hostname or ""
    master_host = urlsplit(master.split(",")[0]).hostname if "://" in master else None
    if not master.startswith("local") and master_host not in loopback and host in loopback:
        raise JobError(f"--master {master} runs executors on other hosts, but the database URI points at this machine "
                       f"({redact_uri(uri)}): give a --mongo-uri every node can reach")  # fmt: skip


def run(args: argparse.Namespace, spark=None) -> dict[str, Any]:
    """Run the job; returns the report (also what print_report shows). JobError for mistakes
    found before any waveform is read (arguments, database, tag)."""
    began = time.perf_counter()
    validate_arguments(args)
    if args.mongo_uri and redact_uri(args.mongo_uri) != args.mongo_uri:
        print("p_window: note: credentials in --mongo-uri are visible to other users in `ps`; "
              "set SPARKSEIS_MONGODB_URI or conf/sparkseis.toml instead", file=sys.stderr)  # fmt: skip
    client, db, query = open_input(args)
    record = None
    if not args.count_only:
        arguments = {k: (redact_uri(v) if k == "mongo_uri" and v else v) for k, v in vars(args).items()}
        record = RunRecord.begin(db, "p_window", args.output_tag, arguments, resume=args.resume)
    try:
        if record is not None and not args.overwrite:
            refuse_other_outputs(db, args.output_tag, record.run_id)  # before Spark starts
        report = _process(args, spark, db, query, record, began)
    except BaseException as err:
        if record is not None:
            try:
                record.finish("failed", error=f"{type(err).__name__}: {err}"[:2000])
            except PyMongoError:
                pass  # the database is what failed: the record stays "running" and --resume takes it over
        raise
    if record is not None:
        record.finish("succeeded", counts=run_counts(report), application_id=report["application_id"])
    report["total_s"] = time.perf_counter() - began
    report.update(database=args.db, mongo=redact_uri(client.uri), output_tag=None if args.count_only else args.output_tag,
                  count_only=args.count_only)  # fmt: skip
    return report


def _process(args, spark, db, query: dict, record: RunRecord | None, began: float) -> dict[str, Any]:
    spark = spark or session(args.master, app_name="sparkseis p_window")
    where = describe(spark)
    _check_master(where["master"], db.client.uri)
    if record is not None:
        record.update(application_id=where["application_id"], master=where["master"])
    print(f"Spark master {where['master']}, UI {where['ui']} (while running), event log {where['event_log']}", flush=True)
    sc = spark.sparkContext
    group = record.run_id if record is not None else f"p_window-count-{where['application_id']}-{int(time.time())}"
    sc.setJobGroup(group, f"p_window {'count only' if args.count_only else 'data_tag=' + args.output_tag}", interruptOnCancel=False)
    plan = None
    try:
        warm_up_s = warm_workers(spark, args.model) if args.warm_up else 0.0
        started = time.perf_counter()
        plan = plan_partitions(db.wf_miniseed, query, args.partitions, sc.defaultParallelism, WAVEFORMS_PER_PARTITION)
        plan_s = time.perf_counter() - started
        stations = MiniseedMatcher(db, "channel")
        sources = OriginTimeMatcher(db, "source", t0offset=args.t0offset, tolerance=args.tolerance)
        documents_read = sc.accumulator(0)
        timer = step_timer(sc) if args.time_steps else None
        rdd = read_distributed_data(db, query, collection="wf_miniseed", normalize=[stations, sources], spark_context=sc, plan=plan,
                                    documents_read=documents_read, timer=timer,
                                    skip_outputs_of=record.run_id if record is not None and args.resume else None)  # fmt: skip
        calculator = sc.broadcast(TravelTimeCalculator(args.model))
        rdd = map_steps(rdd, p_window_steps(calculator, args.rate, tuple(args.window), args.pdiff, phases=_phases(args),
                                            distance=args.distance, window_first=not args.full_record), timer)  # fmt: skip
        if args.count_only:
            report = count_live(rdd, documents_read)
        else:
            mode = args.storage_mode or config.get("storage", "mode", "gridfs")
            report = write_distributed_data(rdd, db, storage_mode=mode, overwrite=args.overwrite, data_tag=args.output_tag,
                                            output_dir=args.output_dir, run=record, documents_read=documents_read,
                                            expected_records=plan.total if args.resume else None, timer=timer).report  # fmt: skip
            report["storage_mode"] = mode
    finally:
        sc.setJobDescription(None)
        sc.setLocalProperty("spark.jobGroup.id", None)
        if plan is not None:
            try:
                release_snapshot(db, plan)
            except PyMongoError:
                pass  # a lost database: the snapshot expires by itself
    report["documents_read"] = documents_read.value
    if timer is not None:
        report["step_ms"] = per_datum_ms(timer)
    report["wall_s"] = time.perf_counter() - started
    report.update(where, inputs=plan.total, plan=plan.describe("wf_miniseed"), plan_s=plan_s, warm_up_s=warm_up_s,
                  startup_s=started - began - warm_up_s)  # fmt: skip
    return report


def print_report(r: dict[str, Any]) -> None:
    wall, total, n = r["wall_s"], r.get("total_s", r["wall_s"]), r["documents_read"]
    print("\n=== sparkseis p_window ===")
    print(f"database     : {r['database']} at {r['mongo']}")
    print(f"inputs       : {r['inputs']} waveforms ({r['plan']}, planned in {r['plan_s']:.2f} s); {n} read by this run")
    if r["count_only"]:
        print(f"live         : {r['live']} (count only, nothing saved)")
    else:
        print(f"live saved   : {r['live']} to wf_TimeSeries, data_tag {r['output_tag']!r} ({r['storage_mode']}), run {r['run_id']}")
    print(f"killed       : {r['dead']}" + (" (in cemetery)" if not r["count_only"] else ""))
    for reason, count in r["killed_by"].items():
        print(f"  {count:6d}  {describe_reason(reason, r.get('value_ranges', {}).get(reason))}")
    if not r["count_only"]:
        replaced = r.get("replaced", {})
        print(f"records      : {r['stored']} in the database for this run (acknowledged {r['acknowledged_live']} live + "
              f"{r['acknowledged_dead']} dead)")
        print(f"replaced     : {replaced.get('documents', 0)} older windows, {replaced.get('cemetery', 0)} older cemetery records")
    print(f"wall time    : {wall:.1f} s job ({n / wall if wall > 0 else float('nan'):.1f} waveforms/s), {total:.1f} s with start-up "
          f"({n / total if total > 0 else float('nan'):.1f} waveforms/s); start-up {r['startup_s']:.1f} s"
          + (f", warm-up {r['warm_up_s']:.1f} s" if r.get("warm_up_s") else ""))  # fmt: skip
    if r.get("step_ms"):
        steps = r["step_ms"]
        print(f"per waveform : {sum(steps.values()):.2f} ms of worker time: " + ", ".join(f"{k} {v:.2f}" for k, v in steps.items()))
    print(f"Spark        : {r['master']}, app {r['application_id']}; event log in {r['event_log']}")
    if r["event_log"].startswith("file:"):
        print("               to browse this run after it ends: sparkseis history start")


def _task_failure(err: Exception) -> str:
    """The Python error at the bottom of a failed Spark job, in one line."""
    text = str(err)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in reversed(lines):
        if ln.split(":")[0].endswith(("Error", "Exception")) and not ln.startswith(("org.", "java.", "py4j")):
            return ln
    return lines[0] if lines else type(err).__name__


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        report = run(args)
    except (JobError, DataTagExistsError, TagBusyError, LookupError) as err:
        print(f"p_window: {err}", file=sys.stderr)
        return 2
    except AccountingError as err:
        print(f"p_window: the run failed its count check ({err}); the tag's earlier outputs were kept", file=sys.stderr)
        return 3
    except (Py4JJavaError, PySparkException) as err:
        print(f"p_window: a Spark task failed, so the run failed and the tag's earlier outputs were kept: {_task_failure(err)} "
              f"(task traces in {TASK_LOG}; --resume completes the run once the cause is fixed)", file=sys.stderr)  # fmt: skip
        return 1
    except PyMongoError as err:
        print(f"p_window: lost the database ({type(err).__name__}); the tag's earlier outputs were kept; "
              "when it is back, --resume completes the run", file=sys.stderr)  # fmt: skip
        return 1
    print_report(report)
    return 0
