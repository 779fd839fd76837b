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
from typing import NamedTuple

import numpy as np
import pymseed

from sparkseis.core.errors import SampleReadError
from sparkseis.db.byte_store import S3Options, join_location, read_range
from sparkseis.db.mseed_records import RecordHeaders, channel_codes, record_headers

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


def _check_steim(payload: bytes, r: RecordHeaders, mine: np.ndarray, data: np.ndarray, where) -> None:
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


def _first_bad_record(payload: bytes, records: RecordHeaders | None) -> tuple[int, str] | None:
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
        records = record_headers(payload)
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
            (records.codes == channel_codes(channel)).all(axis=1)
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
    s3: S3Options | None = None,
) -> MseedSamples:
    """Decode the miniSEED records at [foff, foff+nbytes) of a file or s3:// object (in folder
    dir, named dfile; decode_segment's rules)."""
    location = join_location(str(dir), str(dfile))
    payload = read_range(location, foff, nbytes, s3)
    return decode_segment(payload, channel, expected, lambda offset: f"{location} at byte {int(foff) + offset}")
