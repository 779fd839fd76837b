"""Memory and time of ensembles through a Spark shuffle (group_ensembles), local[2].

Windows of 14,001 samples (a P window at 20 samples/s) are cut from the real AE.113A BHZ
record on the executors, each with a source_id, and grouped into ensembles of 2,000 members
(224 MB of samples each); each ensemble is then stacked (its members' mean), so every member
is touched. Runs 5, 10 and 20 ensembles (10,000 to 40,000 windows), each in its own process,
and prints the wall time, the Python workers' peak resident memory and the driver's (Python
and JVM): what an executor holds is the ensembles it works on, so the peaks do not grow with
the number of ensembles.

    .venv/bin/python benchmarks/ensemble_bench.py [--ensembles 5 10 20] [--driver-memory 2g]

In local mode the JVM is driver and executor at once and every shuffle block passes through
it; its resident size follows its heap, which spark.driver.memory bounds: --driver-memory 1g
with more ensembles shows the bound.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MEMBERS, NPTS = 2000, 14001
RECORD = Path(__file__).resolve().parents[1] / "data/okhotsk_2013/AE.113A..BHZ.mseed"


class MemorySampler(threading.Thread):
    """Samples the JVM's resident memory every 0.1 s, split as /proc reports it: anonymous
    (heap, native buffers) and file-backed (mapped files: Spark maps shuffle blocks it reads,
    whose pages are the page cache's, reclaimable); keeps each one's peak (KiB)."""

    def __init__(self, marker: bytes):
        super().__init__(daemon=True)
        self.marker, self.peaks, self._halt = marker, {"RssAnon": 0, "RssFile": 0}, threading.Event()

    def _jvm_status(self) -> list[str]:
        for pid in os.listdir("/proc"):
            try:
                if pid.isdigit() and self.marker in Path(f"/proc/{pid}/cmdline").read_bytes():
                    status = Path(f"/proc/{pid}/status").read_text().splitlines()
                    if any(line.startswith("Name:") and "java" in line for line in status):
                        return status
            except OSError:
                continue
        return []

    def run(self) -> None:
        while not self._halt.wait(0.1):
            for line in self._jvm_status():
                key = line.split(":")[0]
                if key in self.peaks:
                    self.peaks[key] = max(self.peaks[key], int(line.split()[1]))

    def stop(self) -> dict:
        self._halt.set()
        self.join()
        return self.peaks


def worker(n_ensembles: int, driver_memory: str) -> None:
    import numpy as np
    from p_window_bench import jvm_peak_mib

    from sparkseis.spark import group_ensembles, session

    tag = f"sparkseis-ensemble-bench-{n_ensembles}"
    spark = session("local[2]", app_name=tag, conf={"spark.ui.enabled": "false", "spark.driver.memory": driver_memory})
    sc = spark.sparkContext
    n = n_ensembles * MEMBERS

    def windows(indices):
        import obspy

        from sparkseis import TimeSeries

        samples = obspy.read(str(RECORD))[0].data.astype(np.float64)
        for i in indices:
            start = (i * 37) % (len(samples) - NPTS)
            yield TimeSeries(
                samples[start : start + NPTS], -100.0, 0.05, {"source_id": i // MEMBERS, "sta": f"S{i:05d}"}
            )

    def stack(ensemble):
        total = np.zeros(NPTS)
        for m in ensemble.member:
            total += m.data
        return len(ensemble), float(total.mean() / len(ensemble)), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    sampler = MemorySampler(tag.encode())
    sampler.start()
    began = time.perf_counter()
    rows = (
        group_ensembles(sc.parallelize(range(n), 4 * n_ensembles).mapPartitions(windows), "source_id", 2 * n_ensembles)
        .map(stack)
        .collect()
    )
    wall = time.perf_counter() - began
    out = {
        "ensembles": len(rows),
        "members": sum(r[0] for r in rows),
        "wall_s": wall,
        "worker_peak_mib": max(r[2] for r in rows) / 1024,
        "driver_python_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "driver_jvm_peak_mib": jvm_peak_mib(tag.encode()),
        "driver_jvm_anon_peak_mib": sampler.stop()["RssAnon"] / 1024,
        "driver_jvm_file_peak_mib": sampler.peaks["RssFile"] / 1024,
    }
    spark.stop()
    print("RESULT " + json.dumps(out))


def main() -> None:
    if len(sys.argv) > 3 and sys.argv[1] == "--worker":
        worker(int(sys.argv[2]), sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ensembles", type=int, nargs="+", default=[5, 10, 20], help="numbers of ensembles to run")
    parser.add_argument("--driver-memory", default="2g", help="the JVM heap limit (spark.driver.memory)")
    args = parser.parse_args()
    env = dict(
        os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}", SPARK_LOCAL_IP="127.0.0.1"
    )
    print(f"local[2], spark.driver.memory {args.driver_memory}")
    for n_ensembles in args.ensembles:
        out = subprocess.run(
            [sys.executable, __file__, "--worker", str(n_ensembles), args.driver_memory],
            capture_output=True,
            text=True,
            env=env,
            timeout=3600,
        )
        rows = [json.loads(line[7:]) for line in out.stdout.splitlines() if line.startswith("RESULT ")]
        if not rows:
            raise RuntimeError(out.stderr[-3000:])
        r = rows[0]
        print(
            f"{r['ensembles']:3d} ensembles of {MEMBERS:,} ({r['members']:,} windows of {NPTS:,} samples): "
            f"{r['wall_s']:6.1f} s, {1e3 * r['wall_s'] / r['members']:.2f} ms per member; Python worker peak "
            f"{r['worker_peak_mib']:.0f} MiB; driver peak {r['driver_python_peak_mib']:.0f} MiB Python + "
            f"{r['driver_jvm_peak_mib']:.0f} MiB JVM ({r['driver_jvm_anon_peak_mib']:.0f} MiB anonymous, "
            f"{r['driver_jvm_file_peak_mib']:.0f} MiB mapped files at their peaks)"
        )


if __name__ == "__main__":
    main()
