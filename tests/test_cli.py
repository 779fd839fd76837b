from sparkseis.cli import main


def test_import_command_prints_what_it_did(embedded_server, client, okhotsk_dir, capsys, monkeypatch):
    client.drop_database("cli_import")
    assert main(["import", str(okhotsk_dir), "--db", "cli_import", "--mongo-uri", embedded_server.uri]) == 0
    out = capsys.readouterr().out
    assert "wf_miniseed segments: 6" in out and "site: 2, channel: 12, source: 1" in out
    assert client["cli_import"]["source"].find_one({})["depth"] == 608.9


def test_import_missing_folder_is_a_clear_error(embedded_server, capsys, tmp_path):
    assert main(["import", str(tmp_path / "nope"), "--db", "x", "--mongo-uri", embedded_server.uri]) == 1
    assert "no such folder" in capsys.readouterr().err


def test_db_status_names_the_address(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("SPARKSEIS_EMBEDDED_PORT", "27299")
    monkeypatch.setenv("SPARKSEIS_EMBEDDED_DIR", str(tmp_path))
    assert main(["db", "status"]) == 0
    assert "127.0.0.1:27299" in capsys.readouterr().out


def test_traveltime_builds_the_jobs_table_once(capsys):
    from pathlib import Path

    assert main(["traveltime", "--model", "iasp91"]) == 0
    first = capsys.readouterr().out
    path = Path(first.rsplit(", ", 1)[1].strip())
    assert path.is_file() and path.name.startswith("iasp91-P-")
    assert main(["traveltime", "--model", "iasp91"]) == 0
    assert capsys.readouterr().out.strip() == f"travel-time table iasp91 P: already built, {path}"


def test_traveltime_unknown_model_is_one_line(capsys):
    assert main(["traveltime", "--model", "no_such_model"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no_such_model" in err[0] and "cannot be loaded" in err[0]
