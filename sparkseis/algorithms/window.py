"""WindowData: cut a time window on the datum's own sample grid."""

from __future__ import annotations

import numpy as np

from sparkseis.core.decorator import seismic_function
from sparkseis.core.errors import ArgumentError, ErrorSeverity
from sparkseis.core.seismic import BasicSeismic, round_half_away
from sparkseis.core.timewindow import TimeWindow

_MODES = ("kill", "truncate", "pad")


def window_bounds(win_start: float | TimeWindow, win_end: float | None) -> tuple[float, float]:
    """(start, end) s from two numbers or one TimeWindow; ArgumentError unless start < end."""
    if isinstance(win_start, TimeWindow):
        if win_end is not None:
            raise ArgumentError("WindowData: give a TimeWindow or win_start and win_end, not both")
        win_start, win_end = win_start.start, win_start.end
    if win_end is None:
        raise ArgumentError("WindowData: win_end is missing")
    start, end = float(win_start), float(win_end)
    if not end > start:
        raise ArgumentError(f"WindowData: window end ({end} s) must be after start ({start} s)")
    return start, end


def _check_window(
    win_start, win_end=None, t0shift=None, short_segment_handling="kill", log_recoverable_errors=True
) -> None:
    window_bounds(win_start, win_end)
    if t0shift is not None and not isinstance(t0shift, (str, int, float)):
        raise ArgumentError(f"WindowData: t0shift must be seconds or a metadata key, got {type(t0shift).__name__}")


@seismic_function(validate=_check_window)
def WindowData(
    d: BasicSeismic,
    win_start: float | TimeWindow,
    win_end: float | None = None,
    t0shift: float | str | None = None,
    short_segment_handling: str = "kill",
    log_recoverable_errors: bool = True,
) -> BasicSeismic:
    """Cut a time window out of a datum on its own sample grid (MsPASS's WindowData).

    Parameters
    ----------
    d : TimeSeries or Seismogram
    win_start, win_end : float
        Window start and end (s), in the datum's time (relative or epoch); or a TimeWindow as
        win_start and no win_end.
    t0shift : float or str, optional
        Seconds added to both ends, or the metadata key holding them (e.g. "Ptime").
    short_segment_handling : {"kill", "truncate", "pad"}
        A window partly outside the data kills the datum, is clipped to the data, or is
        zero-filled. A window wholly outside kills in every mode; an unknown mode kills too.
    log_recoverable_errors : bool
        Log a Complaint when a window is truncated or padded.

    Returns
    -------
    A new datum: t0 = t0 + i*dt with i = sample_number(start), npts = round((end - start)/dt) + 1
    (halves rounded away from zero, as MsPASS); or the input, killed with the reason.

    Examples
    --------
    >>> import numpy as np
    >>> from sparkseis import TimeSeries
    >>> w = WindowData(TimeSeries(np.arange(1000.0), 0.0, 0.01), 2.0, 3.0)
    >>> w.npts, w.t0, float(w.data[0])
    (101, 2.0, 200.0)
    >>> WindowData(TimeSeries(np.arange(1000.0), 0.0, 0.01), 20.0, 30.0).live
    False
    """
    if short_segment_handling not in _MODES:  # MsPASS: the datum dies saying so, the call does not raise
        d.kill_with("WindowData", f"short_segment_handling must be one of {_MODES}, got {short_segment_handling!r}")
        return d
    start, end = window_bounds(win_start, win_end)
    if isinstance(t0shift, str):
        if not d.is_defined(t0shift):
            d.kill_with("WindowData", f"t0shift key '{t0shift}' is not defined")
            return d
        t0shift = float(d[t0shift])
    if t0shift:
        start += t0shift
        end += t0shift
    if end < d.t0 or start > d.endtime():
        span = f"[{d.t0}, {d.endtime()}]"
        d.kill_with("WindowData", f"window [{start}, {end}] s is entirely outside the data span {span} s")
        return d
    i_start = d.sample_number(start)
    n = round_half_away((end - start) / d.dt) + 1
    i_end = i_start + n - 1
    if i_start >= 0 and i_end < d.npts:
        out = d.copy(d.data[..., i_start : i_end + 1].copy())
        out.t0 = d.t0 + i_start * d.dt
        return out
    span = f"[{d.t0}, {d.endtime()}]"
    if short_segment_handling == "kill":
        d.kill_with("WindowData", f"window [{start}, {end}] s is partly outside the data span {span} s")
        return d
    lo, hi = max(i_start, 0), min(i_end, d.npts - 1)
    if short_segment_handling == "truncate":
        out = d.copy(d.data[..., lo : hi + 1].copy())
        out.t0 = d.t0 + lo * d.dt
        what = f"truncated to {hi - lo + 1} of {n} samples"
    else:
        padded = np.zeros(d.data.shape[:-1] + (n,), dtype=np.float64)
        padded[..., lo - i_start : hi - i_start + 1] = d.data[..., lo : hi + 1]
        out = d.copy(padded)
        out.t0 = d.t0 + i_start * d.dt
        what = f"zero-padded {n - (hi - lo + 1)} of {n} samples"
    if log_recoverable_errors:
        out.elog.log_error(
            "WindowData",
            f"window [{start}, {end}] s partly outside data span {span} s: {what}",
            ErrorSeverity.Complaint,
        )
    return out


