"""The two embedded servers side by side, in one run: what the job asks of the database.

For each server (nx-27017 on SQLite, SecantusDB on WiredTiger), on a fresh server:
  insert    wf_miniseed-like documents in batches of 1,000 (documents/s)
  plan      the reader's snapshot pass over all of them (s), ids in the plan and stored
  fetch     one partition's 1,000 planned documents by _id $in (ms)
  gridfs    the sink's batched GridFS writes of 14,001-sample windows, then reads (windows/s)
  import    building and importing the real-record replicas (s)
  job       the P-window job on them, local[2], saving to GridFS (waveforms/s on its clock)
  rss       the server process's peak resident memory (MiB)

    PATH=.venv/bin:$PATH .venv/bin/python benchmarks/server_bench.py --documents 200000 --windows 500 --replicas 2000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from bson import ObjectId

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sparkseis import TimeSeries  # noqa: E402
from sparkseis.client import Client  # noqa: E402
from sparkseis.db.partitions import plan_partitions, read_partition, release_snapshot  # noqa: E402
from sparkseis.servers import EMBEDDED_SERVERS, embedded_server, free_port  # noqa: E402


def peak_rss_mib(pid: int) -> float:
    """VmHWM of the process and its children that run the server (MiB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(kind: str, n_docs: int, n_windows: int, n_replicas: int, folder: Path) -> dict[str, float]:
    server = embedded_server(kind, "127.0.0.1", free_port(), folder / kind)
    server.start()
    try:
        client = Client(server.uri)
        db = client.get_database("server_bench")
        docs = [{"_id": ObjectId(), "net": "XX", "sta": f"S{i % 500:03d}", "chan": "BHZ", "starttime": 1.3e9 + i,
                 "npts": 168001, "sampling_rate": 40.0, "dir": "/data", "dfile": f"f{i // 100}.mseed", "foff": 512 * i,
                 "nbytes": 223232, "format": "mseed", "storage_mode": "file"} for i in range(n_docs)]  # fmt: skip
        t = time.perf_counter()
        for i in range(0, n_docs, 1000):
            db.wf_miniseed.insert_many(docs[i : i + 1000], ordered=False)
        out = {"insert_docs_s": n_docs / (time.perf_counter() - t)}
        for label, inline in (("inline", 10**9), ("stored", 0)):
            t = time.perf_counter()
            plan = plan_partitions(db.wf_miniseed, {}, max(2, n_docs // 1000), 2, 1000, inline_ids=inline)
            out[f"plan_{label}_s"] = time.perf_counter() - t
            fetch = []
            for part in plan.partitions[:: max(1, len(plan.partitions) // 5)][:5]:
                t = time.perf_counter()
                got = sum(len(b) for b in read_partition(db.wf_miniseed, part))
                fetch.append((time.perf_counter() - t) * 1e3 * 1000 / max(got, 1))
            out[f"fetch_{label}_ms"] = statistics.median(fetch)
            release_snapshot(db, plan)
        rng = np.random.default_rng(1)
        window = rng.normal(size=14001)
        sink = db.sink("bench", "gridfs", batch_size=64, run_id="bench")
        t = time.perf_counter()
        for i in range(n_windows):
            sink.add(TimeSeries(window, -100.0, 0.05, {"sta": f"S{i}", "_source_key": i}))
        sink.close()
        out["gridfs_write_wf_s"] = n_windows / (time.perf_counter() - t)
        ids = [d["_id"] for d in db.wf_TimeSeries.find({"data_tag": "bench"}, {"_id": 1})]
        t = time.perf_counter()
        for doc_id in ids:
            assert db.read_data(doc_id, collection="wf_TimeSeries").live
        out["gridfs_read_wf_s"] = len(ids) / (time.perf_counter() - t)
        if n_replicas:
            import p_window_bench
            import replicas

            t = time.perf_counter()
            built = replicas.build(
                client.get_database("bench"), REPO / "data" / "okhotsk_2013", folder / f"{kind}-replicas", n_replicas
            )
            out["import_replicas_s"] = time.perf_counter() - t
            r = p_window_bench.run_spark(server.uri, "local[2]", True, f"server-{kind}")
            assert r["live"] == built, r
            out["job_gridfs_wf_s"] = built / r["wall_s"]
        out["server_rss_mib"] = peak_rss_mib(server.pid())
        return out
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=200_000)
    parser.add_argument("--windows", type=int, default=500)
    parser.add_argument("--replicas", type=int, default=2000, help="real-record replicas for the job (0: skip)")
    args = parser.parse_args()
    rows = {}
    with tempfile.TemporaryDirectory(prefix="sparkseis-servers-") as tmp:
        for kind in EMBEDDED_SERVERS:
            print(f"{kind}: {args.documents:,} documents, {args.windows} windows ...", flush=True)
            rows[kind] = measure(kind, args.documents, args.windows, args.replicas, Path(tmp))
    names = list(next(iter(rows.values())))
    print(f"\n{'':22s}" + "".join(f"{k:>14s}" for k in rows))
    for name in names:
        print(f"{name:22s}" + "".join(f"{rows[k][name]:14.2f}" for k in rows))


if __name__ == "__main__":
    main()
