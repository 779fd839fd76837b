"""A damaged miniSEED record never becomes samples: the datum dies with a reason naming the file,
the byte and what was wrong, and the file's other segments read back unchanged."""

import struct

import numpy as np
import obspy
import pymseed
import pytest

from sparkseis.db.mseed_decode import Expected, decode_segment

RECLEN = 512
CHANNELS = ("BHE", "BHN", "BHZ")


@pytest.fixture
def three_channel_file(tmp_path, okhotsk_dir):
    """AE.113A's three real channels one after the other in one file: three segments."""
    path = tmp_path / "AE.113A.mseed"
    path.write_bytes(b"".join((okhotsk_dir / f"AE.113A..{c}.mseed").read_bytes() for c in CHANNELS))
    return path


def _damage(raw: bytearray, record: int, how: str, other: bytes) -> None:
    at = record * RECLEN
    if how == "frames_still_decode":  # 8 bytes of a Steim frame: libmseed decodes it, with other samples
        raw[at + 200 : at + 208] = b"\xff" * 8
    elif how == "frames_undecodable":
        raw[at + 100 : at + 116] = b"\x00" * 16
    elif how == "start_time":  # day of year out of range
        raw[at + 22 : at + 24] = struct.pack(">H", 999)
    elif how == "sample_count":
        (n,) = struct.unpack_from(">H", raw, at + 30)
        raw[at + 30 : at + 32] = struct.pack(">H", n - 7)
    elif how == "other_channel":  # the record replaced by a record of another channel
        raw[at : at + RECLEN] = other
    else:
        raise AssertionError(how)


@pytest.mark.parametrize("where", ["first", "middle", "last"])
@pytest.mark.parametrize(
    "how", ["frames_still_decode", "frames_undecodable", "start_time", "sample_count", "other_channel"]
)
def test_a_damaged_record_kills_its_segment_only(fresh_db, three_channel_file, how, where):
    fresh_db.index_mseed_file(three_channel_file)
    docs = {d["chan"]: d for d in fresh_db.wf_miniseed.find({})}
    assert sorted(docs) == list(CHANNELS)
    intact = {c: fresh_db.read_data(docs[c]["_id"], collection="wf_miniseed") for c in CHANNELS}
    assert all(d.live for d in intact.values())

    seg = docs["BHN"]
    first, count = seg["foff"] // RECLEN, seg["nbytes"] // RECLEN
    record = {"first": first, "middle": first + count // 2, "last": first + count - 1}[where]
    raw = bytearray(three_channel_file.read_bytes())
    other = bytes(raw[5 * RECLEN : 6 * RECLEN])  # a BHE record
    _damage(raw, record, how, other)
    three_channel_file.write_bytes(bytes(raw))

    d = fresh_db.read_data(seg["_id"], collection="wf_miniseed")
    assert d.dead()
    message = d.elog[0].message
    assert str(three_channel_file) in message and "at byte" in message
    for chan in ("BHE", "BHZ"):
        again = fresh_db.read_data(docs[chan]["_id"], collection="wf_miniseed")
        assert again.live and np.array_equal(again.data, intact[chan].data) and again.t0 == intact[chan].t0


def test_frame_damage_that_decodes_names_the_record(fresh_db, three_channel_file, okhotsk_dir):
    fresh_db.index_mseed_file(three_channel_file)
    seg = fresh_db.wf_miniseed.find_one({"chan": "BHZ"})
    record = seg["foff"] // RECLEN + 100
    raw = bytearray(three_channel_file.read_bytes())
    _damage(raw, record, "frames_still_decode", b"")
    three_channel_file.write_bytes(bytes(raw))
    # libmseed on its own accepts the damaged bytes, with other samples: the check is what catches it
    payload = bytes(raw[seg["foff"] : seg["foff"] + seg["nbytes"]])
    accepted = pymseed.MS3TraceList.from_buffer(payload, unpack_data=True)
    samples = [s.take_np_datasamples() for t in accepted for s in t][0]
    original = obspy.read(okhotsk_dir / "AE.113A..BHZ.mseed")[0].data
    assert len(samples) == len(original) and not np.array_equal(samples, original)
    d = fresh_db.read_data(seg["_id"], collection="wf_miniseed")
    assert d.dead() and f"at byte {record * RECLEN}" in d.elog[0].message and "Steim integrity" in d.elog[0].message


def test_intact_segments_decode_as_obspy_reads_them(okhotsk_dir):
    for chan in CHANNELS:
        payload = (okhotsk_dir / f"AE.113A..{chan}.mseed").read_bytes()
        tr = obspy.read(okhotsk_dir / f"AE.113A..{chan}.mseed")[0]
        expected = Expected(tr.stats.npts, tr.stats.starttime.timestamp, tr.stats.sampling_rate)
        got = decode_segment(payload, ("AE", "113A", "", chan), expected)
        assert np.array_equal(got.data, tr.data) and got.t0 == tr.stats.starttime.timestamp


def test_a_segment_that_disagrees_with_its_index_is_refused(okhotsk_dir):
    from sparkseis.db.waveform_store import SampleReadError

    payload = (okhotsk_dir / "AE.113A..BHZ.mseed").read_bytes()
    tr = obspy.read(okhotsk_dir / "AE.113A..BHZ.mseed")[0]
    t0, n = tr.stats.starttime.timestamp, tr.stats.npts
    for wrong, what in (
        (Expected(n + 1, t0, 40.0), "samples"),
        (Expected(n, t0 + 1.0, 40.0), "starts at"),
        (Expected(n, t0, 20.0), "samples/s"),
    ):
        with pytest.raises(SampleReadError, match=what):
            decode_segment(payload, ("AE", "113A", "", "BHZ"), wrong)
    with pytest.raises(SampleReadError, match="no samples of"):
        decode_segment(payload, ("AE", "113A", "", "BHN"), None)
