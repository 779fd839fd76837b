"""Matchers on in-memory documents (no server) and on the shipped data (embedded server)."""

import pickle

import numpy as np
import pytest
from bson import ObjectId

from sparkseis import ArgumentError, ErrorSeverity, TimeSeries
from sparkseis.db import (
    EqualityMatcher,
    MiniseedDBMatcher,
    MiniseedMatcher,
    ObjectIdMatcher,
    OriginTimeMatcher,
    normalize,
)

CHANNELS = [
    {
        "_id": ObjectId(),
        "net": "XX",
        "sta": "A",
        "loc": "",
        "chan": "BHZ",
        "lat": 1.0,
        "lon": 2.0,
        "elev": 0.1,
        "hang": 0.0,
        "vang": 0.0,
        "starttime": 0.0,
        "endtime": 1000.0,
    },
    {
        "_id": ObjectId(),
        "net": "XX",
        "sta": "A",
        "loc": "",
        "chan": "BHZ",
        "lat": 1.5,
        "lon": 2.5,
        "elev": 0.1,
        "hang": 0.0,
        "vang": 0.0,
        "starttime": 1000.5,
        "endtime": 2000.0,
    },
    {
        "_id": ObjectId(),
        "net": "XX",
        "sta": "A",
        "loc": "10",
        "chan": "BHZ",
        "lat": 9.0,
        "lon": 9.0,
        "elev": 0.1,
        "hang": 0.0,
        "vang": 0.0,
        "starttime": 0.0,
        "endtime": 2000.0,
    },
]
SOURCES = [
    {"_id": ObjectId(), "time": t, "lat": 0.0, "lon": float(i), "depth": 10.0, "magnitude": 5.0}
    for i, t in enumerate([100.0, 103.0, 500.0])
]


def datum(t0=10.0, **md):
    return TimeSeries(np.zeros(10), t0, 1.0, {"net": "XX", "sta": "A", "chan": "BHZ", **md})


def test_miniseed_hit_with_loc_and_epochs():
    m = MiniseedMatcher(documents=CHANNELS)
    d = normalize(datum(10.0, loc=""), m)
    assert d.live and d["channel_lat"] == 1.0 and d["channel_id"] == CHANNELS[0]["_id"] and len(d.elog) == 0
    d = normalize(datum(1500.0, loc=""), m)
    assert d["channel_lat"] == 1.5  # second epoch
    d = normalize(datum(10.0, loc="10"), m)
    assert d["channel_lat"] == 9.0


def test_miniseed_misses_kill_with_matcher_name():
    m = MiniseedMatcher(documents=CHANNELS)
    d = normalize(datum(1000.2, loc=""), m)  # in the gap between epochs
    assert d.dead() and d.elog[0].algorithm == "MiniseedMatcher" and "holds time 1000.2" in d.elog[0].message
    d = normalize(TimeSeries(np.zeros(3), 0.0, 1.0, {"net": "ZZ", "sta": "Q", "chan": "HHZ", "loc": ""}), m)
    assert d.dead() and "no channel document for ZZ.Q.HHZ" in d.elog[0].message
    d = normalize(datum(1000.2, loc=""), m, kill_on_failure=False)
    assert d.live and d.elog[0].severity == ErrorSeverity.Complaint and not d.is_defined("channel_lat")


def test_miniseed_without_loc_takes_first_with_complaint():
    d = normalize(datum(10.0), MiniseedMatcher(documents=CHANNELS))
    assert d.live and len(d.elog) == 1 and d.elog[0].severity == ErrorSeverity.Complaint


def test_origin_time_nearest_wins_within_tolerance():
    m = OriginTimeMatcher(documents=SOURCES, t0offset=50.0, tolerance=4.0)
    d = normalize(datum(152.0), m)  # 152 - 50 = 102: both 100 and 103 within 4 s, 103 nearest
    assert d["source_time"] == 103.0 and d["source_lon"] == 1.0 and d["source_id"] == SOURCES[1]["_id"]
    assert d.elog[0].severity == ErrorSeverity.Complaint
    d = normalize(datum(300.0), m)
    assert d.dead() and "within 4.0 s" in d.elog[0].message
    with pytest.raises(ArgumentError):
        OriginTimeMatcher(documents=SOURCES, tolerance=-1)


def test_objectid_and_equality():
    m = ObjectIdMatcher(documents=CHANNELS)
    d = normalize(datum(channel_id=CHANNELS[2]["_id"]), m)
    assert d["channel_lat"] == 9.0
    d = normalize(datum(channel_id=ObjectId()), m)
    assert d.dead()
    eq = EqualityMatcher(
        documents=CHANNELS, collection="channel", match_keys={"sta": "sta", "loc": "loc"}, attributes_to_load=["lat"]
    )
    assert normalize(datum(loc="10"), eq)["channel_lat"] == 9.0
    assert normalize(datum(), eq).dead()  # datum lacks loc


def test_cached_matchers_pickle_without_connection():
    m = MiniseedMatcher(documents=CHANNELS * 100)
    back = pickle.loads(pickle.dumps(m))
    assert normalize(datum(10.0, loc=""), back)["channel_lat"] == 1.0


def test_missing_required_attribute_kills():
    docs = [dict(CHANNELS[0])]
    del docs[0]["lat"]
    d = normalize(datum(10.0, loc=""), MiniseedMatcher(documents=docs))
    assert d.dead() and "lacks required attributes ['lat']" in d.elog[0].message


def test_matchers_on_shipped_data(shipped_db):
    doc = shipped_db["wf_miniseed"].find_one({"sta": "POKR", "chan": "BHE"})
    cached = MiniseedMatcher(shipped_db)
    via_db = MiniseedDBMatcher(shipped_db)
    d1 = shipped_db.read_data(doc, normalize=[cached, OriginTimeMatcher(shipped_db, t0offset=-289.6, tolerance=1.0)])
    d2 = shipped_db.read_data(doc, normalize=[via_db])
    assert d1.live and d2.live
    assert d1["channel_lat"] == d2["channel_lat"] == pytest.approx(65.1171)
    assert d1["source_depth"] == pytest.approx(608.9)


def test_read_data_normalizes_by_collection_name(shipped_db):
    doc = shipped_db.wf_miniseed.find_one({"sta": "POKR", "chan": "BHZ"})
    chan = shipped_db.channel.find_one({"sta": "POKR", "chan": "BHZ"})
    doc["channel_id"] = chan["_id"]  # as MsPASS's import links them
    d = shipped_db.read_data(doc, normalize=["channel"])
    assert d.live and d["channel_lat"] == chan["lat"] and d["channel_edepth"] == chan["edepth"]
    doc["channel_id"] = "no-such-id"
    assert shipped_db.read_data(doc, normalize=["channel"]).dead()
