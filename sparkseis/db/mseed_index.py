"""Index miniSEED files: one document per contiguous segment, from the record headers alone."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from obspy.io.mseed.util import get_record_information


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

    def continues_with(self, rec: dict, tolerance: float = 0.5) -> bool:
        """True if record rec (of this segment's channel) starts one sample after this segment
        ends (within tolerance samples) at the same rate. Records of other channels may lie
        between the two: multiplexed files interleave channels."""
        if rec["samp_rate"] != self.sampling_rate:
            return False
        expected = self.last_sample + 1.0 / self.sampling_rate
        return abs(float(rec["starttime"].timestamp) - expected) <= tolerance / self.sampling_rate


def looks_like_record(head: bytes) -> bool:
    """A miniSEED fixed header starts with a 6-character sequence number and a quality code."""
    return len(head) == 8 and all(c in b"0123456789 " for c in head[:6]) and head[6:7] in (b"D", b"R", b"Q", b"M")


@dataclass
class ScanResult:
    segments: list[Segment] = field(default_factory=list)
    problem: str | None = None  # why the scan stopped early (corrupt or truncated file)
    skipped_records: int = 0  # records holding no samples at a rate (log/ASCII channels)


def scan_mseed(path: str | os.PathLike) -> ScanResult:
    """Walk the records of a miniSEED file and group them, per channel (net, sta, loc, chan), into
    time-contiguous segments; a rate change or a gap/overlap starts a new segment. Channels may
    be interleaved (multiplexed files): a segment's byte span [foff, foff+nbytes) then also
    holds other channels' records, which the reader leaves out. Records without a sampling
    rate (log channels) are counted in skipped_records. A record that cannot be parsed, or a
    file that ends inside a record, ends the scan with `problem` set; what precedes it is kept.
    """
    path = str(path)
    result = ScanResult()
    size = os.path.getsize(path)
    offset = 0
    open_segments: dict[tuple, Segment] = {}
    with open(path, "rb") as f:
        raw = f.read()
    while offset < size:
        if not looks_like_record(raw[offset : offset + 8]):
            result.problem = f"no miniSEED record header at byte {offset} (corrupt data)"
            break
        try:
            # parse from a copy of this record's start: ObsPy's offset argument misreads files
            # whose size is not a whole number of records
            rec = get_record_information(io.BytesIO(raw[offset : offset + 4096]))
        except Exception as err:  # noqa: BLE001 - ObsPy raises several types for bad headers
            result.problem = f"unreadable miniSEED record at byte {offset}: {err}"
            break
        length = int(rec.get("record_length") or 0)
        if length <= 0 or offset + length > size:
            result.problem = f"truncated record at byte {offset}: needs {length} bytes, {size - offset} left"
            break
        start = float(rec["starttime"].timestamp)
        npts = int(rec["npts"])
        rate = float(rec["samp_rate"] or 0.0)
        if npts > 0 and not rate > 0:
            result.skipped_records += 1
        elif npts > 0:
            key = (rec["network"], rec["station"], rec["location"], rec["channel"])
            last = start + (npts - 1) / rate
            current = open_segments.get(key)
            if current is not None and current.continues_with(rec):
                current.npts += npts
                current.nbytes = offset + length - current.foff
                current.last_sample = last
            else:
                current = Segment(*key, rate, start, last, npts, offset, length)
                open_segments[key] = current
                result.segments.append(current)
        offset += length
    return result


def segment_documents(path: str | os.PathLike, segments: list[Segment]) -> list[dict]:
    """wf_miniseed documents for the segments of one file."""
    p = Path(path).resolve()
    return [
        {
            "net": s.net, "sta": s.sta, "loc": s.loc, "chan": s.chan,
            "starttime": s.starttime, "endtime": s.last_sample, "sampling_rate": s.sampling_rate,
            "npts": s.npts, "dir": str(p.parent), "dfile": p.name, "foff": s.foff, "nbytes": s.nbytes,
            "format": "mseed", "storage_mode": "file",
        }  # fmt: skip
        for s in segments
    ]
