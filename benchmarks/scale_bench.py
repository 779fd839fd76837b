"""Cost per waveform as the data grow: the P-window job (local[2], count only) on 2,000, 20,000
(and, with the disk and time for it, 200,000) replicated waveforms, each size on a fresh
embedded server, printing per-waveform cost, what the reader's planning and range reads cost
at that size, and driver memory.

Replicas are generated (benchmarks/replicas.py: real 70-minute records, one earthquake each;
about 223 KB of miniSEED per waveform), never committed.

Run: PATH=.venv/bin:$PATH .venv/bin/python benchmarks/scale_bench.py [--sizes 2000,20000]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))

BYTES_PER_WAVEFORM = 223_000


def reader_costs(db) -> dict[str, float]:
    """Seconds for the planning pass (inline ids, and a snapshot stored in the database), and
    for reading one partition's planned documents, per 1,000."""
    from sparkseis.db.partitions import plan_partitions, read_partition, release_snapshot

    costs: dict[str, float] = {}
    for label, inline in (("inline", 10**9), ("stored", 0)):
        t = time.perf_counter()
        plan = plan_partitions(db.wf_miniseed, {}, None, 2, 1000, inline_ids=inline)
        costs[f"plan_{label}_s"] = time.perf_counter() - t
        middle = plan.partitions[len(plan.partitions) // 2]
        t = time.perf_counter()
        n = sum(len(batch) for batch in read_partition(db.wf_miniseed, middle))
        costs[f"read_{label}_s"] = (time.perf_counter() - t) * 1000 / max(n, 1)
        costs["partitions"] = len(plan.partitions)
        release_snapshot(db, plan)
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="2000,20000", help="comma-separated waveform counts")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    import p_window_bench
    import replicas
    from _server import bench_server

    print("machine: " + ", ".join(f"{k} {v}" for k, v in p_window_bench.machine_facts().items()), flush=True)
    rows = []
    for n in sizes:
        free = shutil.disk_usage(tempfile.gettempdir()).free
        if free < 1.5 * n * BYTES_PER_WAVEFORM:
            print(
                f"{n}: skipped, needs {n * BYTES_PER_WAVEFORM / 1e9:.0f} GB of replicas and {free / 1e9:.0f} GB are free",
                flush=True,
            )
            continue
        with bench_server() as client, tempfile.TemporaryDirectory(prefix="sparkseis-scale-") as tmp:
            db = client.get_database("bench")
            t = time.perf_counter()
            n = replicas.build(db, REPO / "data" / "okhotsk_2013", Path(tmp), n)
            built = time.perf_counter() - t
            costs = reader_costs(db)
            r = p_window_bench.run_spark(client.uri, "local[2]", False, f"scale{n}")
            assert r["inputs"] == n and r["live"] == n, r
        row = {
            "n": n,
            "build_s": built,
            **costs,
            "job_ms": 1e3 * r["wall_s"] / n,
            "process_ms": 1e3 * r["process_s"] / n,
            "py_mib": r["driver_python_peak_mib"],
            "jvm_mib": r["driver_jvm_peak_mib"],
            "step_ms": r["step_ms"],
        }
        rows.append(row)
        print(f"  {n}: {row['job_ms']:.2f} ms per waveform (job), built in {built:.0f} s", flush=True)

    base = rows[0]["job_ms"] if rows else float("nan")
    print("\nP-window job, local[2], count only; ms per waveform on the job's clock (whole process in brackets)")
    print(
        f"{'waveforms':>10s} {'ms/wf':>7s} {'(proc)':>7s} {'vs first':>9s} {'plan s':>7s} {'stored':>7s} {'parts':>6s} "
        f"{'1k read s':>10s} {'(stored)':>9s} {'py MiB':>7s} {'JVM MiB':>8s}"
    )
    for r in rows:
        print(
            f"{r['n']:10d} {r['job_ms']:7.2f} {r['process_ms']:7.2f} {r['job_ms'] / base:8.2f}x {r['plan_inline_s']:7.2f} "
            f"{r['plan_stored_s']:7.2f} {r['partitions']:6.0f} {r['read_inline_s']:10.3f} {r['read_stored_s']:9.3f} "
            f"{r['py_mib']:7.0f} {r['jvm_mib']:8.0f}"
        )
    print(
        "(plan s: the snapshot pass with ids in the plan, and stored in read_snapshots; "
        "1k read s: seconds to fetch 1,000 planned documents of one partition)"
    )


if __name__ == "__main__":
    main()
