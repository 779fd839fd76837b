"""The P-window job on the shipped real data, against the embedded server and a local Spark."""

import hashlib

import numpy as np
import obspy
import pytest
from obspy.geodetics import gps2dist_azimuth, kilometers2degrees
from obspy.taup import TauPyModel

from sparkseis.client import Client
from sparkseis.commands.p_window import build_parser
from sparkseis.db.importer import import_folder
from sparkseis.spark import DataTagExistsError
from sparkseis.spark.p_window import run
from tests.support import assert_one_record_per_input

# Okhotsk data start 289.6 s before the hypocentre origin time
OKHOTSK = ["--t0offset", "-289.6", "--tolerance", "1"]


@pytest.fixture(scope="module")
def job_db(client, okhotsk_dir, tmp_path_factory):
    """Okhotsk data plus three real-sample waveforms that must die."""
    client.drop_database("job")
    db = client.get_database("job")
    import_folder(db, okhotsk_dir, origin="hypocentre")
    extra = tmp_path_factory.mktemp("extra")
    tr = obspy.read(str(okhotsk_dir / "TA.POKR..BHZ.mseed"))[0]
    unknown = tr.copy()
    unknown.stats.station = "ZZZZ"  # no such station in channel
    unknown.write(str(extra / "unknown_station.mseed"), format="MSEED")
    no_event = tr.copy()
    no_event.stats.starttime += 86400.0  # a day later: no origin matches
    no_event.write(str(extra / "no_event.mseed"), format="MSEED")
    short = tr.copy().trim(tr.stats.starttime, tr.stats.starttime + 500.0)  # ends before P + 600 s
    short.write(str(extra / "short.mseed"), format="MSEED")
    for name in ("unknown_station", "no_event", "short"):
        db.index_mseed_file(extra / f"{name}.mseed")
    return db


def job(spark, *args):
    """Run the job on the job database; a saving run is checked to leave exactly one record per input."""
    r = run(build_parser().parse_args(["--db", "job", *OKHOTSK, *args]), spark)
    if not r.count_only:
        db = Client()["job"]
        assert_one_record_per_input(db, r.run_id, [d["_id"] for d in db.wf_miniseed.find({}, {"_id": 1})])
    return r


def test_outputs_and_accounting(spark, job_db, okhotsk_dir):
    r = job(spark, "--output-tag", "main", "--partitions", "3")
    assert r.inputs == 9 and r.live == 6 and r.dead == 3
    reasons = " | ".join(r.killed_by)
    assert "MiniseedMatcher" in reasons and "OriginTimeMatcher" in reasons and "WindowData" in reasons
    assert (
        job_db["wf_TimeSeries"].count_documents({"data_tag": "main"})
        + job_db["cemetery"].count_documents({"data_tag": "main"})
        == 9
    )
    graves = {g["tombstone"]["dfile"]: g for g in job_db["cemetery"].find({"data_tag": "main"})}
    assert set(graves) == {"unknown_station.mseed", "no_event.mseed", "short.mseed"}

    taup = TauPyModel("iasp91")
    event = obspy.read_events(str(okhotsk_dir / "quake.xml"))[0]
    origin = min(event.origins, key=lambda o: o.time)
    for doc in job_db["wf_TimeSeries"].find({"data_tag": "main"}):
        assert doc["npts"] == 14001 and doc["dt"] == pytest.approx(0.05)
        assert doc["time_standard"] == "Relative" and doc["t0"] == pytest.approx(-100.0, abs=0.05)
        for key in ("dir", "dfile", "foff", "format", "nbytes"):
            assert key not in doc
        inv = obspy.read_inventory(str(okhotsk_dir / f"{doc['net']}.{doc['sta']}..BH_.xml"))
        c = inv.get_coordinates(f"{doc['net']}.{doc['sta']}..{doc['chan']}", origin.time)
        # the MsPASS tutorial's P: geodesic km -> degrees, TauP "P"
        dist = kilometers2degrees(
            gps2dist_azimuth(origin.latitude, origin.longitude, c["latitude"], c["longitude"])[0] / 1000
        )
        ptime = origin.time.timestamp + taup.get_travel_times(origin.depth / 1000, dist, ["P"])[0].time
        assert doc["Ptime"] == pytest.approx(ptime, abs=0.001) and doc["t0_shift"] == doc["Ptime"]
        assert (
            doc["epicentral_distance"] == pytest.approx(dist, abs=1e-9)
            and doc["epicentral_distance_method"] == "geodesic"
        )
        d = job_db.read_data(doc["_id"], collection="wf_TimeSeries")
        assert d.live and d.time_is_relative() and d.npts == 14001
        d.rtoa()
        assert d.t0 == pytest.approx(ptime - 100.0, abs=0.05)


