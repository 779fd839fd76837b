"""Spark's history server on the folder where every sparkseis session logs its events, on a
loopback port: `sparkseis history start|stop|status`."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from pyspark.find_spark_home import _find_spark_home

from sparkseis.config import Settings
from sparkseis.servers import ManagedServer
from sparkseis.spark.session import event_log_dir

_CLASS = "org.apache.spark.deploy.history.HistoryServer"


def spark_bin(program: str) -> Path:
    """A program of the pyspark installation's bin/ folder (spark-class, pyspark, spark-submit)."""
    return Path(_find_spark_home()) / "bin" / program


@dataclass(frozen=True)
class HistoryServer(ManagedServer):
    """One history server on host:port showing the event-log folder log_dir_uri; its pid and
    log files in state_dir."""

    log_dir_uri: str = ""
    spark_conf_dir: Path | None = None

    name: ClassVar[str] = "spark-history"
    start_timeout_s: ClassVar[float] = 90.0
    port_setting: ClassVar[str] = "SPARKSEIS_HISTORY_PORT or history_port in conf/sparkseis.toml"

    @classmethod
    def from_settings(cls, settings: Settings) -> HistoryServer:
        return cls(
            settings.local_ip,
            settings.history_port,
            settings.state_dir,
            event_log_dir(settings),
            settings.spark_conf_dir,
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def address(self) -> str:
        return self.url

    def command(self) -> list[str]:
        return [str(spark_bin("spark-class")), _CLASS]

    def markers(self) -> tuple[str, ...]:
        return (_CLASS, f"spark.history.ui.port={self.port}")

    def environment(self) -> dict[str, str]:
        opts = [
            f"-Dspark.history.fs.logDirectory={self.log_dir_uri}",
            f"-Dspark.history.ui.port={self.port}",
            "-Dspark.history.fs.update.interval=2s",
        ]
        env = {"SPARK_HISTORY_OPTS": " ".join(opts), "SPARK_LOCAL_IP": self.host, "SPARK_PUBLIC_DNS": self.host}
        if self.spark_conf_dir is not None:
            env["SPARK_CONF_DIR"] = str(self.spark_conf_dir)
        return env

    def applications(self, timeout_s: float = 5.0) -> list[dict]:
        """The runs the server lists (its REST API /api/v1/applications)."""
        with urllib.request.urlopen(f"{self.url}/api/v1/applications", timeout=timeout_s) as answer:
            return json.load(answer)

    def status(self) -> str:
        return super().status() + (
            f", showing {self.log_dir_uri}" if self.pid() is not None else f"; would show {self.log_dir_uri}"
        )
