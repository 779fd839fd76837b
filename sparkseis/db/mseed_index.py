"""Index miniSEED files: one document per contiguous segment, from the record headers alone."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pymseed

from sparkseis.core.errors import SampleReadError
from sparkseis.db.byte_store import is_object_store
from sparkseis.db.mseed_decode import Expected, decode_segment
from sparkseis.db.mseed_records import RecordIndex, record_headers


@dataclass
class Segment:
    """A run of records for one channel at one rate with no gap (times in epoch s)."""

    net: str
    sta: str
    loc: str
    chan: str
    sampling_rate: float
    starttime: float
    last_sample: float
    npts: int
    foff: int
    nbytes: int

    def continues_with(self, rate: float, start: float, tolerance: float = 0.5) -> bool:
        """True if a record of this segment's channel at rate (samples/s) starting at start
        (epoch s) follows this segment's last sample by one sample (within tolerance samples).
        Records of other channels may lie between the two: multiplexed files interleave channels."""
        if rate != self.sampling_rate:
            return False
        return abs(start - (self.last_sample + 1.0 / self.sampling_rate)) <= tolerance / self.sampling_rate


def looks_like_record(head: bytes) -> bool:
    """A miniSEED fixed header starts with a 6-character sequence number and a quality code."""
    return len(head) == 8 and all(c in b"0123456789 " for c in head[:6]) and head[6:7] in (b"D", b"R", b"Q", b"M")


@dataclass
class ScanResult:
    segments: list[Segment] = field(default_factory=list)
    problem: str | None = None  # why the scan stopped early (corrupt or truncated file)
    skipped_records: int = 0  # records holding no samples at a rate (log/ASCII channels)


def _segments_from_tracelist(path: str | os.PathLike) -> ScanResult | None:
    """The file's segments as libmseed groups them (C speed, no Python per record), or None when
    that grouping cannot be used as is: a segment's records are not one run of equal-length
    records in file order (interleaved channels, out-of-order records), or some bytes of the
    file belong to no record (damage, truncation)."""
    try:
        traces = pymseed.MS3TraceList.from_file(str(path), unpack_data=False, record_list=True)
    except (pymseed.MiniSEEDError, ValueError):
        return None
    result, covered = ScanResult(), 0
    for trace in traces:
        for seg in trace:
            records = seg.recordlist._list
            first, last = records.first, records.last
            reclen, count = int(first.msr.reclen), int(records.recordcnt)
            foff, nbytes = int(first.fileoffset), int(last.fileoffset) + int(last.msr.reclen) - int(first.fileoffset)
            if int(last.msr.reclen) != reclen or nbytes != count * reclen:
                return None
            covered += nbytes
            if not seg.samprate > 0:
                result.skipped_records += count
                continue
            net, sta, loc, chan = pymseed.sourceid2nslc(trace.sourceid)
            start = seg.starttime / 1e9
            npts = int(seg.samplecnt)
            rate = float(seg.samprate)
            result.segments.append(
                Segment(net, sta, loc, chan, rate, start, start + (npts - 1) / rate, npts, foff, nbytes)
            )
    if covered != os.path.getsize(path):  # bytes no record accounts for: let the walk find the damage
        return None
    result.segments.sort(key=lambda s: s.foff)
    spans = [(s.foff, s.foff + s.nbytes) for s in result.segments]
    if any(a_end > b_start for (_, a_end), (b_start, _) in zip(spans, spans[1:])):
        return None
    return result


def scan_mseed(path: str | os.PathLike) -> ScanResult:
    """The file's segments: as libmseed's trace list groups them when each is one run of records
    (the common case), else from a walk over every record (below)."""
    return _segments_from_tracelist(path) or _walk_records(path)


def _walk_records(path: str | os.PathLike) -> ScanResult:
    """Walk the records of a miniSEED file (libmseed, through pymseed) and group them, per
    channel (net, sta, loc, chan), into time-contiguous segments; a rate change or a
    gap/overlap starts a new segment. Channels may be interleaved (multiplexed files): a
    segment's byte span [foff, foff+nbytes) then also holds other channels' records, which the
    reader leaves out. Records without a sampling rate (log channels) are counted in
    skipped_records. A record that cannot be parsed, or a file that ends inside a record, ends
    the scan with `problem` set; what precedes it is kept.
    """
    result = ScanResult()
    size = os.path.getsize(path)
    offset = 0
    open_segments: dict[str, Segment] = {}
    try:
        with pymseed.MS3RecordReader(str(path), validate_crc=False) as reader:
            for rec in reader:  # records follow each other: nothing is skipped, so offsets add up
                length, npts, rate = int(rec.reclen), int(rec.samplecnt), float(rec.samprate)
                if npts > 0 and not rate > 0:
                    result.skipped_records += 1
                elif npts > 0:
                    start = rec.starttime / 1e9
                    last = start + (npts - 1) / rate
                    sid = rec.sourceid
                    current = open_segments.get(sid)
                    if current is not None and current.continues_with(rate, start):
                        current.npts += npts
                        current.nbytes = offset + length - current.foff
                        current.last_sample = last
                    else:
                        current = Segment(*pymseed.sourceid2nslc(sid), rate, start, last, npts, offset, length)
                        open_segments[sid] = current
                        result.segments.append(current)
                offset += length
    except (pymseed.MiniSEEDError, ValueError) as err:
        with open(path, "rb") as f:
            f.seek(offset)
            head = f.read(8)
        if not looks_like_record(head):
            result.problem = f"no miniSEED record header at byte {offset} (corrupt data)"
        elif any(word in str(err).lower() for word in ("incomplete", "part way", "truncat")):
            result.problem = f"truncated record at byte {offset}: {size - offset} bytes left ({err})"
        else:
            result.problem = f"unreadable miniSEED record at byte {offset}: {err}"
    return result


def segment_documents(path: str | os.PathLike, segments: list[Segment], location: str | None = None) -> list[dict]:
    """wf_miniseed documents for the segments of one file: where its bytes are (`dir`/`dfile`:
    the file's folder and name, or the s3:// folder and name of the object it was read from, as
    `location` says), the file's size, and each segment's record index (see mseed_records),
    with which a time span is read without reading the whole segment."""
    p = Path(path).resolve()
    payload = p.read_bytes()
    folder, name = location.rsplit("/", 1) if location else (str(p.parent), p.name)
    docs = []
    for s in segments:
        doc = {
            "net": s.net,
            "sta": s.sta,
            "loc": s.loc,
            "chan": s.chan,
            "starttime": s.starttime,
            "endtime": s.last_sample,
            "sampling_rate": s.sampling_rate,
            "npts": s.npts,
            "dir": folder,
            "dfile": name,
            "foff": s.foff,
            "nbytes": s.nbytes,
            "file_nbytes": len(payload),
            "format": "mseed",
            "storage_mode": "s3" if location and is_object_store(location) else "file",
        }
        segment = payload[s.foff : s.foff + s.nbytes]
        index = _record_index(segment, (s.net, s.sta, s.loc, s.chan), s.npts)
        if index is not None:
            doc["record_index"] = index.to_document()
            doc.update(_sample_sums(segment, s))
        docs.append(doc)
    return docs


def _sample_sums(payload: bytes, s: Segment) -> dict:
    """The segment's sample sum and mean, from its samples decoded as a read decodes them (every
    check applied; the mean computed as the constant detrend computes it), so that a job can
    remove the whole segment's mean while reading only part of it; none if it does not decode."""
    try:
        samples = decode_segment(payload, (s.net, s.sta, s.loc, s.chan), Expected(s.npts, s.starttime, s.sampling_rate))
    except SampleReadError:
        return {}  # a reader decodes the whole segment and reports why it cannot
    data = np.ascontiguousarray(samples.data, dtype=np.float64)
    return {"sample_sum": float(data.sum()), "sample_mean": float(data.mean())}


def _record_index(payload: bytes, channel: tuple[str, str, str, str], npts: int) -> RecordIndex | None:
    """The segment's record index, or None where its headers cannot be read at numpy speed or do
    not add up to the segment's samples (miniSEED 3, odd layouts): the segment is then read whole."""
    try:
        headers = record_headers(payload)
    except SampleReadError:
        return None
    if headers is None:
        return None
    index = RecordIndex.of_channel(headers, channel)
    return index if len(index.nsamples) and int(index.nsamples.sum()) == npts else None
