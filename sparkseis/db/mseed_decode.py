"""Decode one indexed miniSEED segment to exactly the samples its index promises, or refuse.

A segment (see mseed_index) is one contiguous run of records of one channel at one rate. The
decoder never fills, merges across gaps or keeps masked values: libmseed decodes the bytes,
and the result must be one run of the channel's samples with the indexed count, start and
rate. Steim records carry their own first and last sample (the forward and reverse integration
constants); libmseed only warns when they disagree with the decoded samples, so every record is
checked here, which catches damaged data frames that still decode. Anything else raises
SampleReadError naming the file, the byte offset and what was wrong.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pymseed

from sparkseis.core.errors import SampleReadError

STEIM_ENCODINGS = (10, 11)  # Steim-1, Steim-2


class MseedSamples(NamedTuple):
    """Decoded samples of one miniSEED segment: data, first sample time t0 (epoch s), dt (s)."""

    data: np.ndarray
    t0: float
    dt: float


class Expected(NamedTuple):
    """What the index says the segment holds: npts samples from starttime (epoch s) at
    sampling_rate (samples/s)."""

    npts: int
    starttime: float
    sampling_rate: float


class _Records(NamedTuple):
    """The fixed headers of a payload's miniSEED 2 records, one array entry per record."""

    offset: np.ndarray  # in the payload
    length: np.ndarray
    codes: np.ndarray  # (records, 12) bytes: station, location, channel, network as in the header
    nsamples: np.ndarray
    encoding: np.ndarray
    data_offset: np.ndarray


def _codes(channel: tuple[str, str, str, str]) -> np.ndarray:
    """(net, sta, loc, chan) as the 12 header bytes of its records (space-padded)."""
    net, sta, loc, chan = channel
    return np.frombuffer(
        (sta.ljust(5) + loc.ljust(2) + chan.ljust(3) + net.ljust(2)).encode("ascii", "replace"), np.uint8
    )


def _equal_length_records(payload: bytes) -> _Records | None:
    """The headers of a payload of equal-length big-endian records, each with blockette 1000
    right after its fixed header (what data centres write), read at numpy speed; None when the
    payload is laid out otherwise."""
    if len(payload) < 64 or payload[48:50] != b"\x03\xe8":
        return None
    length = 1 << payload[54]
    if not 128 <= length <= 1 << 16 or len(payload) % length:
        return None
    rows = np.frombuffer(payload, np.uint8).reshape(-1, length)
    be16 = lambda col: rows[:, col].astype(np.int64) * 256 + rows[:, col + 1]  # noqa: E731
    year = be16(20)
    quality = rows[:, 6]
    if not (
        ((year >= 1900) & (year <= 2100)).all()
        and (be16(48) == 1000).all()
        and (be16(46) == 48).all()
        and (rows[:, 54] == payload[54]).all()
        and ((quality == 68) | (quality == 82) | (quality == 81) | (quality == 77)).all()
    ):  #  D R Q M
        return None
    offsets = np.arange(len(rows), dtype=np.int64) * length
    return _Records(
        offsets, np.full(len(rows), length), rows[:, 8:20], be16(30), rows[:, 52].astype(np.int64), be16(44)
    )


def _walk_records(payload: bytes) -> _Records:
    """The headers of any miniSEED 2 payload, record by record; SampleReadError where one cannot be read."""
    fields: list[tuple] = []
    off = 0
    while off < len(payload):
        head = payload[off : off + 48]
        if len(head) < 48 or head[6:7] not in b"DRQM":
            raise SampleReadError(f"no miniSEED record header at byte {off}")
        order = ">" if 1900 <= struct.unpack_from(">H", head, 20)[0] <= 2100 else "<"
        nsamples, _, _, data_offset, blockette = struct.unpack_from(order + "HhhxxxxxxxxHH", head, 30)
        length = encoding = None
        for _ in range(16):  # follow the blockette chain to blockette 1000 (record length, encoding)
            if blockette == 0 or off + blockette + 8 > len(payload):
                break
            kind, following = struct.unpack_from(order + "HH", payload, off + blockette)
            if kind == 1000:
                encoding, _, exponent = struct.unpack_from("BBB", payload, off + blockette + 4)
                length = 1 << exponent
                break
            blockette = following
        if length is None or not 128 <= length <= 1 << 16:
            raise SampleReadError(f"miniSEED record at byte {off} has no usable blockette 1000 (record length)")
        fields.append((off, length, np.frombuffer(head[8:20], np.uint8), nsamples, encoding, data_offset))
        off += length
    offset, lengths, codes, nsamples, encodings, data_offsets = zip(*fields) if fields else ((),) * 6
    return _Records(
        np.array(offset, np.int64),
        np.array(lengths, np.int64),
        np.array(codes, np.uint8).reshape(-1, 12),
        np.array(nsamples, np.int64),
        np.array(encodings, np.int64),
        np.array(data_offsets, np.int64),
    )


def _v2_records(payload: bytes) -> _Records | None:
    """The record headers of a miniSEED 2 payload (None for miniSEED 3, whose records libmseed
    verifies by CRC)."""
    if payload[:2] == b"MS" and payload[2:3] == b"\x03":
        return None
    return _equal_length_records(payload) or _walk_records(payload)


