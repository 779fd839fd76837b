"""The event-window job on a continuous archive of real samples (tests/support.py's
write_test_archive), local and in an S3-protocol server, against an ObsPy reference made
without sparkseis: obspy.read of the day files for the span, Stream.merge, demean,
scipy.signal.decimate, P from TauP at the tutorial's distance, the window cut by hand."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import obspy
import pytest
import scipy.signal
from obspy.geodetics import gps2dist_azimuth, kilometers2degrees
from obspy.taup import TauPyModel

from sparkseis import config
from sparkseis.commands.event_windows import build_parser
from sparkseis.db.byte_store import S3Options
from sparkseis.db.importer import import_folder
from sparkseis.spark import DataTagExistsError
from sparkseis.spark.event_windows import run
from tests.support import REPO, S3TestServer, free_port, kill_mid_save, spark_submit, tag_records, write_test_archive

RATE_IN, RATE_OUT, WINDOW = 40.0, 20.0, (-100.0, 600.0)
# the decimator's settling margin read beyond each end of the window: 64 x order 8 x factor 2 input samples
MARGIN_S = 64 * 8 * 2 / RATE_IN
SELECT = ["--chan", "BHZ", "--min-distance", "25", "--max-distance", "95"]
TAUP = TauPyModel("iasp91")


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("sds")
    return root, write_test_archive(root)


@pytest.fixture(scope="module")
def archive_db(client, archive):
    client.drop_database("archive")
    db = client.get_database("archive")
    report = import_folder(db, archive[0])
    assert report["failed"] == [] and report["mseed_files"] == 4 and report["source"] == 6
    return db


@pytest.fixture(scope="module")
def s3_archive(archive, tmp_path_factory):
    """The archive uploaded to a bucket of moto's S3 server (started here, stopped by pid)."""
    server = S3TestServer("127.0.0.1", free_port(), tmp_path_factory.mktemp("moto"))
    server.start()
    try:
        root = archive[0]
        files = sorted(p for p in root.rglob("*") if p.is_file())
        server.put_public("seismic-archive", ((f"sds/{p.relative_to(root)}", p.read_bytes()) for p in files))
        yield server
    finally:
        server.stop()


def reference(root, event: dict, channel: dict) -> dict:
    """The window of (event, channel) made with ObsPy, SciPy and TauP alone, or why there is none."""
    km = gps2dist_azimuth(event["lat"], event["lon"], channel["lat"], channel["lon"])[0] / 1000.0
    arrivals = TAUP.get_travel_times(event["depth"], kilometers2degrees(km), ["P"])
    ptime = event["time"] + arrivals[0].time
    t1, t2 = ptime + WINDOW[0] - MARGIN_S, ptime + WINDOW[1] + MARGIN_S
    files = sorted(root.glob(f"*/{channel['net']}/{channel['sta']}/{channel['chan']}.D/*.{channel['loc']}.*"))
    if not files:
        return {"dead": "no data", "ptime": ptime}
    st = obspy.Stream()
    for f in files:
        st += obspy.read(str(f), starttime=obspy.UTCDateTime(t1), endtime=obspy.UTCDateTime(t2))
    st.merge(method=0)
    if len(st) == 0:
        return {"dead": "no data", "ptime": ptime}
    tr = st[0]
    if len(st) > 1 or np.ma.isMaskedArray(tr.data):
        return {"dead": "gap", "ptime": ptime}
    dt = tr.stats.delta
    if tr.stats.starttime.timestamp > t1 + dt / 2 or tr.stats.endtime.timestamp < t2 - dt / 2:
        return {"dead": "short", "ptime": ptime}
    data = tr.data.astype(np.float64)
    data -= data.mean()
    decimated = scipy.signal.decimate(data, int(RATE_IN / RATE_OUT), ftype="iir", zero_phase=True)
    t0 = tr.stats.starttime.timestamp - ptime  # relative to P
    dt_out = 1.0 / RATE_OUT
    i = round((WINDOW[0] - t0) / dt_out)
    n = round((WINDOW[1] - WINDOW[0]) / dt_out) + 1
    return {"data": decimated[i : i + n], "t0": t0 + i * dt_out, "ptime": ptime, "npts": n}


def event_job(spark, db_name: str, *args: str, settings=None):
    return run(build_parser().parse_args(["--db", db_name, *SELECT, *args]), spark, settings)


def _records(db, run_id: str) -> dict:
    """(source_id, channel_id) -> the run's record (window or cemetery) for that pair."""
    out = {}
    for coll in ("wf_TimeSeries", "cemetery"):
        for doc in db[coll].find({"run_id": run_id}):
            md = doc if coll == "wf_TimeSeries" else doc["tombstone"]  # a cemetery record keeps the header there
            key = (md["source_id"], md["channel_id"])
            assert key not in out, f"two records for pair {key}"
            out[key] = (coll, doc)
    return out


