"""The Python worker daemon of sparkseis' Spark sessions (spark.python.daemon.module): pyspark's
own daemon, which forks every Python worker, with sparkseis' processing chain imported first.
A worker then starts with numpy, scipy.signal, the miniSEED decoder and the chain already
loaded (forked, not imported: about 2 s of CPU per worker otherwise, paid while the driver
starts the job).

Nothing here opens a connection or starts a thread: a forked child must not share either.
With a local master the chain is usually imported before Spark asks for the daemon, by the
driver's zygote (worker_zygote), which this module hands its place to.
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


def main() -> None:
    """Become the daemon forked from this driver's preloaded zygote (sparkseis.spark.worker_zygote),
    where there is one that matches; else import the chain here, then run pyspark's daemon."""
    from sparkseis.spark.worker_zygote import hand_over

    if hand_over():
        return  # not reached: the zygote's child is the daemon, and this process exits with it
    preload()
    import pyspark.daemon

    pyspark.daemon.manager()


if __name__ == "__main__":
    main()
