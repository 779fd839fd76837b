"""Plan event windows from continuous data: which channels an event's window is cut from
(selection patterns, distance range, the channel's time epoch), the datum each (event,
channel) pair starts as, and the time span its window needs read."""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sparkseis.algorithms.resample import ScipyDecimator, settling_samples
from sparkseis.algorithms.traveltime import epicentral_distance
from sparkseis.core.errors import ArgumentError
from sparkseis.core.seismic import TimeSeries

# what a pair's datum carries of its channel and source documents (as the matchers copy them)
CHANNEL_KEYS = ("lat", "lon", "elev", "edepth", "hang", "vang", "sampling_rate")
SOURCE_KEYS = ("lat", "lon", "depth", "time", "magnitude", "event_id")


@dataclass(frozen=True)
class ChannelSelection:
    """Channels by (net, sta, loc, chan) patterns: each a comma-separated list of shell-style
    globs ("IU,II", "AN*", "BH?"); "*" matches everything, an empty pattern (or "--", as
    FDSN web services write it) the empty location code."""

    net: str = "*"
    sta: str = "*"
    loc: str = "*"
    chan: str = "*"

    def _matches(self, pattern: str, value: str) -> bool:
        value = value or ""
        return any(
            (p in ("", "--") and value == "") or fnmatch.fnmatchcase(value, p)
            for p in (q.strip() for q in pattern.split(","))
        )

    def matches(self, doc: dict) -> bool:
        """True if a channel document's codes match every pattern."""
        return all(self._matches(getattr(self, k), str(doc.get(k) or "")) for k in ("net", "sta", "loc", "chan"))

    def __str__(self) -> str:
        return ".".join((self.net, self.sta, self.loc or "--", self.chan))


@dataclass(frozen=True)
class DistanceRange:
    """Epicentral distances from low to high degrees (inclusive), by `method` (set_Ptime's)."""

    low: float = 0.0
    high: float = 180.0
    method: str = "geodesic"

    def __post_init__(self):
        if not (math.isfinite(self.low) and math.isfinite(self.high) and 0 <= self.low <= self.high <= 180):
            raise ArgumentError(
                f"distance range must satisfy 0 <= low <= high <= 180 degrees, got {self.low}..{self.high}"
            )


def channel_key(doc: dict) -> tuple[str, str, str, str]:
    """(net, sta, loc, chan) of a channel or wf_miniseed document."""
    return (doc["net"], doc["sta"], doc.get("loc") or "", doc["chan"])


def pairs_for_event(event: dict, channels: Iterable[dict], distances: DistanceRange) -> Iterator[tuple[dict, float]]:
    """(channel document, distance in degrees) for every channel whose epoch holds the event's
    origin time and whose distance lies in the range."""
    t, lat, lon = float(event["time"]), float(event["lat"]), float(event["lon"])
    for ch in channels:
        if not float(ch.get("starttime", -math.inf)) <= t <= float(ch.get("endtime", math.inf)):
            continue
        delta = epicentral_distance(lat, lon, float(ch["lat"]), float(ch["lon"]), distances.method)[0]
        if distances.low <= delta <= distances.high:
            yield ch, delta


def pair_datum(event: dict, channel: dict, pair_id) -> TimeSeries:
    """The (still sample-less) datum of one pair: the channel's codes, its `channel_*` and the
    event's `source_*` attributes as the matchers copy them, and `pair_id`."""
    md = {"net": channel["net"], "sta": channel["sta"], "loc": channel.get("loc") or "", "chan": channel["chan"]}
    md.update({f"channel_{k}": channel[k] for k in CHANNEL_KEYS if channel.get(k) is not None})
    md.update({f"source_{k}": event[k] for k in SOURCE_KEYS if event.get(k) is not None})
    md["channel_id"], md["source_id"], md["pair_id"] = channel["_id"], event["_id"], pair_id
    rate = float(channel.get("sampling_rate") or 1.0)
    return TimeSeries(None, float(event["time"]), 1.0 / rate, md)


def margin_s(decimator: ScipyDecimator, rate: float) -> float:
    """Seconds read beyond each end of a window of data at rate (samples/s), so that the
    decimator's anti-alias filter has settled inside the window (cut_for_window's margin);
    none when no decimation is needed, and the margin of the next integer factor when the FFT
    resampler does the work."""
    ratio = rate / decimator.sampling_rate
    if abs(ratio - 1.0) < 1e-9:
        return 0.0
    q = max(2, math.ceil(ratio - 1e-9))
    return settling_samples(decimator, q) / rate


def window_span(ptime: float, window: tuple[float, float], margin: float) -> tuple[float, float]:
    """[P + start - margin, P + end + margin], epoch s: the span a window needs read."""
    return ptime + window[0] - margin, ptime + window[1] + margin
