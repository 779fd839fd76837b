"""What a server crash keeps: insert 50-document batches for 2 s with write concern j=false and
then j=true, SIGKILL the embedded server, restart it, and count what survived.

    .venv/bin/python benchmarks/durability_probe.py --server secantusdb
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pymongo
from pymongo.write_concern import WriteConcern

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sparkseis.servers import EMBEDDED_SERVERS, embedded_server, free_port  # noqa: E402


def burst(kind: str, journaled: bool, folder: Path, seconds: float = 2.0) -> tuple[int, int]:
    """(inserts acknowledged, inserts found after a SIGKILL and restart)."""
    server = embedded_server(kind, "127.0.0.1", free_port(), folder)
    server.start()
    try:
        coll = pymongo.MongoClient(server.uri).probe.burst.with_options(write_concern=WriteConcern(w=1, j=journaled))
        acknowledged, began = 0, time.monotonic()
        while time.monotonic() - began < seconds:
            coll.insert_many([{"i": acknowledged + k, "pad": "x" * 2000} for k in range(50)])
            acknowledged += 50
        server.kill()
        server.start()
        return acknowledged, pymongo.MongoClient(server.uri).probe.burst.count_documents({})
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", choices=sorted(EMBEDDED_SERVERS), default="secantusdb")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sparkseis-crash-") as tmp:
        for journaled in (False, True):
            acknowledged, kept = burst(args.server, journaled, Path(tmp) / f"j{int(journaled)}")
            print(
                f"{args.server} j={str(journaled).lower():5s}: {acknowledged} acknowledged, {kept} after the crash, "
                f"{acknowledged - kept} lost"
            )


if __name__ == "__main__":
    main()
