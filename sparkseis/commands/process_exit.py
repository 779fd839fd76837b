"""How a job's process ends under spark-submit: once its summary is printed, everything it
wrote acknowledged and its Spark context stopped, nothing is left for the interpreter's own
teardown to do but close idle connections and free memory, which takes about a second. The
summary's total must match the process measured from outside, so the job exits at once."""

from __future__ import annotations

import logging
import os
import sys
from typing import NoReturn


def exit_now(code: int) -> NoReturn:
    """Flush what was printed and logged, then end the process with code (no teardown)."""
    logging.shutdown()
    zygote = sys.modules.get("sparkseis.spark.worker_zygote")
    if zygote is not None:
        zygote.stop()  # a run that ended before its Spark context started leaves none behind
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass  # a closed pipe: nothing more can be said
    os._exit(code)
