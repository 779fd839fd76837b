"""The p_window job's command-line front: its arguments, its summary and its exit codes, over
sparkseis.spark.p_window.run (what spark-submit jobs/p_window.py runs).

Exit codes: 0 the run succeeded; 2 a mistake in how it was asked to run (one line, nothing
was read); 3 its count check failed; 1 a Spark task or the database failed (one line and
where the traces are). Anything else is a bug in sparkseis: a traceback, exit code 1.
"""

from __future__ import annotations

import argparse
import sys

from pymongo.errors import PyMongoError

from sparkseis import __version__
from sparkseis.algorithms.traveltime import DISTANCE_METHODS
from sparkseis.core.errors import AccountingError, SparkJobFailed, UserMistake


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="p_window", description=__doc__)
    add_window_options(p, "p_window")
    p.add_argument(
        "--full-record",
        action="store_true",
        help="detrend, filter and decimate whole records before windowing (default: "
        "compute P first and filter only the window plus the filter's settling margin; the same windows: "
        "bit for bit at 40 -> 20 samples/s, within 2e-13 at larger factors)",
    )
    p.add_argument("--t0offset", type=float, default=0.0, help="data start minus origin time, s (default 0)")
    p.add_argument("--tolerance", type=float, default=4.0, help="origin-time match tolerance, s (default 4)")
    add_run_options(p, "read partitions (default: a multiple of the cores, up to 1,000 waveforms each)")
    return p


def add_window_options(p: argparse.ArgumentParser, default_tag: str) -> None:
    """The options of every window job: database, tags, window, rate, model, phases, distance."""
    p.add_argument("--db", default="getting_started", help="database name (default getting_started)")
    p.add_argument(
        "--mongo-uri", default=None, help="MongoDB URI (default: SPARKSEIS_MONGODB_URI, conf/, else embedded)"
    )
    p.add_argument("--input-tag", default=None, help="read only wf_miniseed documents with this data_tag")
    p.add_argument("--output-tag", default=default_tag, help=f"data_tag of the saved windows (default {default_tag})")
    p.add_argument(
        "--window",
        nargs=2,
        type=float,
        default=[-100.0, 600.0],
        metavar=("START", "END"),
        help="window in s relative to P (default -100 600)",
    )
    p.add_argument("--rate", type=float, default=20.0, help="output sampling rate, samples/s (default 20)")
    p.add_argument("--model", default="iasp91", help="TauP model (default iasp91)")
    p.add_argument("--pdiff", action="store_true", help="use Pdiff beyond the P range")
    p.add_argument(
        "--phases",
        default="P",
        help="TauP phases whose first arrival is P, comma-separated (default P, as the "
        "MsPASS tutorial; p,P adds the up-going p that arrives first near deep sources)",
    )
    p.add_argument(
        "--distance",
        choices=DISTANCE_METHODS,
        default="geodesic",
        help="epicentral distance: geodesic (WGS84 km / 111.19, the tutorial's; default), geocentric or spherical",
    )


def add_run_options(p: argparse.ArgumentParser, partitions_help: str) -> None:
    """The options of every saving job: partitions, storage, overwrite/resume, count only, Spark."""
    p.add_argument("--partitions", type=int, default=None, help=partitions_help)
    p.add_argument("--storage-mode", choices=["gridfs", "file"], default=None, help="default from conf/ (gridfs)")
    p.add_argument("--output-dir", default=None, help="folder for storage mode file (default from conf/)")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace outputs already saved under --output-tag (once this run succeeded)",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="complete the output tag's unfinished run: process only inputs without an output",
    )
    p.add_argument(
        "--count-only", action="store_true", help="reduce each datum to its live flag and count; save nothing"
    )
    p.add_argument(
        "--master",
        default=None,
        help="Spark master (default: spark-submit's, else conf/spark/spark-defaults.conf: local[*,4])",
    )
    p.add_argument(
        "--no-warm-up",
        dest="warm_up",
        action="store_false",
        help="skip the warm-up: by default a separate Spark job labelled 'warm-up' first starts the Python workers, "
        "imports sparkseis and loads the TauP model, so that the job's own clock measures the work (the summary "
        "shows the warm-up's time; the whole run takes as long either way)",
    )
    p.add_argument(
        "--time-steps", action="store_true", help="time every step on the workers and print ms per waveform for each"
    )
    p.add_argument("--version", action="version", version=f"sparkseis {__version__}")


def run_command(name: str, parser: argparse.ArgumentParser, engine: str, argv: list[str] | None) -> int:
    """Parse argv, run the job (the `run` of module `engine`), print its summary; the exit code."""
    import importlib

    from sparkseis.spark.clock import run_started

    began = run_started()  # the summary's total is the whole process, spark-submit's JVM start included
    args = parser.parse_args(argv)
    args.process_ends = True  # the command's process ends with the run: its context stops quickly
    from sparkseis import config
    from sparkseis.spark import worker_zygote

    settings = config.settings()
    if worker_zygote.wanted(
        config.resolve_master(args.master, settings), config.spark_defaults(settings.spark_conf_dir)
    ):
        # the Python workers' imports start now, beside the JVM's and the driver's own start
        # (spark-submit's own --master and --conf are only known once the context starts)
        worker_zygote.start()
    from sparkseis.spark.window_job import TASK_LOG

    run = importlib.import_module(engine).run
    try:
        report = run(args, began=began)
    except UserMistake as err:
        print(f"{name}: {err}", file=sys.stderr)
        return 2
    except AccountingError as err:
        print(f"{name}: the run failed its count check ({err}); the tag's earlier outputs were kept", file=sys.stderr)
        return 3
    except SparkJobFailed as err:
        print(
            f"{name}: a Spark task failed, so the run failed and the tag's earlier outputs were kept: {err} "
            f"(task traces in {TASK_LOG}; --resume completes the run once the cause is fixed)",
            file=sys.stderr,
        )
        return 1
    except PyMongoError as err:
        print(
            f"{name}: lost the database ({type(err).__name__}); the tag's earlier outputs were kept; "
            "when it is back, --resume completes the run",
            file=sys.stderr,
        )
        return 1
    print(report.format())
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the job from command-line arguments; returns the exit code."""
    return run_command("p_window", build_parser(), "sparkseis.spark.p_window", argv)


if __name__ == "__main__":
    sys.exit(main())
