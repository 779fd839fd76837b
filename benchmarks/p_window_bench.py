"""The P-window workflow three ways on the same data in one run: the serial loop, Spark
local[1] and Spark local[2], each with and without the GridFS save.

Data: --n replicas of the real 70-minute 40 Hz Okhotsk traces (benchmarks/replicas.py) on
a fresh embedded server. Prints waveforms/s, ratios, driver peak memory, and the per-stage
cost of the serial loop (the same functions the Spark stages run).

Run: PATH=.venv/bin:$PATH .venv/bin/python benchmarks/p_window_bench.py [--n 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))

T0OFFSET, TOLERANCE = -289.6, 1.0  # the Okhotsk data start 289.6 s before the origin
# MsPASS on this workflow and machine class (figures from issue 4): wf/s
MSPASS = {"serial, no save": 39.0, "dask 2 workers, no save": 41.0, "serial, GridFS save": 15.5, "dask 2 workers, GridFS save": 13.8}


def jvm_peak_kib() -> int:
    """Peak resident memory (KiB) of the Java processes started below this one."""
    peak = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"java" in cmd and b"sparkseis-bench" in cmd:
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
    return peak


def spark_worker(uri: str, master: str, save: bool) -> None:
    """Run the job once in this process (one JVM per master) and print its figures as JSON."""
    from sparkseis.spark import session
    from sparkseis.spark.p_window import build_parser, run

    t = time.perf_counter()
    spark = session(master, app_name="sparkseis-bench", conf={"spark.ui.enabled": "false", "spark.driver.memory": "2g"})
    startup = time.perf_counter() - t
    args = ["--db", "bench", "--mongo-uri", uri, "--t0offset", str(T0OFFSET), "--tolerance", str(TOLERANCE)]
    args += ["--output-tag", f"spark-{master}", "--overwrite"] if save else ["--count-only"]
    report = run(build_parser().parse_args(args), spark)
    report["session_start_s"] = startup
    report["driver_python_peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report["driver_jvm_peak_mib"] = jvm_peak_kib() / 1024
    spark.stop()
    keep = ("inputs", "live", "dead", "wall_s", "partitions", "session_start_s", "driver_python_peak_mib", "driver_jvm_peak_mib", "killed_by")
    print("RESULT " + json.dumps({k: v for k, v in report.items() if k in keep}))


def serial_loop(db, save: bool) -> dict:
    """read_data + the same functions + save_data, one datum at a time, timing each stage."""
    from sparkseis.algorithms import TravelTimeCalculator
    from sparkseis.algorithms.p_window import p_window_steps
    from sparkseis.db import MiniseedMatcher, OriginTimeMatcher, normalize
    from sparkseis.db.decode import decode_waveform

    cost = defaultdict(list)
    t_start = time.perf_counter()
    stations, sources = MiniseedMatcher(db), OriginTimeMatcher(db, t0offset=T0OFFSET, tolerance=TOLERANCE)
    steps = p_window_steps(TravelTimeCalculator())
    names = ["detrend", "resample", "travel time", "shift", "window"]
    live = 0
    for doc in db["wf_miniseed"].find({}):
        t = time.perf_counter()
        d = decode_waveform(db, doc, "wf_miniseed")
        t1 = time.perf_counter()
        cost["read"].append(t1 - t)
        d = normalize(normalize(d, stations), sources)
        t2 = time.perf_counter()
        cost["match"].append(t2 - t1)
        for name, (func, args, kwargs) in zip(names, steps):
            t = time.perf_counter()
            d = func(d, *args, **kwargs)
            cost[name].append(time.perf_counter() - t)
        if save:
            t = time.perf_counter()
            db.save_data(d, data_tag="serial", storage_mode="gridfs")
            cost["save"].append(time.perf_counter() - t)
        live += d.live
    wall = time.perf_counter() - t_start
    return {"wall_s": wall, "inputs": len(cost["read"]), "live": live,
            "stage_ms": {k: 1e3 * statistics.mean(v) for k, v in cost.items()},
            "driver_python_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}  # fmt: skip


def run_spark(uri: str, master: str, save: bool) -> dict:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")
    cmd = [sys.executable, __file__, "--spark-worker", master, "--uri", uri] + (["--save"] if save else [])
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"Spark run {master} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000, help="waveforms (rounded down to a multiple of 3)")
    parser.add_argument("--spark-worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--uri", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--save", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.spark_worker:
        spark_worker(args.uri, args.spark_worker, args.save)
        return

    import replicas
    from _server import bench_server

    with bench_server() as client, tempfile.TemporaryDirectory(prefix="sparkseis-replicas-") as tmp:
        db = client.get_database("bench")
        t = time.perf_counter()
        n = replicas.build(db, REPO / "data" / "okhotsk_2013", Path(tmp), args.n)
        print(f"built {n} replica waveforms (70 min, 40 Hz, real samples) in {time.perf_counter() - t:.0f} s; manifest in the replica folder")
        results = {}
        for save in (False, True):
            label = "GridFS save" if save else "no save"
            results[("serial", save)] = serial_loop(db, save)
            for master in ("local[1]", "local[2]"):
                results[(master, save)] = run_spark(client.uri, master, save)
            for key in (("serial", save), ("local[1]", save), ("local[2]", save)):
                r = results[key]
                assert r["inputs"] == n and r["live"] == n, (key, r)
            print(f"  done: {label}", flush=True)

    print(f"\nP-window workflow on {n} waveforms (embedded server, this 2-core machine, one run)")
    print("(Spark wall time is the job alone; the session start, with Python workers warmed, is listed apart)")
    print(f"{'run':28s} {'wall s':>8s} {'wf/s':>8s} {'vs serial':>10s} {'py driver MiB':>14s} {'JVM driver MiB':>15s} {'session s':>10s}")
    for save in (False, True):
        base = results[("serial", save)]["inputs"] / results[("serial", save)]["wall_s"]
        for mode in ("serial", "local[1]", "local[2]"):
            r = results[(mode, save)]
            rate = r["inputs"] / r["wall_s"]
            jvm = f"{r['driver_jvm_peak_mib']:15.0f}" if "driver_jvm_peak_mib" in r else f"{'-':>15s}"
            label = f"{mode}, {'GridFS save' if save else 'no save'}"
            start = f"{r['session_start_s']:10.1f}" if "session_start_s" in r else f"{'-':>10s}"
            print(f"{label:28s} {r['wall_s']:8.1f} {rate:8.1f} {rate / base:9.2f}x {r['driver_python_peak_mib']:14.0f} {jvm} {start}")
    stages = results[("serial", True)]["stage_ms"]
    total = sum(stages.values())
    print("\nper-datum cost in the serial loop with save (ms; the Spark stages run the same functions):")
    for k, v in stages.items():
        print(f"  {k:12s} {v:7.2f}  ({100 * v / total:4.1f}%)")
    print(f"  {'total':12s} {total:7.2f}")
    print("\nMsPASS on this workflow and machine class (issue 4's figures, not measured here): "
          + ", ".join(f"{k} {v} wf/s" for k, v in MSPASS.items()))  # fmt: skip
    for save, target in ((False, 200.0), (True, 46.0)):
        r = results[("local[2]", save)]
        print(f"target local[2] {'with' if save else 'without'} save >= {target} wf/s: {r['inputs'] / r['wall_s']:.1f}")
    r2, r0 = results[("local[2]", False)], results[("serial", False)]
    print(f"target local[2] >= 1.8x serial (no save): {(r2['inputs'] / r2['wall_s']) / (r0['inputs'] / r0['wall_s']):.2f}x")
    print(f"target travel time < 5% of per-datum cost: {100 * stages['travel time'] / total:.2f}%")


if __name__ == "__main__":
    main()
