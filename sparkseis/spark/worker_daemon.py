"""The Python worker daemon of sparkseis' Spark sessions (spark.python.daemon.module): pyspark's
own daemon, which forks every Python worker, with sparkseis' processing chain imported first.
A worker then starts with numpy, scipy.signal, the miniSEED decoder and the chain already
loaded (forked, not imported: about 2 s of CPU per worker otherwise, paid while the driver
starts the job).

Nothing here opens a connection or starts a thread: a forked child must not share either.
"""

from __future__ import annotations

import importlib

# What a task of the window jobs unpickles and runs (cloudpickle imports a function's module).
PRELOAD = (
    "scipy.signal",  # imported on first use by the chain (sparkseis.algorithms.deferred_imports)
    "sparkseis.algorithms.chains",
    "sparkseis.db.decode",
    "sparkseis.db.window_read",
    "sparkseis.spark.reader",
    "sparkseis.spark.sink",
)


def preload() -> None:
    """Import the chain's modules once, in the daemon, before any worker is forked. (Spark starts
    the daemon with OMP_NUM_THREADS set to a task's cores, 1 here, so OpenBLAS starts no threads
    of its own: measured, the daemon has one thread when it forks.)"""
    for name in PRELOAD:
        importlib.import_module(name)


if __name__ == "__main__":
    preload()
    import pyspark.daemon

    pyspark.daemon.manager()
