"""The P-window workflow three ways on the same data in one run, repeated: the serial loop,
Spark local[1] and Spark local[2], each counting only and saving to GridFS; with the floor,
each step's cost from the workers' own timers, and the machine's facts.

Data: --n replicas of the real 70-minute 40 Hz Okhotsk records, every replica station with
its own earthquake and depth (benchmarks/replicas.py), on a fresh embedded server.

Equal baselines: the serial loop runs the same steps (window-first, as the job), saves in the
same batches of 64 through the same sink, and loads its TauP model inside its clock, as the
Spark workers do inside theirs. Spark figures: "job" is the job's own clock (read to last
record), "process" the whole spark-submit-like process (JVM start included).

Run: PATH=.venv/bin:$PATH .venv/bin/python benchmarks/p_window_bench.py [--n 2000] [--repeat 3]
MsPASS on the same data: ../shared/peer/run_side_by_side.sh (its rows.jsonl: --peer-rows).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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


def machine_facts() -> dict:
    """What this machine is, read from it."""
    import numpy
    import obspy
    import pyspark
    import scipy

    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        "?",
    )
    mem = next(
        (int(ln.split()[1]) for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")), 0
    )
    return {
        "cores": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "memory_gib": round(mem / 2**20, 1),
        "load_average": os.getloadavg()[0],
        "python": platform.python_version(),
        "pyspark": pyspark.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "obspy": obspy.__version__,
    }


def jvm_peak_mib(marker: bytes) -> float:
    """Peak resident memory (MiB) of the Java processes whose command line holds marker."""
    peak = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
            status = Path(f"/proc/{pid}/status").read_text() if b"java" in cmd and marker in cmd else ""
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]))
    return peak / 1024


def spark_worker(uri: str, master: str, save: bool, tag: str) -> None:
    """One run of the job in this process (its own JVM), printed as JSON."""
    from sparkseis.commands.p_window import build_parser
    from sparkseis.spark import session
    from sparkseis.spark.p_window import run

    spark = session(
        master, app_name=f"sparkseis-bench-{tag}", conf={"spark.ui.enabled": "false", "spark.driver.memory": "2g"}
    )
    args = [
        "--db",
        "bench",
        "--mongo-uri",
        uri,
        "--t0offset",
        str(T0OFFSET),
        "--tolerance",
        str(TOLERANCE),
        "--time-steps",
    ]
    args += ["--output-tag", tag, "--overwrite"] if save else ["--count-only"]
    report = run(build_parser().parse_args(args), spark).as_dict()
    report["driver_python_peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report["driver_jvm_peak_mib"] = jvm_peak_mib(f"sparkseis-bench-{tag}".encode())
    spark.stop()
    keep = (
        "inputs",
        "live",
        "dead",
        "wall_s",
        "partitions",
        "plan_s",
        "step_ms",
        "driver_python_peak_mib",
        "driver_jvm_peak_mib",
    )
    print("RESULT " + json.dumps({k: v for k, v in report.items() if k in keep}))


def run_spark(uri: str, master: str, save: bool, tag: str) -> dict:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")
    cmd = [sys.executable, __file__, "--spark-worker", master, "--uri", uri, "--tag", tag] + (
        ["--save"] if save else []
    )
    began = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO)
    process_s = time.perf_counter() - began
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return {**json.loads(line[7:]), "process_s": process_s}
    raise RuntimeError(f"Spark run {master} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")


def serial_loop(db, save: bool, tag: str) -> dict:
    """read + match + the job's steps + the same batch sink, one datum at a time, each step timed."""
    from sparkseis import config
    from sparkseis.algorithms.chains import p_window_steps
    from sparkseis.algorithms.traveltime_table import travel_time_table
    from sparkseis.db import MiniseedMatcher, OriginTimeMatcher, normalize
    from sparkseis.db.decode import decode_waveform

    cost = defaultdict(float)
    began = time.perf_counter()
    stations, sources = MiniseedMatcher(db), OriginTimeMatcher(db, t0offset=T0OFFSET, tolerance=TOLERANCE)
    # the travel-time table, loaded on this clock from the cache, as the job's driver does
    steps = p_window_steps(travel_time_table("iasp91", ("P",), cache_dir=config.settings().traveltime_cache))
    sink = db.sink(tag, "gridfs", batch_size=64, run_id=tag) if save else None
    n = live = 0
    clock = time.perf_counter
    for doc in db["wf_miniseed"].find({}):
        t = clock()
        d = decode_waveform(db, doc, "wf_miniseed")
        t1 = clock()
        d = normalize(normalize(d, stations), sources)
        cost["decode"] += t1 - t
        cost["match"] += clock() - t1
        for func, fargs, fkwargs in steps:
            t = clock()
            d = func(d, *fargs, **fkwargs)
            cost[func.__name__] += clock() - t
        if sink is not None:
            t = clock()
            sink.add(d)
            cost["save"] += clock() - t
        n += 1
        live += d.live
    if sink is not None:
        t = clock()
        sink.close()
        cost["save"] += clock() - t
    return {
        "wall_s": time.perf_counter() - began,
        "inputs": n,
        "live": live,
        "step_ms": {k: 1e3 * v / n for k, v in cost.items()},
    }


