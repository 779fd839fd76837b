import shutil

import obspy
import pytest

from sparkseis.db.importer import import_folder


def test_counts_per_collection(shipped_db):
    assert shipped_db["wf_miniseed"].count_documents({}) == 6 + 39
    assert shipped_db["site"].count_documents({}) == 3
    assert shipped_db["channel"].count_documents({}) == 15
    assert shipped_db["source"].count_documents({}) == 14


def test_segments_agree_with_obspy(shipped_db, okhotsk_dir, rf_dir):
    for path in list(okhotsk_dir.glob("*.mseed")) + [rf_dir / "example_data.mseed"]:
        st = obspy.read(str(path))
        docs = list(shipped_db["wf_miniseed"].find({"dfile": path.name}))
        assert len(docs) == len(st)
        by_key = {(d["net"], d["sta"], d["chan"], round(d["starttime"], 3)): d for d in docs}
        for tr in st:
            doc = by_key[(tr.stats.network, tr.stats.station, tr.stats.channel, round(tr.stats.starttime.timestamp, 3))]
            assert doc["npts"] == tr.stats.npts
            assert doc["sampling_rate"] == tr.stats.sampling_rate
            assert doc["endtime"] == pytest.approx(tr.stats.endtime.timestamp, abs=1e-6)


def test_read_matches_obspy(shipped_db, okhotsk_dir):
    doc = shipped_db["wf_miniseed"].find_one({"sta": "113A", "chan": "BHN"})
    d = shipped_db.read_data(doc["_id"])
    tr = obspy.read(str(okhotsk_dir / "AE.113A..BHN.mseed"))[0]
    assert d.live and d.npts == tr.stats.npts and d.t0 == tr.stats.starttime.timestamp
    assert (d.data == tr.data).all()
    assert d["wf_miniseed_id"] == doc["_id"]


def test_station_and_source_values(shipped_db, okhotsk_dir):
    inv = obspy.read_inventory(str(okhotsk_dir / "TA.POKR..BH_.xml"))
    docs = list(shipped_db["channel"].find({"sta": "POKR", "chan": "BHZ"}))
    epochs = inv.select(channel="BHZ")[0][0].channels
    assert len(docs) == len(epochs)
    for cha in epochs:
        doc = next(d for d in docs if d["starttime"] == cha.start_date.timestamp)
        assert (doc["lat"], doc["lon"]) == (cha.latitude, cha.longitude)
        assert doc["elev"] == pytest.approx(cha.elevation / 1000)
        assert doc["vang"] == pytest.approx(cha.dip + 90)
    src = shipped_db["source"].find_one({"lat": {"$gt": 50}})
    assert src["depth"] == pytest.approx(608.9) and src["origin_id"].endswith("#reforigin")


def test_preferred_origin_is_the_centroid(fresh_db, okhotsk_dir):
    fresh_db.save_catalog(okhotsk_dir / "quake.xml")
    assert fresh_db["source"].find_one({})["origin_id"].endswith("#cmtorigin")


def test_reimport_does_not_duplicate(fresh_db, okhotsk_dir):
    for _ in range(2):
        import_folder(fresh_db, okhotsk_dir)
    assert fresh_db["wf_miniseed"].count_documents({}) == 6
    assert fresh_db["channel"].count_documents({}) == 12
    assert fresh_db["source"].count_documents({}) == 1


def test_truncated_and_corrupt_files_reported(fresh_db, okhotsk_dir, tmp_path):
    good = okhotsk_dir / "AE.113A..BHZ.mseed"
    truncated = tmp_path / "truncated.mseed"
    truncated.write_bytes(good.read_bytes()[: 512 * 100 + 300])
    corrupt = tmp_path / "corrupt.mseed"
    data = bytearray(good.read_bytes())
    data[512 * 50 : 512 * 50 + 64] = b"\xff" * 64
    corrupt.write_bytes(bytes(data))
    shutil.copy(good, tmp_path / "good.mseed")
    report = import_folder(fresh_db, tmp_path)
    assert report["mseed_files"] == 3 and len(report["problems"]) == 2
    problems = {d["file"].rsplit("/", 1)[-1]: d for d in fresh_db["elog"].find({})}
    assert set(problems) == {"truncated.mseed", "corrupt.mseed"}
    assert "truncated record at byte 51200" in problems["truncated.mseed"]["problem"]
    assert "byte 25600" in problems["corrupt.mseed"]["problem"]
    # the records before the damage are still indexed and readable
    seg = fresh_db["wf_miniseed"].find_one({"dfile": "truncated.mseed"})
    assert seg["nbytes"] == 512 * 100
    assert fresh_db.read_data(seg).live
    assert fresh_db["wf_miniseed"].count_documents({"dfile": "good.mseed"}) == 1
