import socket

import pytest

from sparkseis.db import Client, DatabaseConnectionError, EmbeddedServer, redact_uri
from tests.support import free_port


def test_server_not_running_gives_clear_error():
    port = free_port()
    with pytest.raises(DatabaseConnectionError) as err:
        Client(f"mongodb://127.0.0.1:{port}/", timeout_s=0.5)
    msg = str(err.value)
    assert f"127.0.0.1:{port}" in msg and "sparkseis db start" in msg


def test_credentials_never_printed():
    port = free_port()
    uri = f"mongodb://seis:hunter2@127.0.0.1:{port}/?authSource=admin"
    assert "hunter2" not in redact_uri(uri) and "***@127.0.0.1" in redact_uri(uri)
    with pytest.raises(DatabaseConnectionError) as err:
        Client(uri, timeout_s=0.5)
    assert "hunter2" not in str(err.value) and "seis:" not in str(err.value) and "***@127.0.0.1" in str(err.value)


def test_embedded_server_start_reuse_stop(tmp_path):
    server = EmbeddedServer("127.0.0.1", free_port(), tmp_path)
    assert "not running" in server.status()
    server.start()
    try:
        pid = server.pid()
        assert pid and "running" in server.status()
        assert server.start().pid() == pid  # reused, not started twice
        c = Client(server.uri)
        c.x.y.insert_one({"a": 1})
        assert c.x.y.count_documents({}) == 1
        c.close()
    finally:
        assert server.stop()
    assert server.pid() is None and not server.accepting()


def test_client_uses_environment_uri(embedded_server):
    # conftest exports SPARKSEIS_MONGODB_URI for the embedded test server
    assert Client().uri == embedded_server.uri


def test_database_is_a_pymongo_database(client):
    import pymongo.database

    db = client.get_database("parity_db")
    client.drop_database("parity_db")
    assert isinstance(client, pymongo.MongoClient) and isinstance(db, pymongo.database.Database)
    db.wf_miniseed.insert_one({"sta": "X"})  # collections as attributes, as every MsPASS notebook uses them
    assert db["wf_miniseed"].count_documents({}) == 1 and list(db.wf_miniseed.find({}))[0]["sta"] == "X"
    assert "wf_miniseed" in db.list_collection_names()
    assert type(client["parity_db"]) is type(db) and type(client.parity_db) is type(db)
    db.drop_collection("wf_miniseed")
    assert "wf_miniseed" not in db.list_collection_names()


def test_client_and_database_pickle_to_a_reconnecting_shared_connection(client):
    import pickle

    from sparkseis.client import shared_client

    db = client.get_database("parity_pickle")
    blob = pickle.dumps(db)
    again = pickle.loads(blob)
    assert again.name == "parity_pickle" and again.client is shared_client(client.uri, client.settings)
    assert pickle.loads(pickle.dumps(client)) is again.client  # one connection per process
    again.t.insert_one({"a": 1})
    assert db.t.count_documents({}) == 1


def test_printed_forms_hide_secrets():
    uri = "mongodb://seis:p@ss/w@rd@127.0.0.1:1/?tlsCertificateKeyFilePassword=sekret&authSource=admin"
    shown = redact_uri(uri)
    assert "p@ss" not in shown and "rd@" not in shown and "sekret" not in shown
    assert shown.startswith("mongodb://***@127.0.0.1:1/") and "authSource=admin" in shown
    with pytest.raises(DatabaseConnectionError) as err:
        Client("mongodb://seis:hunter2@127.0.0.1:1/?tlsCertificateKeyFilePassword=sekret", timeout_s=0.3)
    assert "hunter2" not in str(err.value) and "sekret" not in str(err.value)


def test_db_start_refuses_a_port_held_by_another_program(tmp_path):
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        server = EmbeddedServer("127.0.0.1", port, tmp_path)
        with pytest.raises(RuntimeError, match="not sparkseis' nx-27017"):
            server.start()


def test_db_stop_signals_only_its_own_server(tmp_path):
    import subprocess
    import sys

    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        server = EmbeddedServer("127.0.0.1", free_port(), tmp_path)
        server.pid_file.write_text(str(bystander.pid))  # a stale pid file naming someone else's process
        assert server.pid() is None and server.stop() is False
        assert bystander.poll() is None and not server.pid_file.exists()
    finally:
        bystander.kill()
