"""Settings: conf/sparkseis.toml, then environment variables, then explicit arguments."""

from __future__ import annotations

import copy
import os
import tomllib
from pathlib import Path
from typing import Any

_ENV = {
    ("mongodb", "uri"): "SPARKSEIS_MONGODB_URI",
    ("embedded", "port"): "SPARKSEIS_EMBEDDED_PORT",
    ("embedded", "data_dir"): "SPARKSEIS_EMBEDDED_DIR",
    ("storage", "output_dir"): "SPARKSEIS_OUTPUT_DIR",
    ("spark", "master"): "SPARKSEIS_SPARK_MASTER",
    ("spark", "event_log_dir"): "SPARKSEIS_EVENT_LOG_DIR",
}


def project_root() -> Path:
    """The folder holding conf/: $SPARKSEIS_HOME, else the source checkout, else the current folder."""
    if os.environ.get("SPARKSEIS_HOME"):
        return Path(os.environ["SPARKSEIS_HOME"]).resolve()
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "conf" / "sparkseis.toml").exists():
        return checkout
    return Path.cwd()


def load(path: str | os.PathLike | None = None) -> dict[str, dict[str, Any]]:
    """All settings as {section: {key: value}}, with environment overrides applied."""
    conf_path = Path(path or os.environ.get("SPARKSEIS_CONF") or project_root() / "conf" / "sparkseis.toml")
    settings: dict[str, dict[str, Any]] = {}
    if conf_path.exists():
        with open(conf_path, "rb") as f:
            settings = tomllib.load(f)
    settings = copy.deepcopy(settings)
    for (section, key), var in _ENV.items():
        if os.environ.get(var):
            value: Any = os.environ[var]
            if key == "port":
                value = int(value)
            settings.setdefault(section, {})[key] = value
    return settings


def get(section: str, key: str, default: Any = None) -> Any:
    return load().get(section, {}).get(key, default)


def project_path(value: str | os.PathLike) -> Path:
    """A configured path, made absolute against the project root."""
    p = Path(value)
    return p if p.is_absolute() else project_root() / p


def spark_defaults() -> dict[str, str]:
    """Spark's settings from conf/spark/spark-defaults.conf (Spark's own file format: a key,
    whitespace, the value; # comments)."""
    path = project_path("conf/spark/spark-defaults.conf")
    settings: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                key, _, value = line.partition(" ")
                settings[key] = value.strip()
    return settings
