"""The P-window job's engine: read wf_miniseed -> match station and source -> detrend ->
resample -> P time -> relative time -> window -> save (or count). `run(args)` validates,
checks the database, records the run and drives Spark (sparkseis.spark.window_job); its
command-line front (arguments, summary, exit codes) is sparkseis.commands.p_window."""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path
from typing import Any

from pymongo.errors import OperationFailure

from sparkseis import config
from sparkseis.algorithms.chains import p_window_steps
from sparkseis.algorithms.traveltime import load_taup_model, phase_list
from sparkseis.algorithms.traveltime_table import TravelTimeTable, cached_table
from sparkseis.client import Client, redact_uri
from sparkseis.config import Settings
from sparkseis.core.errors import ArgumentError, JobError
from sparkseis.core.seismic import TimeSeries
from sparkseis.db.normalize import MiniseedMatcher, OriginTimeMatcher
from sparkseis.db.runs import RunRecord
from sparkseis.db.window_read import read_for_window
from sparkseis.db.writer import check_data_tag
from sparkseis.report import RunReport
from sparkseis.spark.reader import READ_STEPS, ReadHooks, read_planned
from sparkseis.spark.stages import map_steps, per_datum_ms, step_timer
from sparkseis.spark.window_job import TASK_LOG, WindowJob, phases_of, run_window_job, save_or_count

__all__ = ["TASK_LOG", "open_input", "run", "validate_arguments"]


def validate_arguments(args: argparse.Namespace, settings: Settings) -> TravelTimeTable | None:
    """Everything about the arguments that can be checked without data: JobError if wrong.
    Fills in what the settings decide (storage mode, output folder), resolved here once.
    Returns the travel-time table if it is already built (then TauP is not even imported)."""
    start, end = args.window
    if not (math.isfinite(start) and math.isfinite(end) and start < end):
        raise JobError(f"--window START END: START must be before END (got {start:g} {end:g})")
    if not (math.isfinite(args.rate) and args.rate > 0):
        raise JobError(f"--rate must be a positive number of samples/s (got {args.rate:g})")
    tolerance, t0offset = getattr(args, "tolerance", 0.0), getattr(args, "t0offset", 0.0)  # origin-time matching only
    if not (math.isfinite(tolerance) and tolerance >= 0) or not math.isfinite(t0offset):
        raise JobError(f"--tolerance must be >= 0 s and --t0offset finite (got {tolerance:g}, {t0offset:g})")
    if args.partitions is not None and args.partitions < 1:
        raise JobError(f"--partitions must be at least 1 (got {args.partitions})")
    if args.resume and args.count_only:
        raise JobError("--resume completes a saving run; it makes no sense with --count-only")
    if not phases_of(args):
        raise JobError("--phases names no phase")
    try:
        if not args.count_only:
            check_data_tag(args.output_tag)
        table = cached_table(args.model, phase_list(phases_of(args), args.pdiff), settings.traveltime_cache)
        if table is None:
            load_taup_model(args.model)  # the model must exist before the table is built from it
        # the dry run: every step's argument checks, on a dead datum (nothing is computed)
        dummy = TimeSeries(None, 0.0, 1.0)
        dummy.kill()
        for func, fargs, fkwargs in p_window_steps(
            table or args.model,
            args.rate,
            tuple(args.window),
            args.pdiff,
            phases=phases_of(args),
            distance=args.distance,
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


def open_input(args: argparse.Namespace, settings: Settings) -> tuple[Client, Any, dict, None]:
    """(client, database, query, None): the input must exist and match at least one document."""
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
    return client, db, query, None


def run(
    args: argparse.Namespace, spark=None, settings: Settings | None = None, began: float | None = None
) -> RunReport:
    """Run the job; returns its report. A UserMistake (JobError, DataTagExistsError,
    TagBusyError, ...) for mistakes found before any waveform is read (arguments, database,
    tag); anything else is a failure of the run or a bug, and propagates. began: when the run
    began (UNIX time, s; default now), from which start-up and the total are measured. Given
    no `spark`, the run starts its own Spark context and stops it before returning."""
    settings = settings or config.settings()
    table = validate_arguments(args, settings)
    return run_window_job(P_WINDOW, args, spark, settings, began, table)


def windows(
    args, sc, db, plan, record: RunRecord | None, table: TravelTimeTable, output_collection: str = "wf_TimeSeries"
) -> tuple:
    """(RDD of windows, the read's hooks, the chain's steps): the planned waveforms read,
    matched and taken through the chain, not yet saved. A resume skips the waveforms that
    already have a record of the run in output_collection or the cemetery."""
    stations = MiniseedMatcher(db, "channel")
    sources = OriginTimeMatcher(db, "source", t0offset=args.t0offset, tolerance=args.tolerance)
    hooks = ReadHooks(
        documents_read=sc.accumulator(0),
        timer=step_timer(sc) if args.time_steps else None,
        skip_outputs_of=record.run_id if record is not None and args.resume else None,
        output_collection=output_collection,
        defer_samples=not args.full_record,
    )
    rdd = read_planned(db, plan, [stations, sources], sc, hooks)
    steps = p_window_steps(
        sc.broadcast(table),
        args.rate,
        tuple(args.window),
        args.pdiff,
        phases=phases_of(args),
        distance=args.distance,
        window_first=not args.full_record,
        window_reader=read_for_window,
        reader_args=(db.settings,),
    )
    return map_steps(rdd, steps, hooks.timer), hooks, steps


def _run_job(args, sc, db, plan, record: RunRecord | None, table: TravelTimeTable, prepared=None) -> RunReport:
    """Read the planned waveforms, run the chain and save or count: the job's own clock."""
    started = time.perf_counter()
    rdd, hooks, steps = windows(args, sc, db, plan, record, table)
    expected = plan.total if args.resume else None
    report = save_or_count(rdd, db, args, record, hooks.documents_read, expected_records=expected, timer=hooks.timer)
    if hooks.timer is not None:
        report.step_ms = per_datum_ms(
            hooks.timer, [*READ_STEPS, *(getattr(f, "__name__", "") for f, _, _ in steps), "save"]
        )
    report.wall_s = time.perf_counter() - started
    return report


P_WINDOW = WindowJob("p_window", "wf_miniseed", open_input, _run_job)
