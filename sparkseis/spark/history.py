"""Spark's history server on the folder where every sparkseis session logs its events, on a
loopback port: `sparkseis history start|stop|status`."""

from __future__ import annotations

import json
import os
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from pyspark.find_spark_home import _find_spark_home

from sparkseis import config, process
from sparkseis.spark.session import event_log_dir

_CLASS = "org.apache.spark.deploy.history.HistoryServer"


@dataclass(frozen=True)
class HistoryServer:
    """One history server: where it listens, the event-log folder it shows, its pid and log files."""

    host: str
    port: int
    log_dir_uri: str
    state_dir: Path

    @classmethod
    def from_config(cls) -> HistoryServer:
        port = int(os.environ.get("SPARKSEIS_HISTORY_PORT") or config.get("spark", "history_port", 18080))
        return cls(config.get("spark", "local_ip", "127.0.0.1"), port, event_log_dir(), config.project_path("var"))

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.state_dir / f"spark-history-{self.port}.pid"

    @property
    def log_file(self) -> Path:
        return self.state_dir / f"spark-history-{self.port}.log"

    def pid(self) -> int | None:
        return process.live_pid(self.pid_file, (_CLASS, f"spark.history.ui.port={self.port}"))

    def start(self, timeout_s: float = 90.0) -> HistoryServer:
        """Start the server unless it runs; return once it answers. RuntimeError if another
        program holds the port."""
        if self.pid() is not None:
            return self
        if process.accepting(self.host, self.port):
            raise RuntimeError(f"port {self.port} on {self.host} is held by another program; choose another "
                               "(SPARKSEIS_HISTORY_PORT or history_port in conf/sparkseis.toml)")  # fmt: skip
        spark_home = Path(_find_spark_home())
        opts = [f"-Dspark.history.fs.logDirectory={self.log_dir_uri}", f"-Dspark.history.ui.port={self.port}",
                "-Dspark.history.fs.update.interval=2s"]  # fmt: skip
        env = {"SPARK_HISTORY_OPTS": " ".join(opts), "SPARK_LOCAL_IP": self.host, "SPARK_PUBLIC_DNS": self.host,
               "SPARK_CONF_DIR": str(config.project_path("conf/spark"))}  # fmt: skip
        proc = process.spawn([str(spark_home / "bin" / "spark-class"), _CLASS], self.log_file, env=env)
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        self.pid_file.write_text(f"{proc.pid}\n")
        try:
            process.wait_listening(proc, self.host, self.port, timeout_s, "Spark history server", self.log_file)
        except RuntimeError:
            self.stop()
            raise
        return self

    def stop(self, timeout_s: float = 15.0) -> bool:
        """Stop the server started here (by pid, checked to be it); False if none was running."""
        pid = self.pid()
        if pid is not None:
            process.terminate(pid, lambda: self.pid() is not None, timeout_s)
        self.pid_file.unlink(missing_ok=True)
        return pid is not None

    def applications(self, timeout_s: float = 5.0) -> list[dict]:
        """The runs the server lists (its REST API /api/v1/applications)."""
        with urllib.request.urlopen(f"{self.url}/api/v1/applications", timeout=timeout_s) as answer:
            return json.load(answer)

    def status(self) -> str:
        pid = self.pid()
        if pid is None:
            return f"not running (would show {self.log_dir_uri} at {self.url})"
        return f"running: {self.url} (pid {pid}), showing {self.log_dir_uri}; log {self.log_file}"
