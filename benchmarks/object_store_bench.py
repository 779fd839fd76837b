"""Byte-range reads from an S3-protocol server (moto's, started on a loopback port and stopped
by pid) through the clients sparkseis could use: pyarrow.fs (its choice), obstore and s3fs
(whichever are installed). Each reads the same 400 ranges of 40 KiB (a window's records) from
a 4.6 MB object, one range per request, from one process; prints the median of 5 rounds.
moto answers slowly (a Python server), so the figures compare client overheads on one
loopback server, not a real store's throughput.

    .venv/bin/python benchmarks/object_store_bench.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support import S3TestServer, free_port  # noqa: E402

RANGES, SIZE, ROUNDS = 400, 40 * 1024, 5


def main() -> None:
    server = S3TestServer("127.0.0.1", free_port(), Path(tempfile.mkdtemp(prefix="moto-bench-")))
    server.start()
    try:
        payload = np.random.default_rng(0).integers(0, 256, 4_600_000, dtype=np.uint8).tobytes()
        server.put_public("bench", [("day", payload)])
        offsets = np.random.default_rng(1).integers(0, len(payload) - SIZE, RANGES).tolist()
        clients = {}
        from pyarrow import fs

        pa = fs.S3FileSystem(anonymous=True, endpoint_override=server.endpoint, scheme="http")

        def pyarrow_read(off):
            with pa.open_input_file("bench/day") as f:
                return f.read_at(SIZE, off)

        clients["pyarrow.fs (open + read_at per range)"] = pyarrow_read
        handle = pa.open_input_file("bench/day")
        clients["pyarrow.fs (read_at on an open file)"] = lambda off: handle.read_at(SIZE, off)
        try:
            import obstore
            from obstore.store import S3Store

            store = S3Store(
                "bench",
                endpoint=server.endpoint,
                skip_signature=True,
                region="us-east-1",
                client_options={"allow_http": True},
            )
            clients["obstore (get_range)"] = lambda off: bytes(obstore.get_range(store, "day", start=off, length=SIZE))
        except ImportError:
            pass
        try:
            import s3fs

            fs3 = s3fs.S3FileSystem(anon=True, client_kwargs={"endpoint_url": server.endpoint})
            clients["s3fs (cat_file with a range)"] = lambda off: fs3.cat_file("bench/day", start=off, end=off + SIZE)
        except ImportError:
            pass
        for name, read in clients.items():
            assert read(offsets[0]) == payload[offsets[0] : offsets[0] + SIZE], name
            rounds = []
            for _ in range(ROUNDS):
                began = time.perf_counter()
                for off in offsets:
                    read(off)
                rounds.append(time.perf_counter() - began)
            med = statistics.median(rounds)
            print(
                f"{name:40s} {1e3 * med / RANGES:6.2f} ms per range, {RANGES * SIZE / med / 1e6:6.1f} MB/s (median of {ROUNDS})"
            )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
