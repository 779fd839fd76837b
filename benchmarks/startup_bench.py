"""Where the fixed cost of a `spark-submit jobs/p_window.py` run goes, from one run's own
clocks: the process measured from outside, the job's summary, and the Spark event log's
timestamps (context start, the warm-up job, the job's first and last task, context stop).

Data: --n replicas of the real Okhotsk records (benchmarks/replicas.py) on a fresh embedded
server; --count-only, local[2]. The travel-time table is built before the runs (a first run
on a fresh machine builds it once, about 10 s, and says so in its start-up).

Run: PATH=.venv/bin:$PATH .venv/bin/python benchmarks/startup_bench.py [--n 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))

T0OFFSET, TOLERANCE = -289.6, 1.0  # the Okhotsk data start 289.6 s before the origin


def events(log_dir: Path, app_id: str) -> list[dict]:
    """The Spark events of one application: an uncompressed JSON-lines event log, one file or
    a rolling log's folder (eventlog_v2_<app>/events_<n>_<app>)."""
    found = next(p for p in log_dir.iterdir() if p.name in (app_id, f"eventlog_v2_{app_id}"))
    parts = sorted(found.glob("events_*"), key=lambda p: int(p.name.split("_")[1])) if found.is_dir() else [found]
    return [json.loads(line) for part in parts for line in part.read_text().splitlines() if line.strip()]


def timeline(evs: list[dict]) -> dict[str, float]:
    """UNIX times (s) of the run's milestones, from its event log."""
    out: dict[str, float] = {}
    jobs: dict[int, dict] = {}
    stage_job: dict[int, int] = {}
    for e in evs:
        kind = e["Event"]
        if kind == "SparkListenerApplicationStart":
            out["context_start"] = e["Timestamp"] / 1e3
        elif kind == "SparkListenerJobStart":
            description = (e.get("Properties") or {}).get("spark.job.description", "")
            jobs[e["Job ID"]] = {"submitted": e["Submission Time"] / 1e3, "warm": description.startswith("warm-up")}
            for stage in e.get("Stage IDs", []):
                stage_job[stage] = e["Job ID"]
        elif kind == "SparkListenerTaskStart":
            job = jobs[stage_job[e["Stage ID"]]]
            job.setdefault("first_task", e["Task Info"]["Launch Time"] / 1e3)
        elif kind == "SparkListenerTaskEnd":
            jobs[stage_job[e["Stage ID"]]]["last_task"] = e["Task Info"]["Finish Time"] / 1e3
        elif kind == "SparkListenerJobEnd":
            jobs[e["Job ID"]]["ended"] = e["Completion Time"] / 1e3
        elif kind == "SparkListenerApplicationEnd":
            out["context_stop"] = e["Timestamp"] / 1e3
    warm = [j for j in jobs.values() if j["warm"]]
    work = [j for j in jobs.values() if not j["warm"]]
    if warm:
        out["warm_submitted"], out["warm_ended"] = warm[0]["submitted"], warm[0]["ended"]
    out["job_submitted"] = min(j["submitted"] for j in work)
    out["first_task"] = min(j["first_task"] for j in work if "first_task" in j)
    out["last_task"] = max(j["last_task"] for j in work if "last_task" in j)
    out["job_ended"] = max(j["ended"] for j in work)
    return out