def _expected_pairs(db) -> list[tuple[dict, dict]]:
    channels = [c for c in db.channel.find({"chan": "BHZ"})]
    pairs = []
    for e in db.source.find({}):
        for c in channels:
            if c["starttime"] <= e["time"] <= c["endtime"]:
                km = gps2dist_azimuth(e["lat"], e["lon"], c["lat"], c["lon"])[0] / 1000.0
                if 25 <= kilometers2degrees(km) <= 95:
                    pairs.append((e, c))
    return pairs


def _check_against_reference(db, run_id: str, root) -> dict[str, int]:
    """Every planned pair has one record; live windows equal the reference, dead ones have none."""
    from sparkseis.db.decode import decode_waveform

    records, pairs = _records(db, run_id), _expected_pairs(db)
    assert len(records) == len(pairs) == 18  # 6 events x (113A, POKR, POKR.01) BHZ
    outcome = {"live": 0, "dead": 0}
    for event, channel in pairs:
        coll, doc = records[(event["_id"], channel["_id"])]
        ref = reference(root, event, channel)
        where = f"{event.get('event_id')} at {channel['sta']}.{channel['loc']}"
        if "dead" in ref:
            assert coll == "cemetery", f"{where}: the reference has no window ({ref['dead']}), sparkseis saved one"
            outcome["dead"] += 1
            continue
        assert coll == "wf_TimeSeries", f"{where}: killed: {doc.get('elog')}"
        d = decode_waveform(db, doc, "wf_TimeSeries")
        assert abs(d["Ptime"] - ref["ptime"]) < 1e-3, where
        # the same first sample (in UTC: each side's relative time is to its own P)
        assert d.npts == ref["npts"] and abs((d.t0 + d["Ptime"]) - (ref["t0"] + ref["ptime"])) < 1e-6, where
        scale = np.abs(ref["data"]).max()
        assert np.abs(d.data - ref["data"]).max() <= 1e-9 * scale, where
        outcome["live"] += 1
    return outcome


def test_windows_equal_an_obspy_reference_across_midnight_gaps_and_the_archive_end(spark, archive_db, archive):
    root, info = archive
    r = event_job(spark, "archive", "--output-tag", "ew", "--partitions", "3")
    assert r.inputs == 18 and r.documents_read == 18 and r.stored == 18
    outcome = _check_against_reference(archive_db, r.run_id, root)
    # live: the real event and the two midnight events at both stations, and POKR beside 113A's gap
    assert outcome == {"live": 7, "dead": 11} and (r.live, r.dead) == (7, 11)
    reasons = "\n".join(k["example"] for k in r.to_record()["killed_by"])
    assert "gap of 12.4 s at 2013-05-25T10:00:00.000 inside AE.113A..BHZ" in reasons
    assert "no data for TA.POKR.01.BHZ" in reasons  # an epoch without any day file
    assert "data for AE.113A..BHZ end at 2013-05-25T23:59:59.975" in reasons  # past the archive's end
    no_data = [d for d in archive_db.cemetery.find({"run_id": r.run_id}) if "no data for AE.113A..BHZ" in d["reason"]]
    assert [round(d["tombstone"]["source_time"], 3) for d in no_data] == [round(info["events"]["no_data"], 3)]
    # bytes: each live window read about 80 records of 512 bytes, not its 4.6 MB day files
    assert r.bytes_read / r.inputs < 60_000 and r.files_touched == 4 and r.file_bytes > 15e6
    saved = archive_db.jobs.find_one({"_id": r.run_id})
    assert saved["counts"]["bytes_read"] == r.bytes_read
    summary = r.format()
    assert "=== sparkseis event_windows ===" in summary and "bytes read" in summary


def test_a_rerun_is_refused_then_overwrites(spark, archive_db):
    first = event_job(spark, "archive", "--output-tag", "ew_rerun")
    with pytest.raises(DataTagExistsError):
        event_job(spark, "archive", "--output-tag", "ew_rerun")
    second = event_job(spark, "archive", "--output-tag", "ew_rerun", "--overwrite", "--storage-mode", "file")
    assert second.replaced == {"documents": first.live, "cemetery": first.dead, **second.replaced}
    assert archive_db.wf_TimeSeries.count_documents({"data_tag": "ew_rerun"}) == second.live == first.live


def test_count_only_and_a_narrower_selection(spark, archive_db):
    r = event_job(
        spark,
        "archive",
        "--count-only",
        "--loc",
        "",
        "--sta",
        "113A,POKR",
        "--events",
        '{"time": {"$gt": 1369353600}}',
    )
    # 5 events after 2013-05-24T00:00 x (113A, POKR) with an empty location code: 7 live as in the
    # full run, dead: 113A's gap and both stations past the archive's end
    assert r.inputs == 10 and r.count_only and (r.live, r.dead) == (7, 3)


