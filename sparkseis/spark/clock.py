"""When this run began, as seen from outside: the start of the spark-submit that launched this
driver (its JVM), else of this Python process. Read from /proc on Linux."""

from __future__ import annotations

import os
import time
from pathlib import Path


def process_started(pid: int | str = "self") -> float | None:
    """The start of process pid as a UNIX time (s), or None where /proc does not tell."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22: start time in clock ticks after boot
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return time.time() - uptime + ticks / os.sysconf("SC_CLK_TCK")


def run_started() -> float:
    """The start of the spark-submit (a java process) that launched this Python, else of this
    process, else now (UNIX time, s): what a clock outside the run would start from."""
    parent = os.getppid()
    try:
        launched_by_java = Path(f"/proc/{parent}/comm").read_text().strip() == "java"
    except OSError:
        launched_by_java = False
    started = process_started(parent) if launched_by_java else None
    return started or process_started() or time.time()
