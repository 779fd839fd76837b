"""Helpers the tests share (importable; conftest.py holds only fixtures)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, ClassVar

from sparkseis.servers import DatabaseServer, ManagedServer, embedded_server, free_port

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
BIN = Path(sys.executable).parent

__all__ = [
    "ARCHIVE_EVENTS",
    "BIN",
    "S3TestServer",
    "write_test_archive",
    "DATA",
    "REPO",
    "assert_one_record_per_input",
    "kill_mid_save",
    "tag_records",
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


class S3TestServer(ManagedServer):
    """moto's standalone S3-protocol server on a loopback port (its pid and log in state_dir)."""

    name: ClassVar[str] = "moto-s3"
    start_timeout_s: ClassVar[float] = 60.0

    def command(self) -> list[str]:
        return [str(BIN / "moto_server"), "-H", self.host, "-p", str(self.port)]

    def markers(self) -> tuple[str, ...]:
        return ("moto_server", str(self.port))

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def put_public(self, bucket: str, objects: Iterable[tuple[str, bytes]]) -> None:
        """Create bucket and upload (key, bytes) pairs readable without credentials. Uploaded
        with boto3: moto keeps the aws-chunked framing of pyarrow's unsigned streamed uploads."""
        import boto3

        store = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id="up",
            aws_secret_access_key="up",
            region_name="us-east-1",
        )
        store.create_bucket(Bucket=bucket)
        for key, body in objects:
            store.put_object(Bucket=bucket, Key=key, Body=body, ACL="public-read")


def tag_records(db, data_tag: str) -> int:
    """Records saved under data_tag: windows and cemetery records."""
    return sum(db[c].count_documents({"data_tag": data_tag}) for c in ("wf_TimeSeries", "cemetery"))


def kill_mid_save(
    job: list[str], env: dict, cwd: Path, written: Callable[[], int], at_least: int, timeout_s: float = 300.0
) -> int:
    """Start the job command in its own process group and SIGKILL the group once written()
    records exist; returns how many there were when it died."""
    import signal
    import subprocess

    proc = subprocess.Popen(
        job, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    count, deadline = 0, time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        count = written()
        if count >= at_least:
            os.killpg(proc.pid, signal.SIGKILL)  # the driver and everything it started
            break
        time.sleep(0.05)
    proc.wait(timeout=60)
    return count


# The test archive: AE.113A..BHZ and TA.POKR..BHZ as continuous day files for 2013-05-24 and
# 2013-05-25 (real samples, tiled; 2 s of overlap at each midnight; a 12.4 s gap in 113A), and
# events at the Okhotsk hypocentre placed by their P time at AE.113A (UTC):
ARCHIVE_EVENTS = {
    "okhotsk": None,  # the real event (quake.xml): P at 113A about 05:56
    "midnight": "2013-05-24T23:58:00",  # the window crosses midnight
    "margin_before": "2013-05-25T00:01:50",  # the window starts after midnight, its filter margin before
    "gap": "2013-05-25T09:59:30",  # 113A has a gap of 12.4 s at 10:00:00 inside the window
    "past_end": "2013-05-25T23:55:00",  # the window runs past the archive's end
    "no_data": "2013-05-20T12:00:00",  # days before the archive starts
}
ARCHIVE_GAP = ("2013-05-25T10:00:00", 12.4)


def write_test_archive(root: Path) -> dict:
    """Write the test archive under root (SDS day files, the two StationXML files, a QuakeML
    of ARCHIVE_EVENTS); returns {"manifest", "events": {name: origin time epoch s}, "origin"}."""
    import datetime
    import shutil

    import obspy
    from obspy.core.event import Catalog, Event, Origin
    from obspy.geodetics import gps2dist_azimuth, kilometers2degrees
    from obspy.taup import TauPyModel

    from sparkseis.testing.day_archive import SourceRecord, write_day_archive

    okhotsk = DATA / "okhotsk_2013"
    sources = [
        SourceRecord(str(okhotsk / "AE.113A..BHZ.mseed"), "AE", "113A", "", "BHZ"),
        SourceRecord(str(okhotsk / "TA.POKR..BHZ.mseed"), "TA", "POKR", "", "BHZ"),
    ]
    gap_start = obspy.UTCDateTime(ARCHIVE_GAP[0]).timestamp
    manifest = write_day_archive(
        root,
        sources,
        [datetime.date(2013, 5, 24), datetime.date(2013, 5, 25)],
        gaps={"AE.113A..BHZ": [(gap_start, ARCHIVE_GAP[1])]},
        overlap_s=2.0,
    )
    for name in ("AE.113A..BH_.xml", "TA.POKR..BH_.xml", "quake.xml"):
        shutil.copy(okhotsk / name, root / name)
    real = obspy.read_events(str(okhotsk / "quake.xml"))[0]
    hypo = min(real.origins, key=lambda o: o.time)  # the hypocentre origin (import's default)
    sta = obspy.read_inventory(str(okhotsk / "AE.113A..BH_.xml"))[0][0]
    km = gps2dist_azimuth(hypo.latitude, hypo.longitude, sta.latitude, sta.longitude)[0] / 1000.0
    tt = TauPyModel("iasp91").get_travel_times(hypo.depth / 1000.0, kilometers2degrees(km), ["P"])[0].time
    events, catalog = {"okhotsk": hypo.time.timestamp}, Catalog()
    for name, p_at in ARCHIVE_EVENTS.items():
        if p_at is None:
            continue
        origin = Origin(
            time=obspy.UTCDateTime(p_at) - tt, latitude=hypo.latitude, longitude=hypo.longitude, depth=hypo.depth
        )
        catalog.append(Event(resource_id=f"smi:test/{name}", origins=[origin]))
        events[name] = origin.time.timestamp
    catalog.write(str(root / "test_events.xml"), format="QUAKEML")
    return {"manifest": manifest, "events": events, "hypocentre": hypo}
