"""Background servers this project starts (the embedded database, Spark's history server, test
clusters): started with a pid file and a log, found again by pid, stopped only if they are ours.

`ManagedServer` is the one shape: a subclass says which command runs it and what its command
line holds (so a reused pid is never mistaken for it); start, stop, status and the port checks
are written once here.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar


def accepting(host: str, port: int) -> bool:
    """True when something accepts TCP connections on host:port."""
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex((host, port)) == 0


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on now (for servers started by tests and benchmarks)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


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


def spawn(
    cmd: Sequence[str], log_file: Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.Popen:
    """Start cmd in its own session, output appended to log_file."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as log:
        return subprocess.Popen(
            list(cmd),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, **(env or {})},
            cwd=cwd,
        )


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


def terminate(pid: int, still_ours, timeout_s: float = 10.0, sig: int = signal.SIGTERM) -> None:
    """Signal pid (a process this project started; SIGTERM by default), SIGKILL if it outlives
    timeout_s; still_ours() tells whether it is still running."""
    os.kill(pid, sig)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and still_ours():
        try:
            os.waitpid(pid, os.WNOHANG)  # reap if it is our child
        except ChildProcessError:
            pass
        time.sleep(0.1)
    if still_ours():
        os.kill(pid, signal.SIGKILL)


@dataclass(frozen=True)
class ManagedServer:
    """A server on host:port whose pid and log files live in state_dir."""

    host: str
    port: int
    state_dir: Path

    name: ClassVar[str] = "server"  # in file names and messages
    start_timeout_s: ClassVar[float] = 20.0
    writes_pid_file: ClassVar[bool] = False  # the server writes pid_file itself
    port_setting: ClassVar[str] = "its port setting"  # what a user changes when the port is taken

    def command(self) -> list[str]:
        """The command line that runs the server in the foreground."""
        raise NotImplementedError

    def markers(self) -> tuple[str, ...]:
        """Strings the server's command line holds (its pid is checked against them)."""
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        return {}

    @property
    def pid_file(self) -> Path:
        return self.state_dir / f"{self.name}-{self.port}.pid"

    @property
    def log_file(self) -> Path:
        return self.state_dir / f"{self.name}-{self.port}.log"

    def pid(self) -> int | None:
        """The server's process id from its pid file, if that process is alive and is this server."""
        return live_pid(self.pid_file, self.markers())

    def accepting(self) -> bool:
        """True when something accepts TCP connections on host:port."""
        return accepting(self.host, self.port)

    def check_port(self) -> None:
        """RuntimeError if something other than this server listens on its port."""
        if self.accepting() and self.pid() is None:
            raise RuntimeError(
                f"port {self.port} on {self.host} is held by a program that is not sparkseis' {self.name} for "
                f"{self.state_dir}; stop it, or choose another port ({self.port_setting})"
            )

    def start(self, timeout_s: float | None = None) -> ManagedServer:
        """Start the server unless it already runs; return once it accepts connections.
        RuntimeError if another program holds the port or the server does not come up."""
        self.check_port()
        if self.accepting():
            return self
        self.state_dir.mkdir(parents=True, exist_ok=True)
        proc = spawn(self.command(), self.log_file, env=self.environment(), cwd=self.state_dir)
        if not self.writes_pid_file:
            self.pid_file.write_text(f"{proc.pid}\n")
        try:
            wait_listening(proc, self.host, self.port, timeout_s or self.start_timeout_s, self.name, self.log_file)
        except RuntimeError:
            self.stop()
            raise
        return self

    def stop(self, timeout_s: float = 15.0, sig: int = signal.SIGTERM) -> bool:
        """Stop the server started here (by its pid, checked to be it); False if none was
        running (a stale pid file is removed, and no other process is signalled)."""
        pid = self.pid()
        if pid is not None:
            terminate(pid, lambda: self.pid() is not None, timeout_s, sig)
            deadline = time.monotonic() + timeout_s
            while self.accepting() and time.monotonic() < deadline:  # helper processes let go of the port last
                time.sleep(0.1)
        self.pid_file.unlink(missing_ok=True)
        return pid is not None

    def kill(self) -> bool:
        """SIGKILL the server (a crash, for tests of what survives one)."""
        return self.stop(timeout_s=5.0, sig=signal.SIGKILL)

    @property
    def address(self) -> str:
        """Where clients reach the server."""
        return f"{self.host}:{self.port}"

    def status(self) -> str:
        pid = self.pid()
        if pid is not None and self.accepting():
            return f"running: {self.address} ({self.name}, pid {pid}, state in {self.state_dir}, log {self.log_file})"
        if self.accepting():
            return f"something else listens on {self.host}:{self.port}"
        return f"not running (would listen on {self.address}, state in {self.state_dir})"


@dataclass(frozen=True)
class DatabaseServer(ManagedServer):
    """An embedded MongoDB-protocol server keeping its data in state_dir."""

    port_setting: ClassVar[str] = "SPARKSEIS_EMBEDDED_PORT or conf/sparkseis.toml"

    @property
    def data_dir(self) -> Path:
        return self.state_dir

    @property
    def uri(self) -> str:
        return f"mongodb://{self.host}:{self.port}/"

    @property
    def address(self) -> str:
        return self.uri


@dataclass(frozen=True)
class EmbeddedServer(DatabaseServer):
    """nx-27017: the MongoDB wire protocol over SQLite."""

    name: ClassVar[str] = "nx-27017"
    writes_pid_file: ClassVar[bool] = True  # and refuses to start when it names a live process

    def command(self) -> list[str]:
        return [
            sys.executable,
            str(Path(__file__).with_name("nx_27017_launcher.py")),  # nx-27017's main, see there
            "--data-dir",
            str(self.state_dir),
            "--host",
            self.host,
            "-p",
            str(self.port),
            "--log-file",
            str(self.log_file),
            "--pid-file",
            str(self.pid_file),
        ]

    def markers(self) -> tuple[str, ...]:
        return ("nx_27017", str(self.state_dir))


@dataclass(frozen=True)
class SecantusServer(DatabaseServer):
    """SecantusDB: the MongoDB wire protocol over WiredTiger (MongoDB's storage engine)."""

    name: ClassVar[str] = "secantusdb"

    @property
    def storage_path(self) -> Path:
        return self.state_dir / "wiredtiger"

    def command(self) -> list[str]:
        launcher = Path(sys.executable).with_name("secantusd-py")
        return [
            str(launcher),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--storage-path",
            str(self.storage_path),
            "--standalone",
            "--log-level",
            "WARNING",
        ]

    def markers(self) -> tuple[str, ...]:
        return ("secantusd-py", str(self.storage_path))


EMBEDDED_SERVERS: dict[str, type[DatabaseServer]] = {"nx-27017": EmbeddedServer, "secantusdb": SecantusServer}


def embedded_server(kind: str, host: str, port: int, data_dir: Path) -> DatabaseServer:
    """The embedded server of kind ("nx-27017" or "secantusdb") on host:port with its data in data_dir."""
    try:
        return EMBEDDED_SERVERS[kind](host, port, Path(data_dir))
    except KeyError:
        from sparkseis.core.errors import ArgumentError

        raise ArgumentError(f"embedded server must be one of {sorted(EMBEDDED_SERVERS)}, got {kind!r}") from None