def floor_ms(db, sample: int = 200) -> dict[str, float]:
    """Per-waveform cost of numpy/SciPy alone on `sample` records: ObsPy (libmseed) decode,
    demean, decimate 40 -> 20 sps over the whole record; and over the window-first span."""
    import numpy as np
    import obspy
    import scipy.signal

    docs = list(db["wf_miniseed"].find({}).limit(sample))
    blobs = []
    for doc in docs:
        with open(Path(doc["dir"]) / doc["dfile"], "rb") as f:
            f.seek(doc["foff"])
            blobs.append(f.read(doc["nbytes"]))
    t = time.perf_counter()
    traces = [obspy.read(__import__("io").BytesIO(b), format="MSEED")[0].data.astype(np.float64) for b in blobs]
    decode = (time.perf_counter() - t) / len(blobs)
    t = time.perf_counter()
    for x in traces:
        scipy.signal.decimate(x - x.mean(), 2, ftype="iir", zero_phase=True)
    full = (time.perf_counter() - t) / len(traces)
    t = time.perf_counter()
    for x in traces:
        y = x - x.mean()
        scipy.signal.decimate(y[36000 : 36000 + 28001 + 2048], 2, ftype="iir", zero_phase=True)
    window = (time.perf_counter() - t) / len(traces)
    return {
        "decode": 1e3 * decode,
        "demean+decimate whole record": 1e3 * full,
        "demean+decimate window span": 1e3 * window,
    }


def summarize(runs: list[dict]) -> dict:
    rates = [r["inputs"] / r["wall_s"] for r in runs]
    out = {"wf_s": statistics.median(rates), "wf_s_range": (min(rates), max(rates)), "runs": len(runs)}
    if all("process_s" in r for r in runs):
        proc = [r["inputs"] / r["process_s"] for r in runs]
        out.update(process_wf_s=statistics.median(proc), process_range=(min(proc), max(proc)))
    out["step_ms"] = {k: statistics.median(r["step_ms"][k] for r in runs) for k in runs[0]["step_ms"]}
    for key in ("driver_python_peak_mib", "driver_jvm_peak_mib", "plan_s"):
        if key in runs[0]:
            out[key] = max(r[key] for r in runs)
    return out


