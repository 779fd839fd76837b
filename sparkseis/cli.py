"""The `sparkseis` console command: manage the embedded database and import data."""

from __future__ import annotations

import argparse
import logging
import os
import sys


def _server_command(server, action: str, what: str, hint: str = "") -> int:
    """start | stop | status of a server sparkseis manages."""
    if action == "start":
        server.start()
        print(server.status())
        if hint:
            print(hint)
    elif action == "stop":
        print("stopped" if server.stop() else f"no {what} started by sparkseis was running")
    else:
        print(server.status())
    return 0


def _db_command(args: argparse.Namespace) -> int:
    settings = args.settings
    if args.server:
        settings = settings.replace(embedded_server=args.server)
    return _server_command(settings.embedded(), args.action, "embedded server")


def _import_command(args: argparse.Namespace) -> int:
    import time

    from sparkseis.client import Client
    from sparkseis.db.byte_store import is_object_store
    from sparkseis.db.importer import archive_files, import_folder, worth_spark

    if args.anon and not is_object_store(args.folder):
        raise FileNotFoundError(f"--anon reads a public object store: give an s3://bucket/prefix, not {args.folder}")
    s3 = args.settings.s3_options(anonymous=args.anon) if is_object_store(args.folder) else None
    files = archive_files(args.folder, s3)  # before connecting: a wrong folder or prefix is one line
    client = Client(args.mongo_uri, settings=args.settings)
    db = client.get_database(args.db)
    began = time.perf_counter()
    if args.spark or (not args.serial and worth_spark(files)):
        from sparkseis.spark.importer import import_folder_distributed
        from sparkseis.spark.session import session

        spark = session(args.master, app_name=f"sparkseis import {args.folder}", settings=args.settings)
        try:
            report = import_folder_distributed(
                db, args.folder, origin=args.origin, spark_context=spark.sparkContext, s3=s3
            )
        finally:
            spark.stop()
        how = f"as a Spark job ({report['tasks']} tasks on {args.master or 'the configured master'})"
    else:
        report = import_folder(db, args.folder, origin=args.origin, s3=s3)
        how = "file by file"
    print(
        f"imported {args.folder} into database {args.db!r} at {client!r} {how} in {time.perf_counter() - began:.1f} s"
    )
    print(f"  miniSEED files: {report['mseed_files']}, wf_miniseed segments: {report['segments']}")
    print(f"  site: {report['site']}, channel: {report['channel']}, source: {report['source']}")
    for problem in report["problems"]:
        print(f"  problem (logged in elog): {problem}")
    for skipped in report["skipped"]:
        print(f"  skipped event: {skipped}")
    for failed in report["failed"]:
        print(f"  FAILED {failed['file']}: {failed['reason']}")
    if report["ignored"]:
        print(
            f"  ignored {len(report['ignored'])} files that are not miniSEED, StationXML or QuakeML: "
            f"{', '.join(report['ignored'][:5])}" + (" ..." if len(report["ignored"]) > 5 else "")
        )
    counts = {c: db[c].count_documents({}) for c in ("wf_miniseed", "site", "channel", "source")}
    print(f"  collections now hold: {counts}")
    if report["failed"]:
        print(
            f"sparkseis import: {len(report['failed'])} files could not be imported (listed above, and in the elog collection)",
            file=sys.stderr,
        )
        return 1
    return 0


def _saved_tag(args: argparse.Namespace):
    """The database holding wf_TimeSeries documents under args.tag; RuntimeError otherwise."""
    from sparkseis.client import Client
    from sparkseis.core.errors import JobError

    client = Client(args.mongo_uri, settings=args.settings)
    db = client.get_database(args.db)
    if args.db not in client.list_database_names():
        raise JobError(f"database {args.db!r} does not exist at {client!r}")
    if db.wf_TimeSeries.find_one({"data_tag": args.tag}, {"_id": 1}) is None:
        raise JobError(f"no saved windows with data_tag {args.tag!r} in database {args.db!r} (wf_TimeSeries)")
    return db


