"""Start, find and stop the embedded MongoDB-protocol server (nx-27017, SQLite-backed)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sparkseis import config


@dataclass(frozen=True)
class EmbeddedServer:
    """One nx-27017 server: its address, data folder, pid file and log file."""

    host: str
    port: int
    data_dir: Path

    @classmethod
    def from_config(cls) -> EmbeddedServer:
        conf = config.load().get("embedded", {})
        return cls(conf.get("host", "127.0.0.1"), int(conf.get("port", 27117)), config.project_path(conf.get("data_dir", "var/mongo")))

    @property
    def uri(self) -> str:
        return f"mongodb://{self.host}:{self.port}/"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / f"nx-27017-{self.port}.pid"

    @property
    def log_file(self) -> Path:
        return self.data_dir / f"nx-27017-{self.port}.log"

    def pid(self) -> int | None:
        """The server's process id from its pid file, if that process is alive and is this server
        (nx-27017 serving this data folder: a pid file can outlive its process, and pids are reused)."""
        try:
            pid = int(self.pid_file.read_text().strip())
            os.kill(pid, 0)
        except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
            return None
        return pid if self._is_ours(pid) else None

    def _is_ours(self, pid: int) -> bool:
        cmdline = Path(f"/proc/{pid}/cmdline")
        if not cmdline.parent.exists():
            return True  # no /proc on this system: trust the pid file
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            return False
        text = b" ".join(args).decode("utf-8", "replace")
        return "nx_27017" in text and str(self.data_dir) in text

    def check_port(self) -> None:
        """RuntimeError if something other than this server listens on its port."""
        if self.accepting() and self.pid() is None:
            raise RuntimeError(
                f"port {self.port} on {self.host} is held by a program that is not sparkseis' embedded server for "
                f"{self.data_dir}; stop it, or choose another port (SPARKSEIS_EMBEDDED_PORT or conf/sparkseis.toml)"
            )

    def accepting(self) -> bool:
        """True when something accepts TCP connections on host:port."""
        with socket.socket() as s:
            s.settimeout(0.3)
            return s.connect_ex((self.host, self.port)) == 0

    def start(self, timeout_s: float = 20.0) -> EmbeddedServer:
        """Start the server unless it already runs; wait until it accepts connections.
        RuntimeError if another program holds the port."""
        self.check_port()
        if self.accepting():
            return self
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable, "-c", "from nx_27017.nx_27017 import main; main()",
            "--data-dir", str(self.data_dir),
            "--host", self.host, "-p", str(self.port),
            "--log-file", str(self.log_file),
            "--pid-file", str(self.pid_file),  # nx-27017 refuses to start when its pid file names a live process
        ]  # fmt: skip
        with open(self.log_file, "ab") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True, cwd=self.data_dir)  # fmt: skip
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"embedded MongoDB server exited at start (code {proc.returncode}); see {self.log_file}")
            if self.accepting():
                return self
            time.sleep(0.1)
        raise RuntimeError(f"embedded MongoDB server did not listen on {self.host}:{self.port} within {timeout_s} s; see {self.log_file}")

    def stop(self, timeout_s: float = 10.0) -> bool:
        """Stop the server this project started (by its pid, checked to be that server); False if
        none was running (a stale pid file is removed, and no other process is signalled)."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self.pid() is not None:
            try:
                os.waitpid(pid, os.WNOHANG)  # reap if it is our child
            except ChildProcessError:
                pass
            time.sleep(0.1)
        if self.pid() is not None:
            os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True

    def status(self) -> str:
        pid = self.pid()
        if pid is not None and self.accepting():
            return f"running: {self.uri} (pid {pid}, data in {self.data_dir}, log {self.log_file})"
        if self.accepting():
            return f"something else listens on {self.host}:{self.port}"
        return f"not running (would listen on {self.host}:{self.port}, data in {self.data_dir})"
