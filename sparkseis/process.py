"""Background servers this project starts (embedded database, Spark history server, test
clusters): started with a pid file and a log, found again by pid, stopped only if they are ours."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path


def accepting(host: str, port: int) -> bool:
    """True when something accepts TCP connections on host:port."""
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex((host, port)) == 0


def command_line(pid: int) -> str | None:
    """The process's command line ('' if unreadable or empty, as between fork and exec); None
    on systems without /proc, where it cannot be known."""
    if not Path("/proc/self").exists():
        return None
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def live_pid(pid_file: Path, markers: Sequence[str]) -> int | None:
    """The pid in pid_file if that process is alive and its command line holds every marker (a pid
    file can outlive its process, and pids are reused); None otherwise."""
    try:
        pid = int(pid_file.read_text().split()[0])
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, IndexError, ProcessLookupError, PermissionError):
        return None
    text = command_line(pid)
    if text is None:
        return pid  # no /proc on this system: trust the pid file
    return pid if all(m in text for m in markers) else None


def spawn(cmd: Sequence[str], log_file: Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.Popen:
    """Start cmd in its own session, output appended to log_file."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as log:
        return subprocess.Popen(list(cmd), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                                env={**os.environ, **(env or {})}, cwd=cwd)  # fmt: skip


def wait_listening(proc: subprocess.Popen, host: str, port: int, timeout_s: float, what: str, log_file: Path) -> None:
    """Return once host:port accepts connections; RuntimeError if proc exits or time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited at start (code {proc.returncode}); see {log_file}")
        if accepting(host, port):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on {host}:{port} within {timeout_s} s; see {log_file}")


def terminate(pid: int, still_ours, timeout_s: float = 10.0) -> None:
    """SIGTERM pid (a process this project started), SIGKILL if it outlives timeout_s;
    still_ours() tells whether it is still running."""
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and still_ours():
        try:
            os.waitpid(pid, os.WNOHANG)  # reap if it is our child
        except ChildProcessError:
            pass
        time.sleep(0.1)
    if still_ours():
        os.kill(pid, signal.SIGKILL)