def test_windows_from_an_s3_bucket_equal_the_local_ones(spark, client, archive, s3_archive):
    root, _ = archive
    client.drop_database("archive_s3")
    db = client.get_database("archive_s3")
    report = import_folder(db, "s3://seismic-archive/sds", s3=S3Options(anonymous=True, endpoint=s3_archive.endpoint))
    assert report["failed"] == [] and report["mseed_files"] == 4 and report["source"] == 6
    doc = db.wf_miniseed.find_one({})
    assert doc["dir"].startswith("s3://seismic-archive/sds/2013/") and doc["storage_mode"] == "s3"
    settings = config.settings().replace(s3_endpoint=s3_archive.endpoint)
    r = event_job(spark, "archive_s3", "--output-tag", "ew_s3", settings=settings)
    assert _check_against_reference(db, r.run_id, root) == {"live": 7, "dead": 11}
    assert all(loc.startswith("s3://") for loc in [doc["dir"]]) and r.files_touched == 4


def test_import_from_s3_with_credentials_never_prints_them(archive, s3_archive, embedded_server):
    secret = "sparkseis-test-secret-0f9a"
    env = {
        "PATH": f"{REPO / '.venv' / 'bin'}:/usr/bin:/bin",
        "AWS_ACCESS_KEY_ID": "sparkseis-test-key",
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "SPARKSEIS_S3_ENDPOINT": s3_archive.endpoint,
        "SPARKSEIS_MONGODB_URI": embedded_server.uri,
    }
    out = subprocess.run(
        [sys.executable, "-m", "sparkseis.cli", "import", "s3://seismic-archive/sds", "--db", "archive_s3_keys"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "wf_miniseed segments: 5" in out.stdout
    assert secret not in out.stdout + out.stderr
    from sparkseis.client import Client

    db = Client(embedded_server.uri)["archive_s3_keys"]
    assert db.wf_miniseed.count_documents({"storage_mode": "s3", "s3_anonymous": {"$exists": False}}) == 5
    assert secret not in str(list(db.wf_miniseed.find({}, {"record_index": 0})))


def test_mistakes_are_one_line_before_spark(embedded_server, archive_db):
    for argv, says in (
        (["--max-distance", "200"], "--min-distance/--max-distance"),
        (["--events", "{not json"], "--events must be a JSON query"),
        (["--events", '{"time": 0}'], "no source documents"),
        (["--sta", "NOPE"], "no channel documents"),
    ):
        code = "import sys; from sparkseis.commands.event_windows import main; sys.exit(main(sys.argv[1:]))"
        out = subprocess.run(
            [sys.executable, "-c", code, "--db", "archive", "--mongo-uri", embedded_server.uri, *argv],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=120,
        )
        assert out.returncode == 2 and says in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_a_killed_driver_is_resumed_to_one_record_per_pair(embedded_server, archive_db, archive, tmp_path):
    """SIGKILL spark-submit jobs/event_windows.py while it saves; --resume completes the run exactly."""
    job, env = spark_submit(
        "local[1]",
        "--db",
        "archive",
        "--mongo-uri",
        embedded_server.uri,
        *SELECT,
        "--output-tag",
        "ew_resumed",
        "--partitions",
        "6",
        event_log_dir=tmp_path,
        script="jobs/event_windows.py",
    )
    written = kill_mid_save(
        job,
        env,
        tmp_path,
        lambda: tag_records(archive_db, "ew_resumed"),
        3,
    )
    assert 3 <= written < 18, f"could not catch the job mid-save ({written} records)"
    run_id = archive_db.jobs.find_one({"data_tag": "ew_resumed"})["_id"]
    out = subprocess.run([*job, "--resume"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert f"run {run_id}" in out.stdout and "inputs       : 18 windows" in out.stdout
    assert len(_records(archive_db, run_id)) == 18  # one record per pair, none twice
    assert _check_against_reference(archive_db, run_id, archive[0]) == {"live": 7, "dead": 11}
    assert archive_db.jobs.find_one({"_id": run_id})["status"] == "succeeded"


def test_a_spark_import_from_the_bucket_equals_the_serial_one(spark, client, s3_archive):
    from sparkseis.spark.importer import import_folder_distributed

    s3 = S3Options(anonymous=True, endpoint=s3_archive.endpoint)
    serial, parallel = client.get_database("archive_s3_serial"), client.get_database("archive_s3_spark")
    for db in (serial, parallel):
        client.drop_database(db.name)
    import_folder(serial, "s3://seismic-archive/sds", s3=s3)
    report = import_folder_distributed(
        parallel, "s3://seismic-archive/sds", spark_context=spark.sparkContext, files_per_task=2, s3=s3
    )
    assert report["tasks"] > 1 and report["failed"] == [] and report["mseed_files"] == 4
    for coll in ("wf_miniseed", "channel", "source"):
        assert list(serial[coll].find({}).sort("_id", 1)) == list(parallel[coll].find({}).sort("_id", 1)), coll
    # importing again replaces: the same documents, no more
    import_folder(serial, "s3://seismic-archive/sds", s3=s3)
    assert serial.wf_miniseed.count_documents({}) == parallel.wf_miniseed.count_documents({}) == 5
