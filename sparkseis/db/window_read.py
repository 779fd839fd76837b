"""Read only the records a P window needs from an indexed miniSEED segment, and still give the
samples whole-record processing gives.

The constant detrend removes the whole segment's mean, which reading part of the segment
cannot compute; the index keeps that mean, computed at import from the same decoded samples
in the same way (mseed_index), so subtracting it from the samples read equals detrending the
whole record and cutting. The cut is cut_for_window's (window_cut), on the whole record's
sample grid, so the decimation that follows sees the very samples it sees after a whole
read. A datum whose segment has no index or mean, or whose window is not well inside the
data, is read whole and goes through detrend and cut_for_window as before.
"""

from __future__ import annotations

import numpy as np

from sparkseis.algorithms.signals import detrend
from sparkseis.algorithms.window import cut_for_window, window_bounds, window_cut
from sparkseis.config import Settings
from sparkseis.core.decorator import seismic_function
from sparkseis.core.errors import ArgumentError, SampleReadError
from sparkseis.core.seismic import BasicSeismic, TimeSeries
from sparkseis.db.mseed_decode import Expected, read_mseed_segment
from sparkseis.db.span_reader import read_records
from sparkseis.io import documents

# the header key of a datum whose samples are still in its file: how many there are
DEFERRED = "samples_deferred"


def can_defer(doc: dict) -> bool:
    """True when a wf_miniseed document lets a window be read without its whole segment."""
    return doc.get("format") == "mseed" and "record_index" in doc and "sample_mean" in doc and "npts" in doc


def deferred_timeseries(doc: dict, collection: str) -> TimeSeries:
    """The datum of a document whose samples are read later (read_for_window): its header,
    t0 and dt as a whole read sets them, no samples yet."""
    d = documents.timeseries_from_document(doc, np.empty(0), collection)
    d[DEFERRED] = int(doc["npts"])
    return d


def _s3(d: BasicSeismic, settings: Settings):
    return settings.s3_options(d.get("s3_anonymous", False)) if d.get("storage_mode") == "s3" else None


def _channel(d: BasicSeismic) -> tuple[str, str, str, str]:
    return (d["net"], d["sta"], d.get("loc") or "", d["chan"])


def _read_whole(d: BasicSeismic, npts: int, settings: Settings) -> None:
    expected = Expected(npts, d.t0, 1.0 / d.dt)
    seg = read_mseed_segment(d["dir"], d["dfile"], d["foff"], d["nbytes"], _channel(d), expected, _s3(d, settings))
    d.data = np.ascontiguousarray(seg.data, dtype=np.float64)
    d.t0, d.dt = seg.t0, seg.dt


def _check(decimator, win_start, win_end, settings=None, t0shift="Ptime") -> None:
    window_bounds(win_start, win_end)
    from sparkseis.algorithms.resample import ScipyDecimator

    if not isinstance(decimator, ScipyDecimator):
        raise ArgumentError(f"read_for_window: decimator must be a ScipyDecimator, got {type(decimator).__name__}")


@seismic_function(validate=_check)
def read_for_window(
    d: BasicSeismic, decimator, win_start: float, win_end: float, settings: Settings | None = None, t0shift="Ptime"
) -> BasicSeismic:
    """detrend (constant) and cut_for_window in one, reading only the records the cut keeps
    when d's samples are deferred (deferred_timeseries); a datum with its samples goes
    through detrend and cut_for_window unchanged. A failed read kills d with the reason."""
    if not d.get(DEFERRED):
        return cut_for_window(detrend(d, type="constant"), decimator, win_start, win_end, t0shift)
    settings = settings or Settings()
    npts, q = int(d[DEFERRED]), decimator.dec_factor(d)
    del d[DEFERRED]
    cut = (
        window_cut(npts, d.t0, d.dt, decimator, q, float(d[t0shift]), win_start, win_end)
        if d.is_defined(t0shift)
        else None
    )
    try:
        if cut is None:  # nothing to gain: the whole record, then the usual steps decide
            _read_whole(d, npts, settings)
            return cut_for_window(detrend(d, type="constant"), decimator, win_start, win_end, t0shift)
        a, b = cut
        segment = {"npts": npts, "starttime": d.t0, "sampling_rate": 1.0 / d.dt}
        segment.update({k: d[k] for k in ("dir", "dfile", "foff", "nbytes", "record_index")})
        data, _, first, _, _ = read_records(segment, _channel(d), a, b - 1, _s3(d, settings))
    except SampleReadError as err:
        d.kill_with("read_data", str(err))
        return d
    d.data = np.ascontiguousarray(data[a - first : b - first], dtype=np.float64) - float(d["sample_mean"])
    d.t0 = d.t0 + a * d.dt
    return d