def peer_figures(path: Path) -> dict[str, float]:
    """MsPASS's best waveforms/s (job clock and whole process), counting and saving, from the
    rows.jsonl of a ../shared/peer/run_side_by_side.sh run."""
    best: dict[str, float] = {}
    for line in path.read_text().splitlines():
        row = json.loads(line)
        if row.get("system", "").lower() == "mspass" and row.get("n"):
            mode = "save" if "gridfs" in row["label"] else "count"
            for clock, key in (("job", "job_s"), ("process", "proc_s")):
                best[f"{mode} {clock}"] = max(best.get(f"{mode} {clock}", 0.0), row["n"] / row[key])
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="waveforms (rounded down to a multiple of 3)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each case (median and range are printed)")
    parser.add_argument(
        "--peer-rows", type=Path, default=None, help="rows.jsonl of a side-by-side run, for MsPASS ratios"
    )
    parser.add_argument("--spark-worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--uri", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--tag", default="bench", help=argparse.SUPPRESS)
    parser.add_argument("--save", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.spark_worker:
        spark_worker(args.uri, args.spark_worker, args.save, args.tag)
        return

    import replicas
    from _server import bench_server

    facts = machine_facts()
    print("machine: " + ", ".join(f"{k} {v}" for k, v in facts.items()), flush=True)
    results: dict[tuple[str, bool], list[dict]] = defaultdict(list)
    with bench_server() as client, tempfile.TemporaryDirectory(prefix="sparkseis-replicas-") as tmp:
        db = client.get_database("bench")
        t = time.perf_counter()
        n = replicas.build(db, REPO / "data" / "okhotsk_2013", Path(tmp), args.n)
        print(
            f"built {n} replica waveforms (70 min, 40 Hz, real samples, one earthquake each) in {time.perf_counter() - t:.0f} s",
            flush=True,
        )
        floor = floor_ms(db)
        for rep in range(args.repeat):
            for save in (False, True):
                results[("serial", save)].append(serial_loop(db, save, f"serial{rep}"))
                for master in ("local[1]", "local[2]"):
                    results[(master, save)].append(run_spark(client.uri, master, save, f"spark{rep}{master[6]}"))
            print(f"  round {rep + 1} of {args.repeat} done", flush=True)
        for key, runs in results.items():
            for r in runs:
                assert r["inputs"] == n and r["live"] == n, (key, r)
    facts["load_average_end"] = os.getloadavg()[0]
    show(
        n,
        facts,
        {k: summarize(v) for k, v in results.items()},
        floor,
        peer_figures(args.peer_rows) if args.peer_rows else None,
    )


def show(n: int, facts: dict, s: dict, floor: dict, peer: dict | None) -> None:
    print(
        f"\nP-window workflow on {n} waveforms, {s[('serial', False)]['runs']} runs each (median, range); "
        f"load average {facts['load_average']:.1f} at start, {facts['load_average_end']:.1f} at end"
    )
    print(f"{'case':26s} {'job wf/s':>9s} {'range':>15s} {'process wf/s':>13s} {'py MiB':>7s} {'JVM MiB':>8s}")
    for save in (False, True):
        for mode in ("serial", "local[1]", "local[2]"):
            r = s[(mode, save)]
            lo, hi = r["wf_s_range"]
            proc = f"{r['process_wf_s']:13.1f}" if "process_wf_s" in r else f"{'-':>13s}"
            py = f"{r['driver_python_peak_mib']:7.0f}" if "driver_python_peak_mib" in r else f"{'-':>7s}"
            jvm = f"{r['driver_jvm_peak_mib']:8.0f}" if "driver_jvm_peak_mib" in r else f"{'-':>8s}"
            print(
                f"{mode + (', GridFS save' if save else ', count only'):26s} {r['wf_s']:9.1f} "
                f"{lo:7.1f}-{hi:<7.1f} {proc} {py} {jvm}"
            )
    print("\nper waveform, ms (workers' own timers; local[2] per core):")
    steps = list(s[("local[2]", True)]["step_ms"])
    print(f"  {'step':16s} {'serial':>8s} {'local[1]':>9s} {'local[2]':>9s}")
    for step in steps:
        row = [s[(m, True)]["step_ms"].get(step, float("nan")) for m in ("serial", "local[1]", "local[2]")]
        print(f"  {step:16s} {row[0]:8.2f} {row[1]:9.2f} {row[2]:9.2f}")
    compute = {
        m: sum(v for k, v in s[(m, False)]["step_ms"].items() if k not in ("query", "save"))
        for m in ("serial", "local[2]")
    }
    full_floor = floor["decode"] + floor["demean+decimate whole record"]
    print("\nfloor, numpy/SciPy alone (ms per waveform): " + ", ".join(f"{k} {v:.2f}" for k, v in floor.items()))
    print(
        f"per-datum compute (decode..window, count only): serial {compute['serial']:.2f} ms, "
        f"local[2] {compute['local[2]']:.2f} ms "
        f"per core; floor (decode + whole-record demean/decimate) {full_floor:.2f} ms: "
        f"{compute['local[2]'] / full_floor:.2f}x the floor"
    )
    two, one = s[("local[2]", False)]["wf_s"], s[("local[1]", False)]["wf_s"]
    print(
        f"local[2] / local[1], count only: {two / one:.2f}x; local[2] / serial: {two / s[('serial', False)]['wf_s']:.2f}x"
    )
    if peer:
        print(
            "MsPASS's figures come from the side-by-side run's own data set (other replicas: one depth, events shifted by days),"
        )
        print("so these ratios mix data sets; the side-by-side summary has the same-data ratios:")
        for mode, label in (("count", "no save"), ("save", "GridFS save")):
            r = s[("local[2]", mode == "save")]
            print(
                f"vs MsPASS best ({label}): job {r['wf_s'] / peer[f'{mode} job']:.2f}x "
                f"({r['wf_s']:.1f} vs {peer[f'{mode} job']:.1f} wf/s)"
                + (
                    f", process {r['process_wf_s'] / peer[f'{mode} process']:.2f}x"
                    if peer.get(f"{mode} process")
                    else ""
                )
            )
    else:
        print(
            "MsPASS: measure it on the same data with ../shared/peer/run_side_by_side.sh and pass its rows.jsonl as --peer-rows"
        )


if __name__ == "__main__":
    main()