def test_window_samples_match_serial_processing(spark, job_db):
    from sparkseis import config
    from sparkseis.algorithms.chains import p_window_steps, run_steps
    from sparkseis.algorithms.traveltime_table import travel_time_table
    from sparkseis.db import MiniseedMatcher, OriginTimeMatcher

    r = job(spark, "--output-tag", "compare")
    assert r.live == 6
    # the same table the job broadcast (P itself is checked against TauP above)
    steps = p_window_steps(travel_time_table("iasp91", ("P",), cache_dir=config.settings().traveltime_cache))
    matchers = [MiniseedMatcher(job_db), OriginTimeMatcher(job_db, t0offset=-289.6, tolerance=1)]
    for doc in job_db["wf_TimeSeries"].find({"data_tag": "compare"}):
        serial = run_steps(job_db.read_data(doc["wf_miniseed_id"], collection="wf_miniseed", normalize=matchers), steps)
        saved = job_db.read_data(doc["_id"], collection="wf_TimeSeries")
        np.testing.assert_array_equal(saved.data, serial.data)
        assert saved.t0 == serial.t0 and saved.t0shift == serial.t0shift


def test_rerun_protection_and_overwrite(spark, job_db):
    first = job(spark, "--output-tag", "again")
    with pytest.raises(DataTagExistsError, match="already has 9 saved records"):
        job(spark, "--output-tag", "again")
    r = job(spark, "--output-tag", "again", "--overwrite")
    assert r.live == 6 and r.run_id != first.run_id
    assert r.replaced["documents"] == 6 and r.replaced["cemetery"] == 3 and r.replaced["gridfs_files"] == 6
    assert job_db["wf_TimeSeries"].count_documents({"data_tag": "again"}) == 6
    assert job_db["cemetery"].count_documents({"data_tag": "again"}) == 3
    assert job_db["wf_TimeSeries"].count_documents({"data_tag": "again", "run_id": r.run_id}) == 6
    runs = {rec["_id"]: rec for rec in job_db["jobs"].find({"data_tag": "again"})}
    assert runs[first.run_id]["status"] == runs[r.run_id]["status"] == "succeeded"
    assert [rec["status"] for rec in runs.values()].count("failed") == 1  # the refused rerun is on record too
    assert (
        runs[r.run_id]["counts"]["stored"] == 9 and runs[r.run_id]["application_id"] == spark.sparkContext.applicationId
    )
    assert job_db["tag_locks"].count_documents({"_id": "again"}) == 0  # released


def test_count_only_saves_nothing(spark, job_db):
    r = job(spark, "--output-tag", "counted", "--count-only")
    assert (r.inputs, r.documents_read, r.live, r.dead) == (9, 9, 6, 3)
    assert job_db["wf_TimeSeries"].count_documents({"data_tag": "counted"}) == 0
    assert job_db["cemetery"].count_documents({"data_tag": "counted"}) == 0


def test_file_mode_writes_only_new_files(spark, job_db, okhotsk_dir, tmp_path):
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in okhotsk_dir.iterdir()}
    r = job(spark, "--output-tag", "files", "--storage-mode", "file", "--output-dir", str(tmp_path))
    assert r.live == 6
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in okhotsk_dir.iterdir()}
    assert before == after
    for doc in job_db["wf_TimeSeries"].find({"data_tag": "files"}):
        assert doc["dir"].startswith(str(tmp_path)) and doc["storage_mode"] == "file"
        assert job_db.read_data(doc["_id"], collection="wf_TimeSeries").npts == 14001


def test_distributed_read_of_saved_windows_by_tag(spark, job_db):
    from sparkseis.spark import read_distributed_data

    job(spark, "--output-tag", "reread")
    data = read_distributed_data(
        job_db, collection="wf_TimeSeries", data_tag="reread", npartitions=3, spark_context=spark.sparkContext
    ).collect()
    assert len(data) == 6
    assert all(d.live and d.time_is_relative() and d.npts == 14001 and d["data_tag"] == "reread" for d in data)
    assert {d["wf_TimeSeries_id"] for d in data} == {
        doc["_id"] for doc in job_db["wf_TimeSeries"].find({"data_tag": "reread"})
    }


def test_step_times_come_from_the_workers(spark, job_db):
    r = job(spark, "--output-tag", "timed", "--time-steps", "--overwrite")
    steps = r.step_ms
    chain = [
        "query",
        "decode",
        "match",
        "set_Ptime",
        "read_for_window",
        "resample",
        "shift_by_Ptime",
        "WindowData",
        "save",
    ]
    assert list(steps) == chain  # reported in the order a datum meets the steps
    for name in chain[3:]:
        assert steps[name] > 0, name
    # with --full-record the reader decodes whole records and no step reads them later (which
    # costs less is a benchmark's question: benchmarks/p_window_bench.py, not a timed test)
    whole = job(spark, "--output-tag", "timed_whole", "--time-steps", "--full-record", "--overwrite").step_ms
    assert "read_for_window" not in whole and whole["decode"] > 0 and "detrend" in whole
