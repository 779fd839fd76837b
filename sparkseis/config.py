"""Settings, resolved once at the edge: conf/sparkseis.toml, then environment variables, then
explicit arguments. Entry points (the CLI, the jobs, `session()`, `Client()` without a URI)
build a `Settings` with `settings()` and pass its values down; nothing under `sparkseis/db`
reads configuration or the environment, and Spark tasks receive values, never look them up.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sparkseis import defaults

# (section, key) in conf/sparkseis.toml -> the environment variable that overrides it
_ENV = {
    ("mongodb", "uri"): "SPARKSEIS_MONGODB_URI",
    ("embedded", "port"): "SPARKSEIS_EMBEDDED_PORT",
    ("embedded", "data_dir"): "SPARKSEIS_EMBEDDED_DIR",
    ("embedded", "server"): "SPARKSEIS_EMBEDDED_SERVER",
    ("storage", "output_dir"): "SPARKSEIS_OUTPUT_DIR",
    ("spark", "master"): "SPARKSEIS_SPARK_MASTER",
    ("spark", "event_log_dir"): "SPARKSEIS_EVENT_LOG_DIR",
    ("spark", "history_port"): "SPARKSEIS_HISTORY_PORT",
    ("s3", "endpoint"): "SPARKSEIS_S3_ENDPOINT",
}
# the AWS SDKs' own names for an S3 endpoint, read when sparkseis is given none
_AWS_ENDPOINT_VARS = ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
_INTEGERS = {"port", "history_port"}


def project_root() -> Path:
    """The folder holding conf/: $SPARKSEIS_HOME, else the source checkout, else the current folder."""
    if os.environ.get("SPARKSEIS_HOME"):
        return Path(os.environ["SPARKSEIS_HOME"]).resolve()
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "conf" / "sparkseis.toml").exists():
        return checkout
    return Path.cwd()


@functools.lru_cache(maxsize=8)
def _parse(path: Path, mtime_ns: int) -> dict[str, dict[str, Any]]:
    # one parse per file version: callers get copies, so nobody edits the cache
    with open(path, "rb") as f:
        return tomllib.load(f)


def load(path: str | os.PathLike | None = None) -> dict[str, dict[str, Any]]:
    """All settings as {section: {key: value}}, with environment overrides applied (the TOML
    file is parsed once per version of it)."""
    conf_path = Path(path or os.environ.get("SPARKSEIS_CONF") or project_root() / "conf" / "sparkseis.toml")
    parsed = _parse(conf_path, conf_path.stat().st_mtime_ns) if conf_path.exists() else {}
    settings = {section: dict(values) for section, values in parsed.items()}
    for (section, key), var in _ENV.items():
        if os.environ.get(var):
            value: Any = os.environ[var]
            settings.setdefault(section, {})[key] = int(value) if key in _INTEGERS else value
    return settings


def project_path(value: str | os.PathLike, root: Path | None = None) -> Path:
    """A configured path, made absolute against the project root."""
    p = Path(value)
    return p if p.is_absolute() else (root or project_root()) / p


@dataclass(frozen=True)
class Settings:
    """Every sparkseis setting, resolved: paths absolute, numbers typed. Defaults live in
    sparkseis.defaults, beside their names."""

    mongodb_uri: str | None = None  # None: the embedded server
    mongodb_timeout_s: float = defaults.MONGODB_TIMEOUT_S
    mongodb_w: int | str = defaults.MONGODB_W
    embedded_server: str = defaults.EMBEDDED_SERVER
    embedded_host: str = defaults.LOCAL_IP
    embedded_port: int = defaults.EMBEDDED_PORT
    embedded_dir: Path = Path(defaults.EMBEDDED_DIR)
    storage_mode: str = defaults.STORAGE_MODE
    output_dir: Path = Path(defaults.OUTPUT_DIR)
    origin: str = defaults.ORIGIN
    spark_master: str | None = None
    event_log_dir: Path = Path(defaults.EVENT_LOG_DIR)
    local_ip: str = defaults.LOCAL_IP
    history_port: int = defaults.HISTORY_PORT
    s3_endpoint: str | None = None  # an S3-compatible store other than AWS: http(s)://host:port
    s3_region: str | None = None
    project_root: Path = Path(".")

    def replace(self, **changes: Any) -> Settings:
        """A copy with some values changed."""
        return dataclasses.replace(self, **changes)

    def embedded(self):
        """The embedded database server these settings describe (not started)."""
        from sparkseis.servers import embedded_server

        return embedded_server(self.embedded_server, self.embedded_host, self.embedded_port, self.embedded_dir)

    @property
    def spark_conf_dir(self) -> Path:
        """Spark's own settings (spark-defaults.conf, log4j2.properties)."""
        return self.project_root / "conf" / "spark"

    @property
    def state_dir(self) -> Path:
        """Where pid and log files of the servers sparkseis starts live."""
        return self.project_root / "var"

    def s3_options(self, anonymous: bool = False):
        """How to reach the object store (credentials: the AWS default chain, never settings)."""
        from sparkseis.db.byte_store import S3Options

        return S3Options(anonymous=bool(anonymous), endpoint=self.s3_endpoint, region=self.s3_region)

    @property
    def traveltime_cache(self) -> Path:
        """Where travel-time tables are kept once built (one .npz per model and phase list)."""
        return self.state_dir / "traveltime"


