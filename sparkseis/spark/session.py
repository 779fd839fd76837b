"""A SparkSession configured from conf/spark/spark-defaults.conf, conf/sparkseis.toml,
spark-submit flags and the environment, with its events logged for the history server."""

from __future__ import annotations

import logging
import os
import sys
import time

from pyspark import SparkConf, SparkContext
from pyspark.sql import SparkSession

from sparkseis import config
from sparkseis.config import Settings, resolve_master  # noqa: F401 - resolve_master: part of this module's interface
from sparkseis.spark import worker_zygote

log = logging.getLogger(__name__)


def _warm_worker(model: str | None):
    def warm(_) -> None:
        import sparkseis.algorithms.chains  # noqa: F401
        import sparkseis.db.decode  # noqa: F401
        from sparkseis.algorithms.deferred_imports import scipy_signal

        scipy_signal()  # what the chain imports on first use (preloaded where the worker daemon is ours)

        if model is not None:
            from sparkseis.algorithms.traveltime import load_taup_model

            load_taup_model(model)

    return warm


def warm_workers(spark: SparkSession | SparkContext, model: str | None = None) -> float:
    """Start one Python worker per core and import the processing chain in each (and load the
    TauP model `model`, if given: only the per-depth calculator needs it), as a Spark job
    labelled "warm-up" in the UI; returns the seconds taken.

    Optional: a job pays the same cost in its first tasks without it. It helps where the
    first job's time is what is measured (notebooks, benchmarks); Spark reuses the workers.
    """
    sc = getattr(spark, "sparkContext", spark)
    n = sc.defaultParallelism
    started = time.perf_counter()
    what = f", load TauP model {model}" if model else ""
    sc.setJobDescription(f"warm-up: start {n} Python workers, import the processing chain{what}")
    try:
        sc.parallelize(range(n), n).setName("warm-up").foreach(_warm_worker(model))
    finally:
        sc.setJobDescription(None)
    return time.perf_counter() - started


def event_log_dir(settings: Settings | None = None) -> str:
    """The event-log folder every sparkseis session writes to (created), as a file: URI."""
    folder = (settings or config.settings()).event_log_dir
    folder.mkdir(parents=True, exist_ok=True)
    return folder.resolve().as_uri()


def spark_context(
    master: str | None = None,
    app_name: str | None = None,
    conf: dict[str, str] | None = None,
    settings: Settings | None = None,
) -> SparkContext:
    """Get or create the SparkContext, configured as `session` describes: what RDD jobs need,
    without Spark SQL's start-up (about 3 s)."""
    settings = settings or config.settings()
    existing = SparkContext._active_spark_context
    if existing is not None:
        if existing.getConf().get("spark.eventLog.enabled", "false") != "true":
            log.warning(
                "this Spark session was started outside sparkseis and logs no events: the history server will not "
                "show it (start shells with `sparkseis shell`)"
            )
        return existing
    if "PYSPARK_GATEWAY_PORT" in os.environ:
        # launched by spark-submit or the pyspark shell: connect to their JVM first, so that
        # SparkConf sees their flags (--master, --conf) and we only fill in what they left unset
        SparkContext._ensure_initialized()
    submitted = SparkConf()
    if master is None and submitted.contains("spark.master"):
        master = submitted.get("spark.master")
    master = resolve_master(master, settings)
    local_ip = settings.local_ip
    if master.startswith("local"):
        # one machine: keep Spark on loopback, and run workers with this interpreter
        os.environ.setdefault("SPARK_LOCAL_IP", local_ip)
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    # Spark reads log4j2.properties from here when it starts the JVM (spark-submit sets its own)
    if settings.spark_conf_dir.is_dir():
        os.environ.setdefault("SPARK_CONF_DIR", str(settings.spark_conf_dir))
    spark_settings = {k: v for k, v in config.spark_defaults(settings.spark_conf_dir).items() if k != "spark.master"}
    spark_settings.update({"spark.eventLog.enabled": "true", "spark.eventLog.dir": event_log_dir(settings)})
    if master.startswith("local"):
        spark_settings["spark.driver.bindAddress"] = os.environ["SPARK_LOCAL_IP"]
        spark_settings["spark.driver.host"] = os.environ["SPARK_LOCAL_IP"]
    wanted = submitted.setMaster(master)
    for key, value in {**spark_settings, **(conf or {})}.items():
        if not submitted.contains(key) or (conf and key in conf):
            wanted.set(key, value)
    if app_name:
        wanted.setAppName(app_name)
    if worker_zygote.wanted(master, wanted):
        zygote = worker_zygote.start()  # started already, where the command began (run_command)
        if zygote is not None:
            wanted.set(f"spark.executorEnv.{worker_zygote.SOCKET_VAR}", zygote)
    else:
        worker_zygote.stop()  # the workers are not forked on this machine, or not by our daemon
    sc = SparkContext.getOrCreate(wanted)
    sc.setLogLevel("WARN")
    if "obspy.taup" in sys.modules:
        # a TauPyModel in a closure then travels as its name (loaded once per worker), not as 260 kB
        from sparkseis.algorithms.traveltime import register_taup_pickling

        register_taup_pickling()
    return sc


def session(
    master: str | None = None,
    app_name: str | None = None,
    conf: dict[str, str] | None = None,
    warm: bool = False,
    model: str | None = None,
    settings: Settings | None = None,
) -> SparkSession:
    """Get or create the SparkSession.

    Settings: conf/spark/spark-defaults.conf, under what spark-submit or the pyspark shell set,
    under `conf` and `master` given here (see resolve_master). Events are logged to the
    configured folder (conf/sparkseis.toml) for `sparkseis history start`.
    warm=True runs warm_workers (with the TauP `model`, if given) once the session is up.
    settings: sparkseis' settings (default: read now, from conf/ and the environment).

    >>> spark = session("local[2]", app_name="my notebook")  # doctest: +SKIP
    >>> describe(spark)["ui"]  # doctest: +SKIP
    'http://127.0.0.1:4040'
    """
    sc = spark_context(master, app_name, conf, settings)
    spark = SparkSession.builder.getOrCreate()  # on the context above
    if warm:
        warm_workers(sc, model)
    return spark


def stop_context(sc: SparkContext, process_ends: bool = False) -> None:
    """Stop sc: the JVM's context, its executors and UI, its event log written and closed.
    process_ends: the process exits right after, so pyspark's accumulator server (a daemon
    thread whose shutdown waits up to a second for its connection's next poll) is left to end
    with the process instead of being waited for."""
    if process_ends:
        sc._accumulatorServer = None  # pyspark's stop() then skips only that wait
    sc.stop()
    worker_zygote.stop()


def describe(spark: SparkSession | SparkContext) -> dict[str, str]:
    """Where to watch the run: master, UI address, event log folder, application id.

    >>> sorted(describe(spark))  # doctest: +SKIP
    ['application_id', 'event_log', 'master', 'ui']
    """
    sc = getattr(spark, "sparkContext", spark)
    return {
        "master": sc.master,
        "ui": sc.uiWebUrl or "(UI disabled)",
        "event_log": sc.getConf().get("spark.eventLog.dir", "(event log off)")
        if sc.getConf().get("spark.eventLog.enabled") == "true"
        else "(event log off)",
        "application_id": sc.applicationId,
    }
