"""Database reads and saves, and matchers, behave as MsPASS documents them (a real embedded server)."""

import numpy as np
import pytest
from bson import ObjectId

from sparkseis import ErrorSeverity, SeismicError, TimeSeries
from sparkseis.core.metadata import Metadata
from sparkseis.db import EqualityMatcher, ObjectIdMatcher, OriginTimeMatcher, normalize

SITES = [
    {"_id": ObjectId(), "net": "XX", "sta": s, "lat": float(i), "lon": 0.0, "elev": 0.0} for i, s in enumerate("AAB")
]
SOURCES = [{"_id": ObjectId(), "time": t, "lat": 1.0, "lon": 2.0, "depth": 10.0} for t in (100.0, 5000.0)]


def datum(**md) -> TimeSeries:
    return TimeSeries(np.arange(20.0), 1000.0, 0.5, {"net": "XX", "sta": "A", "chan": "BHZ", **md})


def test_read_data_of_a_missing_id_is_a_dead_datum_with_a_reason(fresh_db):
    missing = ObjectId()
    d = fresh_db.read_data(missing)
    assert d.dead() and str(missing) in d.elog[0].message and d.elog[0].badness == ErrorSeverity.Invalid


def test_read_data_defaults_to_wf_timeseries_and_gives_the_id(fresh_db):
    saved = fresh_db.save_data(datum(), data_tag="t")
    d = fresh_db.read_data(saved["_id"])
    assert d.live and d["_id"] == saved["_id"] and np.array_equal(d.data, np.arange(20.0))
    assert fresh_db.read_data(saved["_id"], collection="wf").live


def test_save_data_return_data_gives_the_datum_with_its_id(fresh_db):
    d = datum()
    out = fresh_db.save_data(d, return_data=True, data_tag="t")
    assert out is d and fresh_db.wf_TimeSeries.find_one({"_id": d["_id"]}) is not None
    summary = fresh_db.save_data(datum(), data_tag="t2", return_list=["sta"])
    assert summary["is_live"] and summary["sta"] == "A" and isinstance(summary["_id"], ObjectId)


def test_exclude_keys_on_save_and_read(fresh_db):
    saved = fresh_db.save_data(datum(secret=1, kept=2), data_tag="t", exclude_keys=["secret"])
    doc = fresh_db.wf_TimeSeries.find_one({"_id": saved["_id"]})
    assert "secret" not in doc and doc["kept"] == 2
    d = fresh_db.read_data(saved["_id"], exclude_keys=["kept"])
    assert d.live and not d.is_defined("kept")


def test_blank_header_values_are_not_saved(fresh_db):
    saved = fresh_db.save_data(datum(test=" ", empty_but_kept="", word="x"), data_tag="t")
    doc = fresh_db.wf_TimeSeries.find_one({"_id": saved["_id"]})
    assert "test" not in doc and doc["word"] == "x"


def test_cemetery_documents_hold_logdata(fresh_db):
    d = datum()
    d.kill()
    d.elog.log_error("mine", "why it died", ErrorSeverity.Invalid)
    saved = fresh_db.save_data(d, data_tag="t")
    grave = fresh_db.cemetery.find_one({"_id": saved["_id"]})
    assert not saved["is_live"]
    assert grave["logdata"] == [
        {"algorithm": "mine", "badness": "ErrorSeverity.Invalid", "error_message": "why it died"}
    ]


def test_index_mseed_file_takes_dfile_and_dir(fresh_db, okhotsk_dir):
    result = fresh_db.index_mseed_file("AE.113A..BHZ.mseed", dir=str(okhotsk_dir), return_ids=True)
    assert result["segments"] == 1 and fresh_db.wf_miniseed.find_one({"_id": result["ids"][0]})["chan"] == "BHZ"


def test_normalize_given_as_a_string_is_a_type_error(fresh_db):
    saved = fresh_db.save_data(datum(), data_tag="t")
    with pytest.raises(TypeError, match="normalize must be a list"):
        fresh_db.read_data(saved["_id"], normalize="channel")


def test_matchers_are_callable_and_find_one_gives_prefixed_metadata():
    m = ObjectIdMatcher(collection="site", documents=SITES, attributes_to_load=("lat", "lon"))
    md, elog = m(datum(site_id=SITES[2]["_id"]))
    assert isinstance(md, Metadata) and elog is None
    assert md["site_lat"] == 2.0 and md["site_id"] == SITES[2]["_id"] and not md.is_defined("lat")
    none, why = m.find_one(datum(site_id=ObjectId()))
    assert none is None and why[0].badness == ErrorSeverity.Invalid


def test_find_returns_every_match():
    m = EqualityMatcher(collection="site", documents=SITES, match_keys={"sta": "sta"})
    found, elog = m.find(datum())
    assert [md["site_lat"] for md in found] == [0.0, 1.0] and elog is None


def test_require_unique_match_makes_several_matches_an_error():
    loose = EqualityMatcher(collection="site", documents=SITES, match_keys={"sta": "sta"})
    md, elog = loose.find_one(datum())
    assert md["site_lat"] == 0.0 and elog[0].badness == ErrorSeverity.Complaint
    strict = EqualityMatcher(collection="site", documents=SITES, match_keys={"sta": "sta"}, require_unique_match=True)
    with pytest.raises(SeismicError, match="require_unique_match"):
        strict.find_one(datum())
    assert strict.find_one(datum(sta="B"))[0]["site_lat"] == 2.0


def test_origin_time_matcher_find_doc_matches_a_document():
    m = OriginTimeMatcher(documents=SOURCES, t0offset=0.0, tolerance=10.0)
    assert m.find_doc({"starttime": 104.0})["source_time"] == 100.0
    assert m.find_doc({"starttime": 2000.0}) is None


def test_normalize_takes_a_duck_typed_matcher():
    class Fixed:
        def find_one(self, d):
            return [Metadata({"thing_value": 42}), None]

    d = normalize(datum(), Fixed())
    assert d.live and d["thing_value"] == 42