def settings(path: str | os.PathLike | None = None) -> Settings:
    """The settings now: conf/sparkseis.toml under the environment variables (call at the edge)."""
    root = project_root()
    conf = load(path)

    def value(section: str, key: str, default: Any) -> Any:
        got = conf.get(section, {}).get(key)
        return default if got in (None, "") else got

    return Settings(
        mongodb_uri=value("mongodb", "uri", None),
        mongodb_timeout_s=float(value("mongodb", "timeout_s", defaults.MONGODB_TIMEOUT_S)),
        mongodb_w=value("mongodb", "w", defaults.MONGODB_W),
        embedded_server=value("embedded", "server", defaults.EMBEDDED_SERVER),
        embedded_host=value("embedded", "host", defaults.LOCAL_IP),
        embedded_port=int(value("embedded", "port", defaults.EMBEDDED_PORT)),
        embedded_dir=project_path(value("embedded", "data_dir", defaults.EMBEDDED_DIR), root),
        storage_mode=value("storage", "mode", defaults.STORAGE_MODE),
        output_dir=project_path(value("storage", "output_dir", defaults.OUTPUT_DIR), root),
        origin=value("import", "origin", defaults.ORIGIN),
        spark_master=value("spark", "master", None),
        event_log_dir=project_path(value("spark", "event_log_dir", defaults.EVENT_LOG_DIR), root),
        local_ip=value("spark", "local_ip", defaults.LOCAL_IP),
        history_port=int(value("spark", "history_port", defaults.HISTORY_PORT)),
        s3_endpoint=value("s3", "endpoint", None)
        or next((os.environ[v] for v in _AWS_ENDPOINT_VARS if os.environ.get(v)), None),
        s3_region=value("s3", "region", None),
        project_root=root,
    )


def spark_defaults(conf_dir: Path | None = None) -> dict[str, str]:
    """Spark's settings from conf/spark/spark-defaults.conf (Spark's own file format: a key,
    whitespace, the value; # comments)."""
    path = (conf_dir or project_path("conf/spark")) / "spark-defaults.conf"
    settings: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                key, _, value = line.partition(" ")
                settings[key] = value.strip()
    return settings


def resolve_master(master: str | None = None, settings: Settings | None = None) -> str:
    """master: this argument, else SPARKSEIS_SPARK_MASTER, else conf/spark/spark-defaults.conf,
    else local[*,4] (spark-submit's --master wins over all but the argument; see
    sparkseis.spark.session)."""
    chosen = settings or current_settings()
    return (
        master
        or chosen.spark_master
        or spark_defaults(chosen.spark_conf_dir).get("spark.master")
        or defaults.SPARK_MASTER
    )


current_settings = settings  # settings() under a name resolve_master's argument does not hide