def _check_cut(decimator, win_start, win_end, t0shift="Ptime") -> None:
    window_bounds(win_start, win_end)
    from sparkseis.algorithms.resample import ScipyDecimator

    if not isinstance(decimator, ScipyDecimator):
        raise ArgumentError(f"cut_for_window: decimator must be a ScipyDecimator, got {type(decimator).__name__}")


@seismic_function(validate=_check_cut)
def cut_for_window(
    d: BasicSeismic, decimator, win_start: float, win_end: float, t0shift: str = "Ptime"
) -> BasicSeismic:
    """Keep only the input samples that decimator's output in [win_start, win_end] s after
    d[t0shift] depends on: the window plus the filter's settling margin, cut on the decimation
    grid, so decimating the cut gives that window's samples as decimating the whole record does
    (bit for bit at factors 2 and 4, within 2e-13 relative up to 40). d is left whole when it
    will not be decimated by an integer factor, lacks t0shift, or the window is not well inside
    the decimated data: the later steps then see the whole record and decide as they would
    have (kill reasons included)."""
    q = decimator.dec_factor(d)
    if not d.is_defined(t0shift):
        return d
    cut = window_cut(d.npts, d.t0, d.dt, decimator, q, float(d[t0shift]), win_start, win_end)
    if cut is None:
        return d
    a, b = cut
    d.data = np.ascontiguousarray(d.data[..., a:b])
    d.t0 = d.t0 + a * d.dt
    return d


def window_cut(
    npts: int, t0: float, dt: float, decimator, q: int, shift: float, win_start: float, win_end: float
) -> tuple[int, int] | None:
    """[a, b): the input samples (of npts from t0, every dt s) that decimating by q gives the
    window [win_start, win_end] s after shift from, the filter's settling margin included and
    cut on the decimation grid; None when there is nothing to cut (q < 2, no samples) or the
    window is not well inside the decimated data (then the whole record is kept)."""
    from sparkseis.algorithms.resample import settling_samples

    if q < 2 or npts == 0:
        return None
    start, end = window_bounds(win_start, win_end)
    dt_out = q * dt
    last_out = (npts - 1) // q  # the last decimated sample: ceil(npts/q) samples in all
    i_start = round_half_away((start + shift - t0) / dt_out)
    i_end = i_start + round_half_away((end - start) / dt_out)
    if i_start < 1 or i_end > last_out - 1:
        return None
    margin = settling_samples(decimator, q)
    return max(0, q * i_start - margin), min(npts, q * i_end + margin + 1)
