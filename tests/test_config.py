from sparkseis import config


def test_defaults_and_environment_override(monkeypatch, tmp_path):
    from sparkseis.spark.session import resolve_master

    monkeypatch.delenv("SPARKSEIS_SPARK_MASTER", raising=False)
    assert config.spark_defaults()["spark.master"] == "local[*,4]"  # retried tasks by default
    assert resolve_master() == "local[*,4]" and resolve_master("local[1]") == "local[1]"
    monkeypatch.setenv("SPARKSEIS_SPARK_MASTER", "spark://head:7077")
    monkeypatch.setenv("SPARKSEIS_EMBEDDED_PORT", "28000")
    settings = config.load()
    assert resolve_master() == "spark://head:7077" and settings["embedded"]["port"] == 28000


def test_relative_paths_resolve_against_project(tmp_path, monkeypatch):
    assert config.project_path("var/mongo") == config.project_root() / "var" / "mongo"
    assert config.project_path(tmp_path) == tmp_path


def test_lazy_client_attribute():
    import sparkseis
    from sparkseis.db.client import Client

    assert sparkseis.Client is Client
