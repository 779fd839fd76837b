"""GridFS write cost per waveform as the store grows, on the embedded server.

Writes --total windows of 14,001 samples (a -100..600 s window at 20 samples/s) through
sparkseis's batched sink, and prints the cost per waveform over the 1,000 writes ending at
1,000 stored and at --total stored. For contrast, pymongo's GridFSBucket (one file per call)
is timed at the same small store size and after --naive more files.

Run: .venv/bin/python benchmarks/gridfs_write_bench.py [--total 20000]
"""

from __future__ import annotations

import argparse
import statistics
import time

import gridfs
import numpy as np
from _server import bench_server

from sparkseis import TimeSeries

WINDOW_NPTS = 14_001


def sink_rate(db, tag: str, start: int, count: int, batch: int = 64) -> list[float]:
    """Write count waveforms; returns ms per waveform for each batch."""
    rng = np.random.default_rng(start)
    sink = db.sink(tag, "gridfs", batch_size=batch)
    per_batch, t = [], time.perf_counter()
    for i in range(start, start + count):
        d = TimeSeries(rng.standard_normal(WINDOW_NPTS), 0.0, 0.05, {"sta": f"S{i}", "_source_key": f"bench-{i}"})
        sink.add(d)
        if (i - start + 1) % batch == 0:
            now = time.perf_counter()
            per_batch.append((now - t) * 1e3 / batch)
            t = now
    sink.close()
    return per_batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--total", type=int, default=20_000)
    parser.add_argument("--naive", type=int, default=2_000, help="files written with pymongo's GridFSBucket")
    args = parser.parse_args()

    with bench_server() as client:
        db = client.get_database("gridfs_bench")
        rows = []
        stored = 0
        first = sink_rate(db, "bench", 0, 1000)
        stored = 1000
        rows.append(("sparkseis sink", 1000, statistics.median(first)))
        t = time.perf_counter()
        sink_rate(db, "bench", stored, args.total - 2000)
        fill_s = time.perf_counter() - t
        stored = args.total - 1000
        last = sink_rate(db, "bench", stored, 1000)
        stored = args.total
        rows.append(("sparkseis sink", stored, statistics.median(last)))

        bucket_db = client["gridfs_naive"]
        bucket = gridfs.GridFSBucket(bucket_db)
        payload = np.zeros(WINDOW_NPTS).tobytes()
        naive = []
        for i in range(args.naive):
            t = time.perf_counter()
            bucket.upload_from_stream_with_id(f"n{i}", f"n{i}", payload)
            naive.append((time.perf_counter() - t) * 1e3)
        rows.append(("pymongo GridFSBucket", 100, statistics.median(naive[:100])))
        rows.append(("pymongo GridFSBucket", args.naive, statistics.median(naive[-100:])))

        # every write is readable back
        doc = db["wf_TimeSeries"].find_one({"sta": f"S{args.total - 1}"})
        assert db.read_data(doc["_id"], collection="wf_TimeSeries").npts == WINDOW_NPTS

    print(
        f"GridFS writes of {WINDOW_NPTS}-sample waveforms ({WINDOW_NPTS * 8 / 1024:.0f} KiB each), embedded nx-27017 server"
    )
    print(f"{'writer':24s} {'stored':>8s} {'ms/waveform':>12s} {'waveforms/s':>12s}")
    for name, n, ms in rows:
        print(f"{name:24s} {n:8d} {ms:12.2f} {1000 / ms:12.1f}")
    print(f"sparkseis sink cost at {args.total} stored / at 1000 stored: {rows[1][2] / rows[0][2]:.2f}x")
    print(f"pymongo GridFSBucket cost at {args.naive} stored / at 100 stored: {rows[3][2] / rows[2][2]:.2f}x")
    print(f"(filling {args.total - 2000} waveforms took {fill_s:.0f} s)")


if __name__ == "__main__":
    main()
