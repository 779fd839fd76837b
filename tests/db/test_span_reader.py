"""read_span on real-sample day files: the samples of random spans equal ObsPy's reading of the
same files (obspy.read with starttime/endtime, then Stream.merge), only the records holding the
span are read, and what cannot be one contiguous run of samples is refused with its reason."""

from __future__ import annotations

import datetime

import numpy as np
import obspy
import pymseed
import pytest

from sparkseis.db.mseed_index import scan_mseed, segment_documents
from sparkseis.db.mseed_records import RecordIndex
from sparkseis.db.span_reader import SpanError, read_span
from sparkseis.testing.day_archive import SourceRecord, restation, write_day_archive
from tests.support import DATA

CHANNEL = ("AE", "113A", "", "BHZ")
DAY1, DAY2 = datetime.date(2013, 5, 24), datetime.date(2013, 5, 25)
MIDNIGHT = obspy.UTCDateTime(2013, 5, 25).timestamp
GAP = (MIDNIGHT + 36000.0, 12.4)


@pytest.fixture(scope="module")
def day_files(tmp_path_factory):
    root = tmp_path_factory.mktemp("days")
    src = SourceRecord(str(DATA / "okhotsk_2013" / "AE.113A..BHZ.mseed"), *CHANNEL)
    write_day_archive(root, [src], [DAY1, DAY2], gaps={src.channel: [GAP]}, overlap_s=2.0)
    files = sorted(root.rglob("*.D.2013.*"))
    docs = [doc for f in files for doc in segment_documents(f, scan_mseed(f).segments)]
    return root, files, docs


def _overlapping(docs, t1, t2):
    return [d for d in docs if d["starttime"] <= t2 and d["endtime"] >= t1]


def _overlapping_record_bytes(files, t1: float, t2: float) -> int:
    """Bytes of the records (read by libmseed, record by record) with a sample nearest-or-inside [t1, t2]."""
    total = 0
    for f in files:
        with pymseed.MS3RecordReader(str(f)) as reader:
            for rec in reader:
                first, rate = rec.starttime / 1e9, float(rec.samprate)
                last = first + (rec.samplecnt - 1) / rate
                if last >= t1 - 0.5 / rate and first <= t2 + 0.5 / rate:
                    total += int(rec.reclen)
    return total


def test_random_spans_equal_obspy_and_read_only_their_records(day_files):
    _, files, docs = day_files
    assert all("record_index" in d and d["record_index"]["reclen"] == 512 for d in docs)
    rng = np.random.default_rng(5)
    starts = [MIDNIGHT - 300.0, MIDNIGHT - 1.0, MIDNIGHT + 0.3]  # across midnight and its overlap
    starts += list(rng.uniform(MIDNIGHT - 86000.0, MIDNIGHT + 30000.0, 12))
    for t1 in starts:
        t2 = t1 + float(rng.uniform(1.0, 900.0))
        got = read_span(_overlapping(docs, t1, t2), CHANNEL, t1, t2)
        st = obspy.Stream()
        for f in files:
            st += obspy.read(str(f), starttime=obspy.UTCDateTime(t1), endtime=obspy.UTCDateTime(t2))
        st.merge(method=0)
        assert len(st) == 1 and not np.ma.isMaskedArray(st[0].data)
        assert np.array_equal(got.data, st[0].data) and abs(got.t0 - st[0].stats.starttime.timestamp) < 1e-6
        # exactly the bytes of the records holding a sample of the span (libmseed's record list)
        assert got.bytes_read == _overlapping_record_bytes(files, t1, t2), t1


def test_the_record_index_finds_the_records_of_a_sample_range(day_files):
    _, files, docs = day_files
    doc = docs[0]
    index = RecordIndex.from_document(doc["record_index"])
    assert int(index.nsamples.sum()) == doc["npts"] and len(index.nsamples) * 512 == doc["nbytes"]
    offset, nbytes, first, count = index.records_for(100_000, 100_010)
    assert offset % 512 == 0 and first <= 100_000 and first + count > 100_010 and nbytes == 512 * (nbytes // 512)
    assert index.records_for(-50, 3) == (0, 512, 0, int(index.nsamples[0]))


def test_gaps_short_coverage_and_missing_data_are_refused_with_where(day_files):
    _, _, docs = day_files
    t1 = GAP[0] - 100.0
    with pytest.raises(SpanError, match=r"gap of 12.4 s at 2013-05-25T10:00:00.000 inside AE.113A..BHZ"):
        read_span(_overlapping(docs, t1, t1 + 700.0), CHANNEL, t1, t1 + 700.0)
    end = MIDNIGHT + 86400.0
    with pytest.raises(SpanError, match=r"data for AE.113A..BHZ end at 2013-05-25T23:59:59.975, before the span"):
        read_span(_overlapping(docs, end - 60.0, end + 60.0), CHANNEL, end - 60.0, end + 60.0)
    with pytest.raises(SpanError, match=r"no data for AE.113A..BHZ 2013-05-20T00:00:00.000..2013-05-20T00:01:00.000"):
        start = obspy.UTCDateTime(2013, 5, 20).timestamp
        read_span([], CHANNEL, start, start + 60.0)


def test_overlapping_records_that_disagree_are_refused(day_files, tmp_path):
    root, files, _ = day_files
    # day 2 repeats day 1's last 2 s; change one repeated sample in day 2's copy
    st = obspy.read(str(files[1]))
    st[0].data[10] += 1
    changed = tmp_path / files[1].name
    st.write(str(changed), format="MSEED", encoding="STEIM2", reclen=512)
    docs = [d for f in (files[0], changed) for d in segment_documents(f, scan_mseed(f).segments)]
    with pytest.raises(SpanError, match="overlapping records disagree: AE.113A..BHZ has two different sets of samples"):
        read_span(_overlapping(docs, MIDNIGHT - 60.0, MIDNIGHT + 60.0), CHANNEL, MIDNIGHT - 60.0, MIDNIGHT + 60.0)


def test_another_stations_records_in_the_bytes_are_refused(day_files, tmp_path):
    """A day file whose records name another station (restation) is not this channel's data."""
    _, files, _ = day_files
    other = tmp_path / "other"
    other.write_bytes(restation(files[0].read_bytes(), "XXXX"))
    docs = segment_documents(other, scan_mseed(other).segments)
    assert {d["sta"] for d in docs} == {"XXXX"}
    for d in docs:
        d["sta"] = "113A"  # an index that lies about its file
    t1 = MIDNIGHT - 3600.0
    with pytest.raises(SpanError.__mro__[1], match="no samples of AE.113A..BHZ"):
        read_span(_overlapping(docs, t1, t1 + 60.0), CHANNEL, t1, t1 + 60.0)
