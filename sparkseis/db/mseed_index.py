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
        """True if record rec starts one sample after this segment ends (within tolerance samples)."""
        if (rec["network"], rec["station"], rec["location"], rec["channel"]) != (self.net, self.sta, self.loc, self.chan):
            return False
        if rec["samp_rate"] != self.sampling_rate or self.foff + self.nbytes != rec["_offset"]:
            return False
        expected = self.last_sample + 1.0 / self.sampling_rate
        return abs(float(rec["starttime"].timestamp) - expected) <= tolerance / self.sampling_rate


def _looks_like_record(head: bytes) -> bool:
    """A miniSEED fixed header starts with a 6-character sequence number and a quality code."""
    return len(head) == 8 and all(c in b"0123456789 " for c in head[:6]) and head[6:7] in (b"D", b"R", b"Q", b"M")


@dataclass
class ScanResult:
    segments: list[Segment] = field(default_factory=list)
    problem: str | None = None  # why the scan stopped early (corrupt or truncated file)


def scan_mseed(path: str | os.PathLike) -> ScanResult:
    """Walk the records of a miniSEED file and group them into contiguous segments.

    A new segment starts on a channel change, a rate change or a time gap/overlap. A record
    that cannot be parsed, or a file that ends inside a record, ends the scan with `problem`
    set; the segments before it are kept.
    """
    path = str(path)
    result = ScanResult()
    size = os.path.getsize(path)
    offset = 0
    current: Segment | None = None
    with open(path, "rb") as f:
        raw = f.read()
    while offset < size:
        if not _looks_like_record(raw[offset : offset + 8]):
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
        rec["_offset"] = offset
        start = float(rec["starttime"].timestamp)
        npts = int(rec["npts"])
        if npts > 0:
            last = start + (npts - 1) / float(rec["samp_rate"])
            if current is not None and current.continues_with(rec):
                current.npts += npts
                current.nbytes += length
                current.last_sample = last
            else:
                current = Segment(rec["network"], rec["station"], rec["location"], rec["channel"], float(rec["samp_rate"]),
                                  start, last, npts, offset, length)  # fmt: skip
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
