import runpy
import shutil
from pathlib import Path

import gridfs
import pytest

import sparkseis
from sparkseis.db import Client
from sparkseis.servers import EmbeddedServer, free_port

LAUNCHER = Path(sparkseis.__file__).with_name("nx_27017_launcher.py")


def test_sections_format_as_their_count_and_stay_the_list():
    from nx_27017.wire_protocol import OP_MSG

    launcher = runpy.run_path(str(LAUNCHER))  # not as __main__: patches the parser, starts nothing
    sections = launcher["_Sections"]([("body", {"insert": "fs.chunks"}), ("payload", {"documents": [b"x" * 10**6]})])
    assert f"{sections}" == repr(sections) == "<2 sections>"
    assert sections[1][1]["documents"][0] == b"x" * 10**6 and isinstance(sections, list)
    assert OP_MSG.parse.__name__ == "parse_message"


@pytest.fixture
def nx_server(tmp_path):
    server = EmbeddedServer("127.0.0.1", free_port(), tmp_path / "nx")
    server.start()
    yield server
    server.stop()
    shutil.rmtree(tmp_path / "nx", ignore_errors=True)


def test_the_embedded_nx_server_runs_through_the_launcher_and_keeps_gridfs_files(nx_server):
    assert str(LAUNCHER) in nx_server.command() and "running" in nx_server.status()
    client = Client(nx_server.uri)
    try:
        bucket = gridfs.GridFSBucket(client["launcher"])
        payload = bytes(range(256)) * 2000  # two chunks
        file_id = bucket.upload_from_stream("x", payload)
        assert bucket.open_download_stream(file_id).read() == payload
    finally:
        client.close()
