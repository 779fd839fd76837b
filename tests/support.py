"""Helpers the tests share (importable; conftest.py holds only fixtures)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sparkseis.servers import DatabaseServer, embedded_server, free_port

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
BIN = Path(sys.executable).parent

__all__ = [
    "BIN",
    "DATA",
    "REPO",
    "assert_one_record_per_input",
    "free_port",
    "new_server",
    "spark_submit",
    "wait_until",
]

# which embedded server the tests start: nx-27017 (the default) or secantusdb
SERVER_KIND = os.environ.get("SPARKSEIS_TEST_SERVER", "nx-27017")


def new_server(data_dir: Path) -> DatabaseServer:
    """A server of the kind under test on a free loopback port, its data in data_dir (not started)."""
    return embedded_server(SERVER_KIND, "127.0.0.1", free_port(), data_dir)


class ExternalServer:
    """A MongoDB server someone else runs (SPARKSEIS_MONGODB_URI was set): used, never started or stopped."""

    name = "external"

    def __init__(self, uri: str):
        self.uri = uri

    def start(self) -> ExternalServer:
        return self

    def stop(self) -> bool:
        return False


def spark_submit(
    master: str, *job_args: str, event_log_dir: Path, extra_conf: Iterable[str] = (), script: str = "jobs/p_window.py"
) -> tuple[list[str], dict[str, str]]:
    """(command, environment) of `spark-submit --master master script job_args` as a user runs it:
    conf/spark settings, loopback, this Python, the UI off and events in event_log_dir."""
    env = dict(
        os.environ,
        PATH=f"{BIN}:{os.environ['PATH']}",
        SPARK_LOCAL_IP="127.0.0.1",
        PYSPARK_PYTHON=sys.executable,
        SPARK_CONF_DIR=str(REPO / "conf" / "spark"),
        SPARKSEIS_EVENT_LOG_DIR=str(event_log_dir),
    )
    cmd = [
        str(BIN / "spark-submit"),
        "--master",
        master,
        "--conf",
        "spark.ui.enabled=false",
        *extra_conf,
        str(REPO / script),
        *job_args,
    ]
    return cmd, env


def assert_one_record_per_input(db, run_id: str, inputs: Iterable[Any], collection: str = "wf_TimeSeries") -> None:
    """Every input id has exactly one record of the run (a live output in collection or a
    cemetery record), and the run has no other record."""
    query = {"run_id": run_id}
    parents = [d["parent_id"] for coll in (collection, "cemetery") for d in db[coll].find(query, {"parent_id": 1})]
    expected = sorted(map(str, inputs))
    got = sorted(map(str, parents))
    missing = sorted(set(expected) - set(got))
    duplicated = sorted({p for p in got if got.count(p) > 1})
    extra = sorted(set(got) - set(expected))
    assert not (missing or duplicated or extra), (
        f"run {run_id}: missing ids {missing[:5]}, duplicated {duplicated[:5]}, not inputs {extra[:5]}"
    )
    assert len(got) == len(expected)


def wait_until(probe: Callable[[], Any], timeout_s: float, every_s: float = 0.5) -> Any:
    """probe()'s first true answer within timeout_s; a probe that raises (a slow or refused
    answer) is tried again, not fatal, until the time is up. Returns the last answer."""
    deadline = time.monotonic() + timeout_s
    answer = None
    while time.monotonic() < deadline:
        try:
            answer = probe()
        except (OSError, TimeoutError, ValueError):
            answer = None
        if answer:
            return answer
        time.sleep(every_s)
    return answer
