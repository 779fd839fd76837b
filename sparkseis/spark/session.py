"""A SparkSession configured from conf/sparkseis.toml, spark-submit flags and the environment."""

from __future__ import annotations

import os
import sys
import time

from pyspark import SparkConf, SparkContext
from pyspark.sql import SparkSession

from sparkseis import config


def _warm_worker(_) -> None:
    # import the processing stack and load the default Earth model in a Python worker
    import sparkseis.algorithms  # noqa: F401
    import sparkseis.db  # noqa: F401
    from sparkseis.algorithms.traveltime import load_taup_model

    load_taup_model("iasp91")


def warm_workers(spark: SparkSession) -> float:
    """Start the Python workers and import the processing stack in each; returns seconds taken.

    Done once per session, so the first job pays no import cost (Spark reuses the workers).
    """
    sc = spark.sparkContext
    n = sc.defaultParallelism
    started = time.perf_counter()
    sc.parallelize(range(n), n).foreach(_warm_worker)
    return time.perf_counter() - started


def session(master: str | None = None, app_name: str | None = None, conf: dict[str, str] | None = None,
            warm: bool = True) -> SparkSession:  # fmt: skip
    """Get or create the SparkSession.

    master: this argument, else what spark-submit --master set, else SPARKSEIS_SPARK_MASTER,
    else conf/sparkseis.toml (default local[*,4]: retried tasks). Event logging goes to the configured folder
    so the Spark history server can show finished runs. warm=True starts the Python workers
    with sparkseis imported (see warm_workers).
    """
    settings = config.load().get("spark", {})
    if "PYSPARK_GATEWAY_PORT" in os.environ:
        # launched by spark-submit or the pyspark shell: connect to their JVM first, so that
        # SparkConf sees their flags (--master, --conf) and we only fill in what they left unset
        SparkContext._ensure_initialized()
    submitted = SparkConf()
    if master is None and not submitted.contains("spark.master"):
        master = settings.get("master", "local[*,4]")
    master = master or submitted.get("spark.master")
    if master.startswith("local"):
        # one machine: keep Spark on loopback, and run workers with this interpreter
        os.environ.setdefault("SPARK_LOCAL_IP", settings.get("local_ip", "127.0.0.1"))
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    # Spark reads log4j2.properties from here when it starts the JVM (spark-submit sets its own)
    spark_conf_dir = config.project_path("conf/spark")
    if spark_conf_dir.is_dir():
        os.environ.setdefault("SPARK_CONF_DIR", str(spark_conf_dir))
    event_dir = config.project_path(settings.get("event_log_dir", "var/spark-events"))
    event_dir.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.appName(app_name or settings.get("app_name", "sparkseis")).master(master)
    defaults = {
        "spark.eventLog.enabled": "true",
        "spark.eventLog.dir": event_dir.as_uri(),
        "spark.ui.port": str(settings.get("ui_port", 4040)),
        "spark.ui.showConsoleProgress": "true",
        "spark.driver.memory": settings.get("driver_memory", "4g"),
        "spark.python.worker.reuse": "true",
        # results are small summaries; waveforms never come back to the driver
        "spark.driver.maxResultSize": "1g",
        # Spark's own secret pattern, plus MongoDB URIs with credentials: a URI given on the
        # command line is otherwise shown in clear in the UI's environment page and the event log
        "spark.redaction.regex": r"(?i)secret|password|token|access[.]?key|mongodb(\+srv)?://[^/\s]*@",
    }
    if master.startswith("local"):
        defaults["spark.driver.bindAddress"] = os.environ["SPARK_LOCAL_IP"]
        defaults["spark.driver.host"] = os.environ["SPARK_LOCAL_IP"]
    for key, value in {**defaults, **(conf or {})}.items():
        if not submitted.contains(key) or (conf and key in conf):
            builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    if warm:
        warm_workers(spark)
    return spark


def describe(spark: SparkSession) -> dict[str, str]:
    """Where to watch the run: master, UI address, event log folder."""
    sc = spark.sparkContext
    return {
        "master": sc.master,
        "ui": sc.uiWebUrl or "(UI disabled)",
        "event_log": sc.getConf().get("spark.eventLog.dir", "(event log off)"),
        "application_id": sc.applicationId,
    }
