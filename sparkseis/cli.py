"""The `sparkseis` console command: manage the embedded database and import data."""

from __future__ import annotations

import argparse
import logging
import sys


def _db_command(args: argparse.Namespace) -> int:
    from sparkseis.db.embedded import EmbeddedServer

    server = EmbeddedServer.from_config()
    if args.action == "start":
        server.start()
        print(server.status())
    elif args.action == "stop":
        print("stopped" if server.stop() else "no embedded server started by sparkseis was running")
    else:
        print(server.status())
    return 0


def _import_command(args: argparse.Namespace) -> int:
    from sparkseis.db.client import Client
    from sparkseis.db.importer import import_folder

    client = Client(args.mongo_uri)
    db = client.get_database(args.db)
    report = import_folder(db, args.folder, origin=args.origin)
    print(f"imported {args.folder} into database {args.db!r} at {client!r}")
    print(f"  miniSEED files: {report['mseed_files']}, wf_miniseed segments: {report['segments']}")
    print(f"  site: {report['site']}, channel: {report['channel']}, source: {report['source']}")
    for problem in report["problems"]:
        print(f"  problem (logged in elog): {problem}")
    for skipped in report["skipped"]:
        print(f"  skipped event: {skipped}")
    for failed in report["failed"]:
        print(f"  FAILED {failed['file']}: {failed['reason']}")
    if report["ignored"]:
        print(f"  ignored {len(report['ignored'])} files that are not miniSEED, StationXML or QuakeML: {', '.join(report['ignored'][:5])}"
              + (" ..." if len(report["ignored"]) > 5 else ""))
    counts = {c: db[c].count_documents({}) for c in ("wf_miniseed", "site", "channel", "source")}
    print(f"  collections now hold: {counts}")
    if report["failed"]:
        print(f"sparkseis import: {len(report['failed'])} files could not be imported (listed above, and in the elog collection)",
              file=sys.stderr)  # fmt: skip
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sparkseis", description="sparkseis: seismic processing on Spark with MongoDB")
    sub = parser.add_subparsers(dest="command", required=True)
    p_db = sub.add_parser("db", help="manage the embedded MongoDB-protocol server")
    p_db.add_argument("action", choices=["start", "stop", "status"])
    p_db.set_defaults(func=_db_command)
    p_imp = sub.add_parser("import", help="import a folder of miniSEED, StationXML and QuakeML files")
    p_imp.add_argument("folder")
    p_imp.add_argument("--db", default="getting_started", help="database name (default getting_started)")
    p_imp.add_argument("--mongo-uri", default=None, help="MongoDB URI (default: configured, else embedded)")
    p_imp.add_argument("--origin", default="hypocentre", choices=["preferred", "hypocentre", "first"],
                       help="which origin of each event to store (default hypocentre: P times start there)")  # fmt: skip
    p_imp.set_defaults(func=_import_command)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except (ConnectionError, FileNotFoundError, RuntimeError) as err:
        print(f"sparkseis: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

