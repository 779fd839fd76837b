"""The event-window job's command-line front (what spark-submit jobs/event_windows.py runs):
windows around P cut from continuous archives (SDS trees, s3:// buckets, imported with
`sparkseis import`) for every event of a source query and every selected channel within a
distance range. Exit codes as p_window's: 0 done, 2 a mistake (one line, nothing read), 3 a
failed count check, 1 a failed Spark task or database; a bug is a traceback and 1.
"""

from __future__ import annotations

import argparse
import sys

from sparkseis.commands.p_window import add_run_options, add_window_options, run_command


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="event_windows", description=__doc__)
    add_window_options(p, "event_windows")
    p.add_argument(
        "--events",
        default=None,
        help='which events: a JSON query on source (default all), e.g. \'{"magnitude": {"$gte": 6.5}}\'',
    )
    for key, what in (
        ("net", "networks"),
        ("sta", "stations"),
        ("loc", "location codes ('' for none)"),
        ("chan", "channels"),
    ):
        p.add_argument(
            f"--{key}", default="*", help=f"{what}: comma-separated shell-style patterns (default *), e.g. IU,II or BH?"
        )
    p.add_argument("--min-distance", type=float, default=0.0, help="epicentral distance from, degrees (default 0)")
    p.add_argument("--max-distance", type=float, default=180.0, help="epicentral distance to, degrees (default 180)")
    p.add_argument(
        "--plan-only",
        action="store_true",
        help="count the (event, channel) pairs the events and the selection make (on the executors); read nothing",
    )
    add_run_options(p, "event partitions (default: a multiple of the cores, up to 1,000 events each)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the job from command-line arguments; returns the exit code."""
    return run_command("event_windows", build_parser(), "sparkseis.spark.event_windows", argv)


if __name__ == "__main__":
    sys.exit(main())
