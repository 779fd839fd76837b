"""The event-window job's engine: windows around P cut from continuous archives (SDS day files,
object stores) for every event of a `source` query and every selected channel in a distance
range.

The driver plans only the events (a snapshot of their ids, as any read) and selects the
channels (a station list: small, broadcast). Each task turns its events into (event, channel)
pairs, in time order: the datum of a pair gets its metadata, its P time from the broadcast
travel-time table, then only the records holding [P + start - margin, P + end + margin]
(margin: the anti-alias filter's settling) are read and merged (sparkseis.db.span_reader);
then detrend (the mean of the span read), resample, shift to P and window, and the sink saves
one window or one cemetery record per pair. Every pair is counted as an input."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sparkseis import config
from sparkseis.algorithms.chains import event_window_steps
from sparkseis.algorithms.event_pairs import (
    ChannelSelection,
    DistanceRange,
    channel_key,
    margin_s,
    pair_datum,
    pairs_for_event,
    window_span,
)
from sparkseis.algorithms.resample import ScipyDecimator
from sparkseis.algorithms.traveltime import set_Ptime
from sparkseis.config import Settings
from sparkseis.core.errors import ArgumentError, JobError, SampleReadError
from sparkseis.core.seismic import BasicSeismic
from sparkseis.db.ids import stable_object_id
from sparkseis.db.partitions import read_partition
from sparkseis.db.runs import RunRecord
from sparkseis.db.segment_finder import SegmentFinder, longest_segment_s
from sparkseis.db.span_reader import read_span
from sparkseis.io.documents import dead_timeseries
from sparkseis.report import RunReport
from sparkseis.spark import p_window
from sparkseis.spark.reader import done_parents
from sparkseis.spark.stages import dict_union, map_steps, per_datum_ms, step_timer
from sparkseis.spark.window_job import WindowJob, phases_of, run_window_job, save_or_count

# what the pair reader's own timers measure, in the order a pair meets them
PAIR_STEPS = ("plan pairs", "set_Ptime", "find segments", "read span")


@dataclass(frozen=True)
class PairPlan:
    """What every task needs to turn events into pairs and read their spans."""

    channels: list[dict]
    distances: DistanceRange
    window: tuple[float, float]
    rate: float
    model: Any  # the travel-time table (travels inside this plan's one broadcast)
    use_pdiff: bool
    phases: tuple[str, ...]
    longest_s: float
    input_query: dict


def parse_events_query(text: str | None) -> dict:
    """The --events filter (a JSON MongoDB query on `source`); JobError if it is not one."""
    if not text:
        return {}
    try:
        query = json.loads(text)
    except json.JSONDecodeError as err:
        raise JobError(
            f'--events must be a JSON query on source, e.g. \'{{"magnitude": {{"$gte": 6}}}}\': {err}'
        ) from None
    if not isinstance(query, dict):
        raise JobError(f"--events must be a JSON object (a query on source), got {text!r}")
    return query


def _selection(args: argparse.Namespace) -> ChannelSelection:
    return ChannelSelection(args.net, args.sta, args.loc, args.chan)


def open_input(args: argparse.Namespace, settings: Settings) -> tuple[Any, Any, dict, tuple[list[dict], float]]:
    """p_window's checks of the database and its wf_miniseed, then: the events query matches
    at least one source, the selection at least one channel with coordinates. Returns the
    events query and (selected channels, longest segment in s)."""
    events = parse_events_query(args.events)
    client, db, query, _ = p_window.open_input(args, settings)
    if db.source.find_one(events, {"_id": 1}) is None:
        raise JobError(f"no source documents in {args.db!r} match --events {json.dumps(events)}")
    selection = _selection(args)
    fields = {"_id": 1, "net": 1, "sta": 1, "loc": 1, "chan": 1, "lat": 1, "lon": 1, "elev": 1, "edepth": 1}
    fields.update({"hang": 1, "vang": 1, "sampling_rate": 1, "starttime": 1, "endtime": 1})
    channels = [doc for doc in db.channel.find({}, fields) if selection.matches(doc)]
    usable = [c for c in channels if c.get("lat") is not None and c.get("lon") is not None]
    if not usable:
        raise JobError(
            f"no channel documents in {args.db!r} match {selection} with coordinates"
            + (f" ({len(channels)} match without them)" if channels else "")
        )
    return client, db, events, (usable, longest_segment_s(db.wf_miniseed, query))


def _s3_for(settings: Settings) -> Callable[[dict], Any]:
    def s3(doc: dict):
        return settings.s3_options(doc.get("s3_anonymous", False)) if doc.get("storage_mode") == "s3" else None

    return s3


def _pair_reader(db, plan_bc, counters, skip_run_id: str | None, output_collection: str = "wf_TimeSeries"):
    """The tasks' pair maker and span reader: events -> one datum per (event, channel) pair,
    its span read (or killed with the reason)."""
    documents_read, bytes_read, files, timer, planned = counters
    clock = time.perf_counter

    def read(partitions: Iterator) -> Iterator[BasicSeismic]:
        plan: PairPlan = plan_bc.value
        decimator = ScipyDecimator(plan.rate)
        finder = SegmentFinder(db.wf_miniseed, plan.longest_s, 4 * max(1, len(plan.channels)), plan.input_query)
        s3_for = _s3_for(db.settings)
        times = {name: [0.0, 0] for name in PAIR_STEPS}
        seen_files: dict[str, int] = {}
        read_bytes = 0
        for part in partitions:
            for batch in read_partition(db.source, part):
                t = clock()
                deleted = [_id for _id, doc in batch if doc is None]
                events = sorted((doc for _, doc in batch if doc is not None), key=lambda e: float(e["time"]))
                times["plan pairs"][0] += clock() - t
                for _id in deleted:  # planned, then deleted: one dead input, never a silent drop
                    documents_read.add(1)
                    planned.add(1)
                    yield dead_timeseries(
                        {"_id": _id, "source_id": _id, "pair_id": _id},
                        "source",
                        "event_windows",
                        f"source document {_id} was deleted after the run was planned",
                    )
                for event in events:
                    t = clock()
                    pairs = [
                        (ch, stable_object_id("event_window", event["_id"], ch["_id"]))
                        for ch, _ in pairs_for_event(event, plan.channels, plan.distances)
                    ]
                    planned.add(len(pairs))
                    if skip_run_id and pairs:
                        done = done_parents(db, skip_run_id, (output_collection, "cemetery"), [p for _, p in pairs])
                        pairs = [(ch, p) for ch, p in pairs if p not in done]
                    times["plan pairs"][0] += clock() - t
                    times["plan pairs"][1] += len(pairs)
                    for ch, pair_id in pairs:
                        documents_read.add(1)
                        t0 = clock()
                        d = pair_datum(event, ch, pair_id)
                        d = set_Ptime(
                            d, plan.model, use_pdiff=plan.use_pdiff, phases=plan.phases, distance=plan.distances.method
                        )
                        t1 = clock()
                        segments, t2 = [], t1
                        if d.live:
                            key, rate = channel_key(ch), 1.0 / d.dt
                            for _ in range(2):  # the data's rate decides the margin, not the channel document's
                                span = window_span(float(d["Ptime"]), plan.window, margin_s(decimator, rate))
                                segments = finder.overlapping(key, *span)
                                if not segments or float(segments[0]["sampling_rate"]) == rate:
                                    break
                                rate = float(segments[0]["sampling_rate"])
                            t2 = clock()
                            try:
                                got = read_span(segments, key, *span, s3_for)
                            except SampleReadError as err:
                                d.kill_with("read_span", str(err))
                            else:
                                d.data, d.t0, d.dt = got.data.astype("float64"), got.t0, got.dt
                                d["read_span_start"], d["read_span_end"] = span
                                read_bytes += got.bytes_read
                                seen_files.update(got.files)
                        t3 = clock()
                        for name, spent in zip(PAIR_STEPS[1:], (t1 - t0, t2 - t1, t3 - t2)):
                            times[name][0] += spent
                            times[name][1] += 1
                        yield d
        bytes_read.add(read_bytes)
        files.add(seen_files)
        if timer is not None:
            timer.add({k: tuple(v) for k, v in times.items()})

    return read


def count_pairs(sc, db, plan, channels: list[dict], distances: DistanceRange) -> int:
    """How many (event, channel) pairs the planned events make with channels: computed on the
    executors, nothing read but the events."""
    channels_bc = sc.broadcast(channels)

    def count(partitions: Iterator) -> Iterator[int]:
        n = 0
        for part in partitions:
            for batch in read_partition(db.source, part):
                n += sum(
                    1
                    for _, event in batch
                    if event is not None
                    for _ in pairs_for_event(event, channels_bc.value, distances)
                ) + sum(1 for _, event in batch if event is None)
        yield n

    rdd = sc.parallelize(plan.partitions, len(plan.partitions)).mapPartitions(count)
    sc.setJobDescription(f"count the (event, channel) pairs of {plan.describe('source')} × {len(channels)} channels")
    try:
        return sum(rdd.collect())
    finally:
        sc.setJobDescription(None)


def _run_job(args, sc, db, plan, record: RunRecord | None, table, prepared) -> RunReport:
    """Plan the pairs, read their spans, run the chain and save or count: the job's own clock."""
    started = time.perf_counter()
    channels, longest = prepared
    if args.plan_only:
        distances = DistanceRange(args.min_distance, args.max_distance, args.distance)
        report = RunReport(job="event_windows", input_noun="windows", count_only=True, plan_only=True)
        report.inputs = count_pairs(sc, db, plan, channels, distances)
        report.plan = f"(event, channel) pairs of {plan.describe('source')} × {len(channels)} channels"
        report.wall_s = time.perf_counter() - started
        return report
    pair_plan = PairPlan(
        channels,
        DistanceRange(args.min_distance, args.max_distance, args.distance),
        tuple(args.window),
        args.rate,
        table,
        args.pdiff,
        phases_of(args),
        longest,
        {"data_tag": args.input_tag} if args.input_tag else {},
    )
    documents_read, bytes_read, files, planned = sc.accumulator(0), sc.accumulator(0), dict_union(sc), sc.accumulator(0)
    timer = step_timer(sc) if args.time_steps else None
    skip = record.run_id if record is not None and args.resume else None
    counters = (documents_read, bytes_read, files, timer, planned)
    reader = _pair_reader(db, sc.broadcast(pair_plan), counters, skip)
    selection = f"{len(channels)} channels {_selection(args)} at {args.min_distance:g}-{args.max_distance:g} deg"
    rdd = sc.parallelize(plan.partitions, len(plan.partitions)).mapPartitions(reader, preservesPartitioning=True)
    rdd = rdd.setName(f"pairs of {plan.describe('source')} × {selection} → set_Ptime → read span")
    steps = event_window_steps(args.rate, tuple(args.window))
    rdd = map_steps(rdd, steps, timer)
    expected = planned if args.resume else None  # pairs done by the earlier attempt included
    report = save_or_count(rdd, db, args, record, documents_read, expected_records=expected, timer=timer)
    report.job, report.input_noun = "event_windows", "windows"
    report.inputs = planned.value  # every pair planned, those an earlier attempt saved included
    report.plan = f"(event, channel) pairs of {plan.describe('source')} × {selection}"
    report.bytes_read, report.files_touched = bytes_read.value, len(files.value)
    report.file_bytes = sum(files.value.values())
    if timer is not None:
        report.step_ms = per_datum_ms(timer, [*PAIR_STEPS, *(getattr(f, "__name__", "") for f, _, _ in steps), "save"])
    report.wall_s = time.perf_counter() - started
    return report


EVENT_WINDOWS = WindowJob("event_windows", "source", open_input, _run_job)


def run(
    args: argparse.Namespace, spark=None, settings: Settings | None = None, began: float | None = None
) -> RunReport:
    """Run the job; returns its report (p_window.run's rules: a UserMistake before anything is
    read, anything else propagates)."""
    settings = settings or config.settings()
    try:
        DistanceRange(args.min_distance, args.max_distance, args.distance)
    except ArgumentError as err:
        raise JobError(f"--min-distance/--max-distance: {err}") from None
    parse_events_query(args.events)
    if args.plan_only:
        args.count_only = True  # nothing is read, so nothing is saved
    table = p_window.validate_arguments(args, settings)
    return run_window_job(EVENT_WINDOWS, args, spark, settings, began, table)
