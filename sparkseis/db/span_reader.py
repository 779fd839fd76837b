"""Read one channel's samples in a time span from its indexed segments: only the records that
hold samples of the span (byte ranges, from each segment's record index), decoded with every
check of mseed_decode, merged across records, segments and files (a day file's end and the
next one's start included), and cut to the span on the data's own sample grid.

Nothing is made up: a span that is not wholly covered, holds a gap, or is covered twice by
samples that differ, raises SpanError saying where; overlapping copies of the same samples
(data centres' day files often repeat a record at midnight) are merged.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sparkseis.core.errors import SampleReadError
from sparkseis.core.seismic import round_half_away
from sparkseis.db.byte_store import S3Options, join_location, read_range
from sparkseis.db.mseed_decode import Expected, decode_segment
from sparkseis.db.mseed_records import RecordIndex

Channel = tuple[str, str, str, str]


class SpanError(SampleReadError):
    """The span cannot be read as one contiguous run of samples (no data, a gap, disagreeing
    overlaps, a change of rate); the message says where."""


@dataclass
class SpanSamples:
    """A span's samples: data from t0 (epoch s) every dt (s); what was read to get them."""

    data: np.ndarray
    t0: float
    dt: float
    bytes_read: int = 0
    files: dict[str, int] = field(default_factory=dict)  # location -> the file's size in bytes


def utc(t: float) -> str:
    """Epoch seconds as ISO 8601 UTC to the millisecond."""
    return datetime.datetime.fromtimestamp(t, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


def channel_name(channel: Channel) -> str:
    return ".".join(channel)


def read_records(doc: dict, channel: Channel, first: int, last: int, s3: S3Options | None) -> tuple:
    """(samples, t0 epoch s, index of their first sample in the segment, bytes read, location)
    of the fewest whole records of a wf_miniseed segment that hold its samples first..last
    (segment sample numbers): byte ranges from its record index, or the whole segment if it
    has none; decoded with decode_segment's checks."""
    rate, start = float(doc["sampling_rate"]), float(doc["starttime"])
    index = RecordIndex.from_document(doc.get("record_index"))
    if index is None:
        offset, nbytes, first_sample, count = 0, int(doc["nbytes"]), 0, int(doc["npts"])
    else:
        offset, nbytes, first_sample, count = index.records_for(first, last)
    location = join_location(doc["dir"], doc["dfile"])
    foff = int(doc["foff"]) + offset
    payload = read_range(location, foff, nbytes, s3)
    expected = Expected(count, start + first_sample / rate, rate)
    samples = decode_segment(payload, channel, expected, lambda at: f"{location} at byte {foff + at}")
    return samples.data, samples.t0, first_sample, nbytes, location


def _piece(doc: dict, channel: Channel, t1: float, t2: float, s3: S3Options | None) -> tuple | None:
    """(samples, t0, bytes read, location) of the records of one segment that hold samples of
    [t1, t2], or None if it holds none."""
    rate, start, npts = float(doc["sampling_rate"]), float(doc["starttime"]), int(doc["npts"])
    first = max(round_half_away((t1 - start) * rate), 0)
    last = min(round_half_away((t2 - start) * rate), npts - 1)
    if last < first:
        return None
    data, t0, _, nbytes, location = read_records(doc, channel, first, last, s3)
    return data, t0, nbytes, location


def read_span(
    segments: list[dict],
    channel: Channel,
    t1: float,
    t2: float,
    s3_for: Callable[[dict], S3Options | None] = lambda doc: None,
) -> SpanSamples:
    """The channel's samples from the one nearest t1 to the one nearest t2 (epoch s), from its
    wf_miniseed segments that overlap the span (SegmentFinder.overlapping). s3_for(doc): how
    to reach a segment held in an object store. SampleReadError (SpanError for coverage)
    otherwise."""
    name, where = channel_name(channel), f"{utc(t1)}..{utc(t2)}"
    pieces, bytes_read, files = [], 0, {}
    for doc in segments:
        got = _piece(doc, channel, t1, t2, s3_for(doc))
        if got is None:
            continue
        data, t0, nbytes, location = got
        pieces.append((t0, float(doc["sampling_rate"]), data))
        bytes_read += nbytes
        files[location] = int(doc.get("file_nbytes", 0))
    if not pieces:
        raise SpanError(f"no data for {name} {where}")
    rates = {rate for _, rate, _ in pieces}
    if len(rates) > 1:
        raise SpanError(f"the sampling rate of {name} changes inside {where} ({', '.join(map(str, sorted(rates)))})")
    dt = 1.0 / rates.pop()
    pieces.sort(key=lambda p: p[0])
    t0, _, merged = pieces[0]
    for start, _, data in pieces[1:]:
        n = len(merged)
        k = round_half_away((start - t0) / dt)  # where this piece starts on the merged grid
        if k > n:
            raise SpanError(f"gap of {(k - n) * dt:.6g} s at {utc(t0 + n * dt)} inside {name} {where}")
        overlap = min(n - k, len(data))
        if not np.array_equal(merged[k : k + overlap], data[:overlap]):
            raise SpanError(f"overlapping records disagree: {name} has two different sets of samples at {utc(start)}")
        if len(data) > overlap:
            merged = np.concatenate([merged, data[overlap:]])
    n = len(merged)
    j1, j2 = round_half_away((t1 - t0) / dt), round_half_away((t2 - t0) / dt)
    if j1 < 0:
        raise SpanError(f"data for {name} start at {utc(t0)}, after the span {where} starts")
    if j2 > n - 1:
        raise SpanError(f"data for {name} end at {utc(t0 + (n - 1) * dt)}, before the span {where} ends")
    return SpanSamples(np.ascontiguousarray(merged[j1 : j2 + 1]), t0 + j1 * dt, dt, bytes_read, files)
