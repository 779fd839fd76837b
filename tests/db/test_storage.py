import numpy as np
import pytest

from sparkseis import TimeSeries
from sparkseis.algorithms import WindowData


def live_datum(shipped_db):
    doc = shipped_db["wf_miniseed"].find_one({"sta": "113A", "chan": "BHZ"})
    d = shipped_db.read_data(doc)
    d["channel_lat"], d["channel_id"], d["source_depth"] = 1.0, "abc", 600.0
    return d


@pytest.mark.parametrize("mode", ["gridfs", "file"])
def test_round_trip_relative_time(shipped_db, fresh_db, tmp_path, mode):
    d = live_datum(shipped_db)
    d.ator(d.t0 + 400.0)
    d = WindowData(d, -100.0, 600.0)
    d.elog.log_error("test", "kept through storage", "Complaint")
    r = fresh_db.save_data(d, data_tag="rt", storage_mode=mode, dir=tmp_path)
    assert r["collection"] == "wf_TimeSeries" and r["live"]
    back = fresh_db.read_data(r["_id"], collection="wf_TimeSeries", data_tag="rt")
    np.testing.assert_array_equal(back.data, d.data)
    assert back.time_is_relative() and back.t0 == d.t0 and back.t0shift == d.t0shift and back.dt == d.dt
    back.rtoa()
    assert back.t0 == pytest.approx(d.t0 + d.t0shift)
    assert [tuple(e) for e in back.elog] == [tuple(e) for e in d.elog]
    stored = fresh_db["wf_TimeSeries"].find_one({"_id": r["_id"]})
    assert stored["channel_id"] == "abc" and "channel_lat" not in stored and "source_depth" not in stored
    assert stored["data_tag"] == "rt" and stored["wf_miniseed_id"] == d["wf_miniseed_id"]
    if mode == "file":
        assert stored["dir"].startswith(str(tmp_path)) and stored["dfile"] != "AE.113A..BHZ.mseed"
    else:
        assert "dfile" not in stored and "foff" not in stored and "format" not in stored


def test_save_twice_keeps_one_copy(shipped_db, fresh_db):
    d = live_datum(shipped_db)
    a = fresh_db.save_data(d, data_tag="x")
    b = fresh_db.save_data(d, data_tag="x")
    assert a["_id"] == b["_id"] and fresh_db["wf_TimeSeries"].count_documents({}) == 1


def test_dead_goes_to_cemetery(fresh_db):
    d = TimeSeries(np.zeros(10), 0.0, 1.0, {"sta": "A"})
    d = WindowData(d, 100.0, 200.0)
    r = fresh_db.save_data(d, data_tag="z")
    assert r == {"collection": "cemetery", "_id": r["_id"], "live": False, "is_live": False}
    grave = fresh_db["cemetery"].find_one({"_id": r["_id"]})
    assert grave["tombstone"]["sta"] == "A" and grave["tombstone"]["npts"] == 10
    assert "entirely outside" in grave["reason"] and grave["logdata"][0]["algorithm"] == "WindowData"
    assert fresh_db["wf_TimeSeries"].count_documents({}) == 0


def test_unreadable_samples_give_dead_data(shipped_db, fresh_db, tmp_path):
    doc = dict(shipped_db["wf_miniseed"].find_one({"sta": "113A", "chan": "BHE"}))
    missing = dict(doc, dfile="nope.mseed")
    d = fresh_db.read_data(missing)
    assert d.dead() and "nope.mseed" in d.elog[0].message
    short = dict(doc, nbytes=doc["nbytes"] + 4096)
    assert "short read" in fresh_db.read_data(short).elog[0].message
    wrong = dict(doc, npts=doc["npts"] + 1)
    assert "the index says" in fresh_db.read_data(wrong).elog[0].message
    r = fresh_db.save_data(TimeSeries(np.ones(50), 0.0, 1.0), data_tag="f", storage_mode="file", dir=tmp_path)
    stored = fresh_db["wf_TimeSeries"].find_one({"_id": r["_id"]})
    fresh_db["wf_TimeSeries"].update_one({"_id": r["_id"]}, {"$set": {"npts": 60}})
    d = fresh_db.read_data(r["_id"], collection="wf_TimeSeries")
    assert d.dead() and "expected" in d.elog[0].message
    assert stored["npts"] == 50
    gone = fresh_db.read_data(r["_id"], collection="wf_TimeSeries", data_tag="other")  # MsPASS: a dead datum saying why
    assert gone.dead() and "no wf_TimeSeries document with _id" in gone.elog[0].message


def test_delete_data_tag(shipped_db, fresh_db):
    fresh_db.save_data(live_datum(shipped_db), data_tag="gone")
    fresh_db.save_data(WindowData(TimeSeries(np.zeros(3), 0.0, 1.0), 10.0, 20.0), data_tag="gone")
    assert fresh_db.delete_data_tag("gone") == {"documents": 1, "gridfs_files": 1, "sample_files": 0, "cemetery": 1}


def test_libmseed_decoding_equals_obspy_on_every_shipped_segment(shipped_db):
    """The decoder (libmseed through pymseed, checked record by record) gives ObsPy's samples, start time and interval."""
    import io
    from pathlib import Path

    import numpy as np
    import obspy

    from sparkseis.db.mseed_decode import decode_segment

    docs = list(shipped_db.wf_miniseed.find({}))
    for doc in docs:
        with open(Path(doc["dir"]) / doc["dfile"], "rb") as f:
            f.seek(doc["foff"])
            payload = f.read(doc["nbytes"])
        fast = decode_segment(payload, (doc["net"], doc["sta"], doc["loc"], doc["chan"]), None)
        tr = obspy.read(io.BytesIO(payload), format="MSEED").select(station=doc["sta"], channel=doc["chan"])[0]
        assert np.array_equal(fast.data, tr.data) and fast.data.dtype == tr.data.dtype
        assert fast.t0 == tr.stats.starttime.timestamp and fast.dt == tr.stats.delta
    assert len(docs) == 45
