"""Settings resolved once at the edge: conf/ under the environment, one default per concept,
and the driver's values carried to Spark tasks (tests/spark/test_settings_travel.py)."""

import ast
from pathlib import Path

from sparkseis import config, defaults


def test_defaults_and_environment_override(monkeypatch):
    from sparkseis.spark.session import resolve_master

    monkeypatch.delenv("SPARKSEIS_SPARK_MASTER", raising=False)
    assert config.spark_defaults()["spark.master"] == "local[*,4]"  # retried tasks by default
    assert resolve_master() == "local[*,4]" and resolve_master("local[1]") == "local[1]"
    monkeypatch.setenv("SPARKSEIS_SPARK_MASTER", "spark://head:7077")
    monkeypatch.setenv("SPARKSEIS_EMBEDDED_PORT", "28000")
    monkeypatch.setenv("SPARKSEIS_HISTORY_PORT", "18123")
    monkeypatch.setenv("SPARKSEIS_EMBEDDED_SERVER", "secantusdb")
    s = config.settings()
    assert resolve_master() == "spark://head:7077" and s.embedded_port == 28000 and s.history_port == 18123
    assert s.embedded().name == "secantusdb" and s.embedded().port == 28000


def test_relative_paths_resolve_against_the_project_root(monkeypatch, tmp_path):
    monkeypatch.setenv("SPARKSEIS_HOME", str(tmp_path))
    monkeypatch.setenv("SPARKSEIS_OUTPUT_DIR", "out/here")
    monkeypatch.delenv("SPARKSEIS_CONF", raising=False)
    s = config.settings()
    assert s.output_dir == tmp_path / "out" / "here" and s.embedded_dir == tmp_path / defaults.EMBEDDED_DIR
    monkeypatch.setenv("SPARKSEIS_OUTPUT_DIR", "/abs/folder")
    assert config.settings().output_dir == Path("/abs/folder")


def test_one_default_per_concept():
    from sparkseis.db.database import Database
    from sparkseis.db.importer import import_folder
    from sparkseis.db.metadata_import import catalog_documents

    assert config.Settings().origin == defaults.ORIGIN == "hypocentre"
    for func in (Database.save_catalog, import_folder, catalog_documents):
        assert func.__defaults__[-1] == defaults.ORIGIN or defaults.ORIGIN in func.__defaults__, func


def test_the_db_layer_and_the_sink_never_read_settings_or_the_environment():
    """No module under sparkseis/db, nor the Spark sink, reads conf/ or os.environ."""
    root = Path(config.__file__).parent
    modules = sorted((root / "db").glob("*.py")) + [root / "spark" / "sink.py"]
    offenders = []
    for path in modules:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("environ", "getenv")
                and getattr(node.value, "id", "") == "os"
            ):
                offenders.append(f"{path.name}: os.{node.attr}")
            if (
                isinstance(node, ast.Attribute)
                and getattr(node.value, "id", "") == "config"
                and node.attr in ("settings", "load", "get")
            ):
                offenders.append(f"{path.name}: config.{node.attr}")
            if isinstance(node, ast.ImportFrom) and node.module == "sparkseis.config":
                names = {a.name for a in node.names}
                if names - {"Settings"}:
                    offenders.append(f"{path.name}: imports {names - {'Settings'}} from sparkseis.config")
    assert not offenders, offenders


def test_the_toml_file_is_parsed_once(monkeypatch):
    calls = []
    real = config.tomllib.load
    monkeypatch.setattr(config.tomllib, "load", lambda f: calls.append(1) or real(f))
    config._parse.cache_clear()
    for _ in range(5):
        config.settings()
    assert len(calls) == 1


def test_lazy_client_attribute():
    import sparkseis
    import sparkseis.db
    from sparkseis.client import Client

    assert sparkseis.Client is Client and sparkseis.db.Client is Client