def _plot_command(args: argparse.Namespace) -> int:
    from sparkseis.plot import record_section, traces_drawn

    db = _saved_tag(args)
    docs = list(
        db.wf_TimeSeries.find({"data_tag": args.tag}, {"_id": 1, "epicentral_distance": 1}).sort(
            "epicentral_distance", 1
        )
    )
    step = max(1, -(-len(docs) // args.max_traces))
    chosen = docs[::step]
    data = [db.read_data(doc["_id"], collection="wf_TimeSeries") for doc in chosen]
    shown = f"{len(chosen)} of {len(docs)}" if step > 1 else f"{len(docs)}"
    fig = record_section(data, args.output, title=f"{args.db} data_tag {args.tag}: {shown} windows, aligned on P")
    print(
        f"wrote {args.output}: record section of {shown} windows of data_tag {args.tag!r} ({traces_drawn(fig)} traces)"
    )
    return 0


def _export_command(args: argparse.Namespace) -> int:
    from sparkseis.spark.arrow import export_parquet
    from sparkseis.spark.session import session

    db = _saved_tag(args)  # before Spark starts
    spark = session(app_name=f"sparkseis export {args.tag}", settings=args.settings)
    try:
        rows = export_parquet(db, args.tag, args.parquet, spark)
    finally:
        spark.stop()
    print(f"wrote {rows} rows (one per saved window of data_tag {args.tag!r}) as Parquet to {args.parquet}")
    return 0


def _traveltime_command(args: argparse.Namespace) -> int:
    import time

    from sparkseis.algorithms.traveltime import phase_list, phase_names
    from sparkseis.algorithms.traveltime_table import cache_file, cached_table, travel_time_table
    from sparkseis.core.errors import ArgumentError, JobError

    phases = phase_list(phase_names(args.phases), args.pdiff)
    if not phases:
        raise JobError("--phases names no phase")
    cache = args.settings.traveltime_cache
    for model in args.model:
        path = cache_file(cache, model, phases)
        if cached_table(model, phases, cache) is not None:
            print(f"travel-time table {model} {','.join(phases)}: already built, {path}")
            continue
        began = time.perf_counter()
        try:
            travel_time_table(model, phases, cache)
        except ArgumentError as err:
            raise JobError(str(err)) from None
        print(f"travel-time table {model} {','.join(phases)}: built in {time.perf_counter() - began:.1f} s, {path}")
    return 0


def _history_command(args: argparse.Namespace) -> int:
    from sparkseis.spark.history import HistoryServer

    server = HistoryServer.from_settings(args.settings)
    hint = f"open {server.url} in a browser; runs appear there once their event log is written"
    return _server_command(server, args.action, "history server", hint)


def _shell_command(args: argparse.Namespace) -> int:
    from sparkseis.spark.shell import pyspark_command

    command, env = pyspark_command(args.pyspark_args, args.settings)
    os.execvpe(command[0], command, {**os.environ, **env})
    return 1  # not reached


def main(argv: list[str] | None = None) -> int:
    from sparkseis import __version__

    parser = argparse.ArgumentParser(
        prog="sparkseis", description="sparkseis: seismic processing on Spark with MongoDB"
    )
    parser.add_argument("--version", action="version", version=f"sparkseis {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p_db = sub.add_parser("db", help="manage the embedded MongoDB-protocol server")
    p_db.add_argument("action", choices=["start", "stop", "status"])
    p_db.add_argument(
        "--server",
        choices=["nx-27017", "secantusdb"],
        default=None,
        help="which embedded server (default: [embedded] server in conf/sparkseis.toml, SPARKSEIS_EMBEDDED_SERVER: nx-27017)",
    )
    p_db.set_defaults(func=_db_command)
    p_imp = sub.add_parser(
        "import", help="import a folder (an SDS tree, any layout) or s3:// prefix of miniSEED, StationXML and QuakeML"
    )
    p_imp.add_argument("folder", help="a folder, or s3://bucket/prefix in an S3-compatible store")
    p_imp.add_argument(
        "--anon",
        action="store_true",
        help="read a public bucket without credentials (otherwise: the AWS default credential chain)",
    )
    p_imp.add_argument("--db", default="getting_started", help="database name (default getting_started)")
    p_imp.add_argument("--mongo-uri", default=None, help="MongoDB URI (default: configured, else embedded)")
    p_imp.add_argument(
        "--origin",
        default=None,
        choices=["preferred", "hypocentre", "first"],
        help="which origin of each event to store (default from conf/: hypocentre, where P times start)",
    )
    how = p_imp.add_mutually_exclusive_group()
    how.add_argument(
        "--spark", action="store_true", help="index the files as a Spark job (default when they hold 2 GB or more)"
    )
    how.add_argument("--serial", action="store_true", help="index the files one after another in this process")
    p_imp.add_argument(
        "--master", default=None, help="Spark master for --spark (default: conf/spark/spark-defaults.conf)"
    )
    p_imp.set_defaults(func=_import_command)
    for name, helptext in (
        ("plot", "draw a record section of a saved data_tag as a PNG"),
        ("export", "write a saved data_tag as Parquet (one row per window, samples as an array column)"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--db", default="getting_started", help="database name (default getting_started)")
        p.add_argument("--tag", required=True, help="data_tag of the saved windows (wf_TimeSeries)")
        p.add_argument("--mongo-uri", default=None, help="MongoDB URI (default: configured, else embedded)")
        if name == "plot":
            p.add_argument("--output", required=True, help="PNG file to write")
            p.add_argument(
                "--max-traces",
                type=int,
                default=200,
                help="draw at most this many windows, evenly by distance (default 200)",
            )
            p.set_defaults(func=_plot_command)
        else:
            p.add_argument("--parquet", required=True, help="folder to write the Parquet files to (replaced)")
            p.set_defaults(func=_export_command)
    p_tt = sub.add_parser(
        "traveltime",
        help="build the travel-time tables jobs interpolate P times from (else the first job builds them, ~10 s each)",
    )
    p_tt.add_argument("--model", nargs="+", default=["iasp91"], help="TauP model names or files (default iasp91)")
    p_tt.add_argument("--phases", default="P", help="comma-separated first-arrival phases (default P, as the jobs)")
    p_tt.add_argument("--pdiff", action="store_true", help="add Pdiff (as the jobs' --pdiff)")
    p_tt.set_defaults(func=_traveltime_command)
    p_hist = sub.add_parser("history", help="Spark's history server for finished runs, on a loopback port")
    p_hist.add_argument("action", choices=["start", "stop", "status"])
    p_hist.set_defaults(func=_history_command)
    p_shell = sub.add_parser("shell", help="a pyspark shell with sparkseis' Spark settings and event log")
    p_shell.add_argument("pyspark_args", nargs=argparse.REMAINDER, help="passed to pyspark")
    p_shell.set_defaults(func=_shell_command)
    args, extra = parser.parse_known_args(argv)
    if args.command == "shell":
        args.pyspark_args = [*extra, *args.pyspark_args]  # pyspark's own flags (--master, --conf ...) go to pyspark
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from sparkseis import config
    from sparkseis.core.errors import UserMistake

    args.settings = config.settings()  # resolved once, here; everything below is handed its values
    if getattr(args, "origin", "") is None:
        args.origin = args.settings.origin
    try:
        return args.func(args)
    except UserMistake as err:
        print(f"sparkseis: {err}", file=sys.stderr)
        return 2
    except (ConnectionError, FileNotFoundError, RuntimeError) as err:  # a server that would not start, a missing folder
        print(f"sparkseis: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
