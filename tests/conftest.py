"""Shared fixtures: paths to the shipped real data."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import DATA, free_port


@pytest.fixture(scope="session")
def okhotsk_dir() -> Path:
    """The 2013-05-24 Mw 8.3 Sea of Okhotsk event at AE.113A and TA.POKR (from pyasdf, BSD-3)."""
    return DATA / "okhotsk_2013"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """All the shipped real data (45 waveforms)."""
    return DATA


@pytest.fixture(scope="session")
def rf_dir() -> Path:
    """13 events at CX.PB01 (from rf, MIT)."""
    return DATA / "rf_example"


@pytest.fixture(scope="session")
def embedded_server(tmp_path_factory):
    """A real embedded MongoDB-protocol server for this test run, stopped (by pid) at the end."""
    import os

    from sparkseis.servers import EmbeddedServer

    data_dir = tmp_path_factory.mktemp("mongo")
    server = EmbeddedServer("127.0.0.1", free_port(), data_dir)
    server.start()
    os.environ["SPARKSEIS_MONGODB_URI"] = server.uri
    yield server
    server.stop()


@pytest.fixture(scope="session")
def client(embedded_server):
    from sparkseis.db import Client

    c = Client(embedded_server.uri)
    yield c
    c.close()


@pytest.fixture
def fresh_db(client, request):
    """An empty database named after the test."""
    name = "t_" + "".join(ch if ch.isalnum() else "_" for ch in request.node.name)[:50]
    client.drop_database(name)
    return client.get_database(name)


@pytest.fixture(scope="session")
def shipped_db(client):
    """The shipped real data imported once (Okhotsk hypocentre, rf example)."""
    from sparkseis.db.importer import import_folder

    client.drop_database("shipped")
    db = client.get_database("shipped")
    import_folder(db, DATA, origin="hypocentre")
    return db
