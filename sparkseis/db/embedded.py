"""Start, find and stop the embedded MongoDB-protocol server (nx-27017, SQLite-backed)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from sparkseis import config, process


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
        (nx-27017 serving this data folder)."""
        return process.live_pid(self.pid_file, ("nx_27017", str(self.data_dir)))

    def check_port(self) -> None:
        """RuntimeError if something other than this server listens on its port."""
        if self.accepting() and self.pid() is None:
            raise RuntimeError(
                f"port {self.port} on {self.host} is held by a program that is not sparkseis' embedded server for "
                f"{self.data_dir}; stop it, or choose another port (SPARKSEIS_EMBEDDED_PORT or conf/sparkseis.toml)"
            )

    def accepting(self) -> bool:
        """True when something accepts TCP connections on host:port."""
        return process.accepting(self.host, self.port)

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
        proc = process.spawn(cmd, self.log_file, cwd=self.data_dir)
        process.wait_listening(proc, self.host, self.port, timeout_s, "embedded MongoDB server", self.log_file)
        return self

    def stop(self, timeout_s: float = 10.0) -> bool:
        """Stop the server this project started (by its pid, checked to be that server); False if
        none was running (a stale pid file is removed, and no other process is signalled)."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        process.terminate(pid, lambda: self.pid() is not None, timeout_s)
        self.pid_file.unlink(missing_ok=True)
        return True

    def status(self) -> str:
        pid = self.pid()
        if pid is not None and self.accepting():
            return f"running: {self.uri} (pid {pid}, data in {self.data_dir}, log {self.log_file})"
        if self.accepting():
            return f"something else listens on {self.host}:{self.port}"
        return f"not running (would listen on {self.host}:{self.port}, data in {self.data_dir})"
