"""Modules the processing functions import on first use rather than when they are imported: a
driver that only builds a chain (and pickles its functions by name) never pays for them, and
the Spark workers have them preloaded (sparkseis.spark.worker_daemon)."""

from __future__ import annotations

from types import ModuleType


def scipy_signal() -> ModuleType:
    """scipy.signal: about 1.6 s to import (it pulls in scipy.stats), then a dictionary lookup."""
    import scipy.signal

    return scipy.signal
