"""Shared fixtures: paths to the shipped real data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support import DATA, ExternalServer, new_server


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


# A server given before the run (a real MongoDB: a throwaway one, the tests drop their databases)
_GIVEN_URI = os.environ.get("SPARKSEIS_MONGODB_URI")


@pytest.fixture(scope="session")
def embedded_server(tmp_path_factory):
    """The MongoDB-protocol server of this test run: SPARKSEIS_MONGODB_URI if it was set (started
    and stopped by someone else), else an embedded server of SPARKSEIS_TEST_SERVER's kind
    (nx-27017 by default, or secantusdb) on a free port, stopped (by pid) at the end."""
    if _GIVEN_URI:
        yield ExternalServer(_GIVEN_URI)
        return
    server = new_server(tmp_path_factory.mktemp("mongo"))
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
