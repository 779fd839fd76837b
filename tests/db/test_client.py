import socket

import pytest

from sparkseis.db import Client, DatabaseConnectionError, EmbeddedServer, redact_uri


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
        c.mongo.x.y.insert_one({"a": 1})
        assert c.mongo.x.y.count_documents({}) == 1
        c.close()
    finally:
        assert server.stop()
    assert server.pid() is None and not server.accepting()


def test_client_uses_environment_uri(embedded_server):
    # conftest exports SPARKSEIS_MONGODB_URI for the embedded test server
    assert Client().uri == embedded_server.uri
