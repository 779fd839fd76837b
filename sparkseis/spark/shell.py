"""The command that starts a pyspark shell the way sparkseis starts its own sessions."""

from __future__ import annotations

import sys

from sparkseis import config
from sparkseis.config import Settings
from sparkseis.spark.history import spark_bin
from sparkseis.spark.session import event_log_dir, resolve_master


def pyspark_command(
    extra: list[str] | None = None, settings: Settings | None = None
) -> tuple[list[str], dict[str, str]]:
    """(argv, environment) for pyspark with conf/spark (spark-defaults.conf, logging), this
    Python for driver and workers, and the event log on; extra flags are passed on (--master wins)."""
    settings = settings or config.settings()
    extra = list(extra or [])
    master = next((extra[i + 1] for i, a in enumerate(extra[:-1]) if a == "--master"), None) or resolve_master(
        None, settings
    )
    env = {
        "SPARK_CONF_DIR": str(settings.spark_conf_dir),
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
    }
    argv = [str(spark_bin("pyspark"))]
    if "--master" not in extra:
        argv += ["--master", master]
    argv += ["--conf", "spark.eventLog.enabled=true", "--conf", f"spark.eventLog.dir={event_log_dir(settings)}"]
    if master.startswith("local"):
        env["SPARK_LOCAL_IP"] = settings.local_ip
        argv += [
            "--conf",
            f"spark.driver.bindAddress={settings.local_ip}",
            "--conf",
            f"spark.driver.host={settings.local_ip}",
        ]
    return argv + extra, env
