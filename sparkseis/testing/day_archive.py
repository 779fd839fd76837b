"""Continuous station-day miniSEED archives (SDS layout) made of real samples: each channel's
shipped record is tiled end to end along the time axis, and written as one file per UTC day
(Steim-2, 512-byte records, as data centres write them), with a manifest saying which samples
of which record every span of every file copies.

The tiling is defined on absolute time, so neighbouring day files agree wherever they overlap:
`overlap_s` makes each file start that much before its midnight, repeating the previous file's
last samples, as day files of real archives often do. `gaps` leaves spans out.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DAY_S = 86400


@dataclass(frozen=True)
class SourceRecord:
    """A real record whose samples fill the archive's channel (net, sta, loc, chan)."""

    path: str
    net: str
    sta: str
    loc: str
    chan: str

    @property
    def channel(self) -> str:
        return f"{self.net}.{self.sta}.{self.loc}.{self.chan}"


def sds_path(root: Path, net: str, sta: str, loc: str, chan: str, day: datetime.date) -> Path:
    """YEAR/NET/STA/CHAN.D/NET.STA.LOC.CHAN.D.YEAR.DOY under root (SeisComP's SDS)."""
    doy = day.timetuple().tm_yday
    return root / f"{day.year}" / net / sta / f"{chan}.D" / f"{net}.{sta}.{loc}.{chan}.D.{day.year}.{doy:03d}"


def _epoch(day: datetime.date) -> int:
    return int(datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC).timestamp())


def write_day_archive(
    root: str | Path,
    sources: list[SourceRecord],
    days: list[datetime.date],
    gaps: dict[str, list[tuple[float, float]]] | None = None,
    overlap_s: float = 0.0,
    tile_origin: float | None = None,
) -> dict:
    """Write one day file per source channel and day under root (SDS); returns the manifest,
    also written to root/manifest.json. gaps: channel -> [(start epoch s, seconds)] left out.
    Sample i after tile_origin (epoch s; default the first day's midnight) copies sample
    i mod N of its record (N samples)."""
    import obspy

    root = Path(root)
    origin = _epoch(days[0]) if tile_origin is None else tile_origin
    manifest: dict = {"tile_origin": origin, "overlap_s": overlap_s, "files": []}
    for src in sources:
        trace = obspy.read(src.path)[0]
        samples, rate = trace.data.astype(np.int32), float(trace.stats.sampling_rate)
        n_src = len(samples)
        cut = sorted((gaps or {}).get(src.channel, []))
        for day in days:
            first = round((_epoch(day) - overlap_s - origin) * rate)
            last = round((_epoch(day) + DAY_S - origin) * rate) - 1
            keep = np.ones(last - first + 1, bool)
            for start, seconds in cut:
                a, b = round((start - origin) * rate) - first, round((start + seconds - origin) * rate) - first
                keep[max(a, 0) : max(min(b, len(keep)), 0)] = False
            runs = np.flatnonzero(np.diff(np.concatenate([[0], keep.astype(np.int8), [0]])))
            stream, spans = obspy.Stream(), []
            for a, b in zip(runs[::2], runs[1::2]):
                index = np.arange(first + a, first + b)
                header = {
                    "network": src.net,
                    "station": src.sta,
                    "location": src.loc,
                    "channel": src.chan,
                    "sampling_rate": rate,
                    "starttime": obspy.UTCDateTime(origin + (first + a) / rate),
                }
                stream.append(obspy.Trace(samples[index % n_src], header=header))
                spans.append(
                    {
                        "start": origin + (first + a) / rate,
                        "npts": int(b - a),
                        "copies": f"{Path(src.path).name} samples {int(index[0] % n_src)}.. (mod {n_src})",
                    }
                )
            path = sds_path(root, src.net, src.sta, src.loc, src.chan, day)
            path.parent.mkdir(parents=True, exist_ok=True)
            stream.write(str(path), format="MSEED", encoding="STEIM2", reclen=512)
            manifest["files"].append({"file": str(path.relative_to(root)), "channel": src.channel, "spans": spans})
    (root / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def restation(payload: bytes, station: str, reclen: int = 512) -> bytes:
    """A miniSEED 2 payload of equal-length records with every record's station code replaced
    (the samples untouched): one real day file serves as many stations."""
    rows = np.frombuffer(payload, np.uint8).reshape(-1, reclen).copy()
    rows[:, 8:13] = np.frombuffer(station.ljust(5).encode("ascii"), np.uint8)
    return rows.tobytes()
