"""A throw-away embedded server for a benchmark run (own port, own folder, stopped by pid)."""

from __future__ import annotations

import contextlib
import shutil
import socket
import tempfile
from pathlib import Path

from sparkseis.db import Client
from sparkseis.servers import EmbeddedServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def bench_server(keep: bool = False):
    """Yield a connected Client on a fresh embedded server; remove its data afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="sparkseis-bench-"))
    server = EmbeddedServer("127.0.0.1", free_port(), folder)
    server.start()
    client = Client(server.uri)
    try:
        yield client
    finally:
        client.close()
        server.stop()
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)
