"""The P-window job: read wf_miniseed -> match station and source -> detrend -> resample ->
P time -> relative time -> window -> save (or count)."""

from __future__ import annotations

import argparse
import time
from typing import Any

from sparkseis import config
from sparkseis.algorithms.p_window import p_window_steps
from sparkseis.algorithms.traveltime import DISTANCE_METHODS, TravelTimeCalculator
from sparkseis.db.client import Client, redact_uri
from sparkseis.db.normalize import MiniseedMatcher, OriginTimeMatcher
from sparkseis.spark.reader import read_distributed_data
from sparkseis.spark.session import describe, session
from sparkseis.spark.sink import count_live, write_distributed_data
from sparkseis.spark.stages import stage


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
    p.add_argument("--t0offset", type=float, default=0.0, help="data start minus origin time, s (default 0)")
    p.add_argument("--tolerance", type=float, default=4.0, help="origin-time match tolerance, s (default 4)")
    p.add_argument("--partitions", type=int, default=None, help="read partitions (default: a multiple of the cores, up to 1,000 waveforms each)")
    p.add_argument("--storage-mode", choices=["gridfs", "file"], default=None, help="default from conf/ (gridfs)")
    p.add_argument("--output-dir", default=None, help="folder for storage mode file (default from conf/)")
    p.add_argument("--overwrite", action="store_true", help="replace outputs already saved under --output-tag")
    p.add_argument("--count-only", action="store_true", help="reduce each datum to its live flag and count; save nothing")
    p.add_argument("--master", default=None, help="Spark master (default: spark-submit's, else conf/: local[*])")
    return p


def run(args: argparse.Namespace, spark=None) -> dict[str, Any]:
    """Run the job; returns the report (also what print_report shows)."""
    spark = spark or session(args.master, app_name="sparkseis p_window")
    where = describe(spark)
    print(f"Spark master {where['master']}, UI {where['ui']} (while running), event log {where['event_log']}", flush=True)
    started = time.perf_counter()
    client = Client(args.mongo_uri)
    db = client.get_database(args.db)
    stations = MiniseedMatcher(db, "channel")
    sources = OriginTimeMatcher(db, "source", t0offset=args.t0offset, tolerance=args.tolerance)
    query = {"data_tag": args.input_tag} if args.input_tag else None
    rdd = read_distributed_data(db, query, collection="wf_miniseed", normalize=[stations, sources], npartitions=args.partitions,
                                spark_context=spark.sparkContext)  # fmt: skip
    calculator = spark.sparkContext.broadcast(TravelTimeCalculator(args.model))
    phases = tuple(p.strip() for p in args.phases.split(",") if p.strip())
    for func, fargs, fkwargs in p_window_steps(calculator, args.rate, tuple(args.window), args.pdiff, phases=phases, distance=args.distance):
        rdd = rdd.map(stage(func, *fargs, **fkwargs))
    if args.count_only:
        report = count_live(rdd)
    else:
        mode = args.storage_mode or config.get("storage", "mode", "gridfs")
        report = write_distributed_data(rdd, db, args.output_tag, mode, args.overwrite, args.output_dir)
        report["storage_mode"] = mode
    report["wall_s"] = time.perf_counter() - started
    report.update(database=args.db, mongo=redact_uri(client.uri), output_tag=None if args.count_only else args.output_tag,
                  count_only=args.count_only, **where)  # fmt: skip
    return report


def print_report(r: dict[str, Any]) -> None:
    rate = r["inputs"] / r["wall_s"] if r["wall_s"] > 0 else float("nan")
    print("\n=== sparkseis p_window ===")
    print(f"database     : {r['database']} at {r['mongo']}")
    print(f"inputs       : {r['inputs']} waveforms in {r['partitions']} partitions")
    if r["count_only"]:
        print(f"live         : {r['live']} (count only, nothing saved)")
    else:
        print(f"live saved   : {r['live']} to wf_TimeSeries, data_tag {r['output_tag']!r} ({r['storage_mode']})")
    print(f"killed       : {r['dead']}" + (" (in cemetery)" if not r["count_only"] else ""))
    for reason, n in r["killed_by"].items():
        print(f"  {n:6d}  {reason}")
    print(f"wall time    : {r['wall_s']:.1f} s, {rate:.1f} waveforms/s")
    print(f"Spark        : {r['master']}, app {r['application_id']}; event log in {r['event_log']}")
    print("               (after the run: spark-history-server with spark.history.fs.logDirectory set to that folder)")
    assert r["live"] + r["dead"] == r["inputs"]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    print_report(run(args))
    return 0
