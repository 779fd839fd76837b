import shutil

import numpy as np
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
    d = shipped_db.read_data(doc["_id"], collection="wf_miniseed")
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


def test_preferred_origin_is_the_centroid_and_the_default_is_the_hypocentre(fresh_db, okhotsk_dir):
    fresh_db.save_catalog(okhotsk_dir / "quake.xml", origin="preferred")
    assert fresh_db["source"].find_one({})["origin_id"].endswith("#cmtorigin")
    fresh_db.source.delete_many({})
    fresh_db.save_catalog(okhotsk_dir / "quake.xml")  # the library's default is the CLI's: where P starts
    assert fresh_db["source"].find_one({})["origin_id"].endswith("#reforigin")


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


def _records(trace, reclen=512, encoding=None):
    """The miniSEED records of one trace, as a list of bytes."""
    import io

    buf = io.BytesIO()
    kw = {"encoding": encoding} if encoding else {}
    trace.write(buf, format="MSEED", reclen=reclen, **kw)
    raw = buf.getvalue()
    return [raw[i : i + reclen] for i in range(0, len(raw), reclen)]


def test_multiplexed_file_gives_one_segment_per_channel(fresh_db, okhotsk_dir, tmp_path):
    import itertools

    import obspy

    traces = [obspy.read(str(okhotsk_dir / f"TA.POKR..BH{c}.mseed"))[0] for c in "ENZ"]
    per_channel = [_records(tr) for tr in traces]
    mux = tmp_path / "multiplexed.ms"  # a name the old importer skipped without a word
    with open(mux, "wb") as f:
        for recs in itertools.zip_longest(*per_channel):
            f.write(b"".join(r for r in recs if r))
    report = import_folder(fresh_db, tmp_path)
    assert report["mseed_files"] == 1 and report["segments"] == 3 and not report["failed"]
    for tr in traces:
        doc = fresh_db.wf_miniseed.find_one({"chan": tr.stats.channel})
        assert doc["npts"] == tr.stats.npts
        d = fresh_db.read_data(doc["_id"], collection="wf_miniseed")
        assert d.live and d.npts == tr.stats.npts and d.t0 == tr.stats.starttime.timestamp
        np.testing.assert_array_equal(d.data, tr.data.astype(float))


def test_bad_records_are_killed_with_the_decoders_reason(fresh_db, tmp_path):
    import obspy

    log = obspy.Trace(
        np.frombuffer(b"GPS lock regained. Clock offset 0.3 ms. " * 20, dtype="|S1"),
        {"network": "XX", "station": "LOG", "channel": "LOG", "sampling_rate": 1.0},
    )
    log.write(str(tmp_path / "log.mseed"), format="MSEED", encoding="ASCII")
    nan = obspy.Trace(
        np.array([1.0, np.nan, 3.0] * 100), {"network": "XX", "station": "NAN", "channel": "BHZ", "sampling_rate": 20.0}
    )
    nan.write(str(tmp_path / "nan.mseed"), format="MSEED", encoding="FLOAT64")
    report = import_folder(fresh_db, tmp_path)
    assert report["segments"] == 2 and not report["failed"]
    reasons = {
        doc["sta"]: fresh_db.read_data(doc["_id"], collection="wf_miniseed") for doc in fresh_db.wf_miniseed.find({})
    }
    assert reasons["LOG"].dead() and "text records" in reasons["LOG"].elog[0].message
    assert reasons["NAN"].dead() and "100 of 300 samples are NaN" in reasons["NAN"].elog[0].message


def test_import_keeps_going_past_bad_files(fresh_db, okhotsk_dir, tmp_path):
    import shutil

    import obspy

    shutil.copy(okhotsk_dir / "TA.POKR..BHZ.mseed", tmp_path / "pokr.miniseed")
    shutil.copy(okhotsk_dir / "TA.POKR..BH_.xml", tmp_path / "stations.txt")  # recognised by content, not name
    (tmp_path / "broken.xml").write_text('<?xml version="1.0"?>\n<FDSNStationXML schemaVersion="1.1"><Network code=')
    cat = obspy.read_events(str(okhotsk_dir / "quake.xml"))
    for o in cat[0].origins:
        o.depth = None  # an event without depth must never become a 0 km source
    cat.write(str(tmp_path / "nodepth.xml"), format="QUAKEML")
    (tmp_path / "README").write_text("notes")
    report = import_folder(fresh_db, tmp_path, origin="hypocentre")
    epochs = sum(
        len(sta.channels) for net in obspy.read_inventory(str(okhotsk_dir / "TA.POKR..BH_.xml")) for sta in net
    )
    assert report["segments"] == 1 and report["channel"] == epochs and report["source"] == 0
    assert [f["file"].rsplit("/", 1)[-1] for f in report["failed"]] == ["broken.xml"]
    assert any("has no depth" in s for s in report["skipped"]) and report["ignored"] == ["README"]
    assert fresh_db.elog.find_one({"algorithm": "import"})["file"].endswith("broken.xml")