def one_run(uri: str, log_dir: Path, master: str, confs: tuple[str, ...] = ()) -> dict:
    env = dict(
        os.environ,
        PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
        SPARK_CONF_DIR=str(REPO / "conf" / "spark"),
        SPARK_LOCAL_IP="127.0.0.1",
        SPARKSEIS_EVENT_LOG_DIR=str(log_dir),
    )
    cmd = ["spark-submit", "--master", master, "--conf", "spark.eventLog.compress=false"]
    cmd += [arg for conf in confs for arg in ("--conf", conf)] + ["jobs/p_window.py"]
    cmd += ["--db", "bench", "--mongo-uri", uri, "--t0offset", str(T0OFFSET), "--tolerance", str(TOLERANCE)]
    cmd += ["--count-only"]
    began = time.time()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO)
    ended = time.time()
    if out.returncode != 0:
        raise RuntimeError(f"run failed ({out.returncode}):\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    summary = out.stdout
    m = re.search(r"wall time\s+: ([0-9.]+) s job .*?, ([0-9.]+) s with start-up", summary)
    app = re.search(r"app (\S+?);", summary).group(1)
    t = timeline(events(log_dir, app))
    row = {
        "outside_s": ended - began,
        "summary_total_s": float(m.group(2)),
        "job_clock_s": float(m.group(1)),
        "to_context_start": t["context_start"] - began,
        "context": t.get("warm_submitted", t["job_submitted"]) - t["context_start"],
        "warm_up": t["warm_ended"] - t["warm_submitted"] if "warm_submitted" in t else 0.0,
        "planning_after_warm_up": t["job_submitted"] - t.get("warm_ended", t["job_submitted"]),
        "to_first_task": t["first_task"] - t["job_submitted"],
        "first_to_last_task": t["last_task"] - t["first_task"],
        "after_last_task": t["job_ended"] - t["last_task"],
        "to_context_stop": t["context_stop"] - t["job_ended"],
        "process_exit": ended - t["context_stop"],
    }
    row["outside_job_s"] = row["outside_s"] - row["job_clock_s"]
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="waveforms (rounded down to a multiple of 3)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--conf", action="append", default=[], help="a Spark setting k=v for spark-submit (repeatable)")
    args = parser.parse_args()

    import replicas
    from _server import bench_server

    from sparkseis import config
    from sparkseis.algorithms.traveltime_table import travel_time_table

    travel_time_table("iasp91", ("P",), cache_dir=config.settings().traveltime_cache)
    with (
        bench_server() as client,
        tempfile.TemporaryDirectory(prefix="sparkseis-replicas-") as tmp,
        tempfile.TemporaryDirectory(prefix="sparkseis-events-") as logs,
    ):
        db = client.get_database("bench")
        n = replicas.build(db, REPO / "data" / "okhotsk_2013", Path(tmp), args.n)
        rows = [one_run(client.uri, Path(logs), args.master, tuple(args.conf)) for _ in range(args.repeat)]
    print(f"spark-submit jobs/p_window.py --count-only, {n} waveforms, {args.master}, {args.repeat} runs (median):")
    labels = {
        "to_context_start": "spark-submit start -> Spark context starts (JVM launch, Python imports, checks)",
        "context": "Spark context start -> ready (warm-up submitted)",
        "warm_up": "warm-up job: Python workers up, chain imported (planning meanwhile)",
        "planning_after_warm_up": "planning left after the warm-up",
        "to_first_task": "job submitted -> first task",
        "first_to_last_task": "first task -> last task",
        "after_last_task": "last task -> job end",
        "to_context_stop": "job end -> context stopped (counts, shutdown)",
        "process_exit": "context stopped -> process gone",
    }
    for key, label in labels.items():
        values = [r[key] for r in rows]
        print(f"  {label:82s} {statistics.median(values):6.2f} s  (range {min(values):.2f}-{max(values):.2f})")
    for key, label in (
        ("outside_s", "whole process, measured outside"),
        ("summary_total_s", "the summary's total"),
        ("job_clock_s", "the job's own clock"),
        ("outside_job_s", "time outside the job"),
    ):
        values = [r[key] for r in rows]
        print(f"  {label:82s} {statistics.median(values):6.2f} s  (range {min(values):.2f}-{max(values):.2f})")
    gaps = [r["outside_s"] - r["summary_total_s"] for r in rows]
    print(f"  outside minus summary total (the summary's honesty): max {max(gaps):.2f} s")


if __name__ == "__main__":
    main()