def _check_steim(payload: bytes, r: _Records, mine: np.ndarray, data: np.ndarray, where) -> None:
    """Each Steim record's first and last decoded sample equal its integration constants."""
    n = r.nsamples[mine]
    last = np.cumsum(n) - 1
    first = last - n + 1
    encoding = r.encoding[mine]
    steim = ((encoding == STEIM_ENCODINGS[0]) | (encoding == STEIM_ENCODINGS[1])) & (n > 0)
    if not steim.any():
        return
    at = (r.offset + r.data_offset)[mine][steim] + 4  # frame 0, words 1 and 2: first and last sample
    if len(at) > 1 and (np.diff(at) == at[1] - at[0]).all() and at[1] > at[0]:  # evenly spaced: a strided view
        constants = np.ndarray((len(at), 2), ">i4", payload, int(at[0]), (int(at[1] - at[0]), 4))
    else:
        constants = np.array([struct.unpack_from(">ii", payload, int(a)) for a in at])
    decoded = np.stack([data[first[steim]], data[last[steim]]], axis=1)
    bad = np.flatnonzero((decoded != constants).any(axis=1))
    if len(bad):
        k = bad[0]
        offset = int(r.offset[mine][steim][k])
        raise SampleReadError(
            f"{where(offset)}: record fails its Steim integrity check (decoded samples {decoded[k][0]}.."
            f"{decoded[k][1]}, the record says {constants[k][0]}..{constants[k][1]}): damaged data"
        )


def _first_bad_record(payload: bytes, records: _Records | None) -> tuple[int, str] | None:
    """(offset, libmseed's message) of the first record that does not decode on its own."""
    if records is None:
        return None
    for offset, length in zip(records.offset.tolist(), records.length.tolist()):
        try:
            pymseed.MS3TraceList.from_buffer(payload[offset : offset + length], unpack_data=True)
        except (pymseed.MiniSEEDError, ValueError) as err:
            return offset, str(err)
    return None


def decode_segment(
    payload: bytes,
    channel: tuple[str, str, str, str] | None,
    expected: Expected | None,
    where=lambda offset: f"byte {offset}",
) -> MseedSamples:
    """The samples of the channel's one contiguous run in payload; SampleReadError otherwise.

    channel: (net, sta, loc, chan), to pick one channel out of interleaved records. expected:
    the index's count, start and rate, which the result must match (start within half a sample).
    where(offset) names a payload offset in messages (file and byte).
    """
    try:
        records = _v2_records(payload)
    except SampleReadError as err:
        raise SampleReadError(f"{where(0)}: {err}") from None
    try:
        traces = pymseed.MS3TraceList.from_buffer(payload, unpack_data=True)
    except (pymseed.MiniSEEDError, ValueError) as err:
        bad = _first_bad_record(payload, records)
        at, why = bad if bad is not None else (0, str(err))
        raise SampleReadError(f"{where(at)}: miniSEED record does not decode: {why}") from None
    wanted = pymseed.nslc2sourceid(*channel) if channel is not None else None
    runs = [seg for trace in traces if wanted is None or trace.sourceid == wanted for seg in trace]
    ident = ".".join(channel) if channel is not None else "the segment"
    if not runs:
        raise SampleReadError(f"{where(0)}: no samples of {ident}")
    if len(runs) > 1:
        spans = ", ".join(f"{s.samplecnt} samples from {s.starttime / 1e9:.4f}" for s in runs[:4])
        raise SampleReadError(
            f"{where(0)}: {ident} decodes to {len(runs)} runs with gaps or overlaps between them ({spans}); "
            "the index promised one contiguous run"
        )
    run = runs[0]
    if run.sampletype not in ("i", "f", "d"):
        raise SampleReadError(f"{where(0)} holds text records (a log channel), not samples")
    if not run.samprate > 0:
        raise SampleReadError(f"{where(0)}: {ident} has no sampling rate")
    data = run.take_np_datasamples()  # the array owns its buffer: it outlives the trace list
    t0, rate = run.starttime / 1e9, float(run.samprate)
    if records is not None:
        mine = (
            (records.codes == _codes(channel)).all(axis=1)
            if channel is not None
            else np.ones(len(records.offset), bool)
        )
        announced = int(records.nsamples[mine].sum())
        if announced != len(data):
            raise SampleReadError(
                f"{where(0)}: the records of {ident} announce {announced} samples, {len(data)} decode"
            )
        _check_steim(payload, records, mine, data, where)
    if expected is not None:
        problems = []
        if len(data) != expected.npts:
            problems.append(f"{len(data)} samples, the index says {expected.npts}")
        if rate != expected.sampling_rate:
            problems.append(f"{rate} samples/s, the index says {expected.sampling_rate}")
        if abs(t0 - expected.starttime) > 0.5 / rate:
            problems.append(f"starts at {t0}, the index says {expected.starttime}")
        if problems:
            raise SampleReadError(f"{where(0)}: {ident} decodes to " + "; ".join(problems))
    if data.dtype.kind == "f" and not np.isfinite(data).all():
        bad = int((~np.isfinite(data)).sum())
        raise SampleReadError(f"{where(0)}: {bad} of {len(data)} samples are NaN or infinite")
    return MseedSamples(data, t0, 1.0 / rate)


def read_mseed_segment(
    dir: str,
    dfile: str,
    foff: int,
    nbytes: int,
    channel: tuple[str, str, str, str] | None = None,
    expected: Expected | None = None,
) -> MseedSamples:
    """Decode the miniSEED records at [foff, foff+nbytes) of a file (decode_segment's rules)."""
    path = Path(dir) / dfile
    try:
        with open(path, "rb") as f:
            f.seek(int(foff))
            payload = f.read(int(nbytes))
    except OSError as err:
        raise SampleReadError(f"cannot read {path}: {err.strerror}") from None
    if len(payload) != int(nbytes):
        raise SampleReadError(f"short read from {path}: {len(payload)} of {nbytes} bytes at offset {foff}")
    return decode_segment(payload, channel, expected, lambda offset: f"{path} at byte {int(foff) + offset}")