def test_cli_import_exit_code_says_something_failed(client, tmp_path, capsys):
    from sparkseis.cli import main

    (tmp_path / "broken.xml").write_text("<q:quakeml xmlns:q='http://quakeml.org/xmlns/quakeml/1.2'><broken")
    client.drop_database("cli_bad")
    assert main(["import", str(tmp_path), "--db", "cli_bad", "--mongo-uri", client.uri]) == 1
    assert "FAILED" in capsys.readouterr().out


def _obspy_segments(path):
    """The reference: every record's header read by ObsPy, grouped as the indexer groups them."""
    import io

    from obspy.io.mseed.util import get_record_information

    raw = path.read_bytes()
    offset, segments, open_ = 0, [], {}
    while offset < len(raw):
        rec = get_record_information(io.BytesIO(raw[offset : offset + 4096]))
        length, npts, rate = rec["record_length"], rec["npts"], float(rec["samp_rate"] or 0)
        if npts > 0 and rate > 0:
            key = (rec["network"], rec["station"], rec["location"], rec["channel"])
            start = float(rec["starttime"].timestamp)
            seg = open_.get(key)
            if seg and seg["rate"] == rate and abs(start - (seg["last"] + 1 / rate)) <= 0.5 / rate:
                seg.update(
                    npts=seg["npts"] + npts, nbytes=offset + length - seg["foff"], last=start + (npts - 1) / rate
                )
            else:
                seg = {
                    "key": key,
                    "rate": rate,
                    "start": start,
                    "last": start + (npts - 1) / rate,
                    "npts": npts,
                    "foff": offset,
                    "nbytes": length,
                }
                open_[key] = seg
                segments.append(seg)
        offset += length
    return segments


def test_indexer_agrees_with_obspy_record_headers(data_dir, tmp_path):
    import obspy

    from sparkseis.db.mseed_index import _segments_from_tracelist, scan_mseed

    # a file holding several channels too
    st = obspy.read(str(data_dir / "okhotsk_2013" / "TA.POKR..BH?.mseed"))
    st.trim(st[0].stats.starttime, st[0].stats.starttime + 600)
    st.write(str(tmp_path / "mux.mseed"), format="MSEED", reclen=512)
    files = sorted(data_dir.rglob("*.mseed")) + [tmp_path / "mux.mseed"]
    assert all(_segments_from_tracelist(p) is not None for p in files)  # libmseed's grouping is used, not the walk
    for path in files:
        ours = scan_mseed(path)
        assert ours.problem is None
        ref = _obspy_segments(path)
        assert len(ours.segments) == len(ref) > 0, path
        for s, r in zip(ours.segments, ref):
            assert (s.net, s.sta, s.loc, s.chan) == r["key"] and s.sampling_rate == r["rate"] and s.npts == r["npts"]
            assert (s.foff, s.nbytes) == (r["foff"], r["nbytes"]) and abs(s.starttime - r["start"]) < 1e-6, path


def test_waveform_ids_sort_by_data_time_and_reimport_replaces(fresh_db, okhotsk_dir, rf_dir):
    import_folder(fresh_db, okhotsk_dir)
    import_folder(fresh_db, okhotsk_dir)
    assert fresh_db.wf_miniseed.count_documents({}) == 6
    import_folder(fresh_db, rf_dir)  # 13 earthquakes, three channels each
    docs = list(fresh_db.wf_miniseed.find({}).sort("_id", 1))
    seconds = [int(d["starttime"]) for d in docs]
    assert len(docs) == 45 and seconds == sorted(
        seconds
    )  # _id order is data-time order: one event's records sit together
    assert all(int(d["_id"].generation_time.timestamp()) == int(d["starttime"]) for d in docs)
