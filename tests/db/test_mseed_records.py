import io

import numpy as np
import obspy
import pytest

from sparkseis.db.mseed_records import _equal_length_headers, _walked_headers, record_headers


def same(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b))


def written(st: obspy.Stream, whole_second: bool, **kwargs) -> bytes:
    """st as miniSEED; ObsPy adds blockette 1001 (before the 1000) when a record's start time
    needs microseconds, so whole-second starts give records with blockette 1000 alone."""
    st = st.copy()
    for tr in st:
        start = tr.stats.starttime
        tr.stats.starttime = obspy.UTCDateTime(int(start.timestamp)) if whole_second else start + 0.000123
    buf = io.BytesIO()
    st.write(buf, format="MSEED", **kwargs)
    return buf.getvalue()


def test_every_shipped_file_is_read_at_numpy_speed_as_the_walk_reads_it(data_dir):
    files = sorted(data_dir.rglob("*.mseed"))
    assert files
    for path in files:
        payload = path.read_bytes()
        fast = _equal_length_headers(payload)
        assert fast is not None, path  # blockette 1000 first, or a 1001 and then the 1000
        assert same(fast, _walked_headers(payload)), path


@pytest.mark.parametrize("reclen", [256, 512, 4096])
def test_obspy_records_with_and_without_blockette_1001(data_dir, reclen):
    st = obspy.read(str(data_dir / "okhotsk_2013" / "TA.POKR..BH?.mseed"))
    st.trim(st[0].stats.starttime, st[0].stats.starttime + 300)
    plain, with_1001 = written(st, True, reclen=reclen), written(st, False, reclen=reclen)
    assert (plain[48:50], with_1001[48:50], with_1001[56:58]) == (b"\x03\xe8", b"\x03\xe9", b"\x03\xe8")
    for payload in (plain, with_1001):
        headers = _equal_length_headers(payload)
        assert headers is not None and same(headers, _walked_headers(payload))
        assert headers.nsamples.sum() == sum(tr.stats.npts for tr in st)
        assert set(headers.length) == {reclen} and set(headers.encoding) == {11}  # Steim-2


def test_records_laid_out_differently_are_walked(data_dir):
    st = obspy.read(str(data_dir / "okhotsk_2013" / "TA.POKR..BH?.mseed"))
    st.trim(st[0].stats.starttime, st[0].stats.starttime + 300)
    plain, with_1001 = written(st[:1], True, reclen=512), written(st[1:2], False, reclen=512)
    mixed = plain + with_1001  # the second file's records chain their blockettes otherwise
    assert _equal_length_headers(mixed) is None
    assert same(record_headers(mixed), _walked_headers(mixed))
    assert len(record_headers(mixed).offset) == len(plain) // 512 + len(with_1001) // 512
