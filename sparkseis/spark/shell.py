"""The command that starts a pyspark shell the way sparkseis starts its own sessions."""

from __future__ import annotations

import sys
from pathlib import Path

from pyspark.find_spark_home import _find_spark_home

from sparkseis import config
from sparkseis.spark.session import event_log_dir, resolve_master


def pyspark_command(extra: list[str] | None = None) -> tuple[list[str], dict[str, str]]:
    """(argv, environment) for pyspark with conf/spark (spark-defaults.conf, logging), this
    Python for driver and workers, and the event log on; extra flags are passed on (--master wins)."""
    extra = list(extra or [])
    master = next((extra[i + 1] for i, a in enumerate(extra[:-1]) if a == "--master"), None) or resolve_master()
    env = {"SPARK_CONF_DIR": str(config.project_path("conf/spark")), "PYSPARK_PYTHON": sys.executable,
           "PYSPARK_DRIVER_PYTHON": sys.executable}  # fmt: skip
    argv = [str(Path(_find_spark_home()) / "bin" / "pyspark")]
    if "--master" not in extra:
        argv += ["--master", master]
    argv += ["--conf", "spark.eventLog.enabled=true", "--conf", f"spark.eventLog.dir={event_log_dir()}"]
    if master.startswith("local"):
        ip = config.get("spark", "local_ip", "127.0.0.1")
        env["SPARK_LOCAL_IP"] = ip
        argv += ["--conf", f"spark.driver.bindAddress={ip}", "--conf", f"spark.driver.host={ip}"]
    return argv + extra, env
