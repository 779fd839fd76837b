"""WindowData: cut a time window on the datum's own sample grid."""

from __future__ import annotations

import numpy as np

from sparkseis.algorithms.decorator import seismic_function
from sparkseis.core.errors import ArgumentError, ErrorSeverity
from sparkseis.core.seismic import BasicSeismic

_MODES = ("kill", "truncate", "pad")


def _check_window(start: float, end: float, t0shift: float | None = None, short_segment_handling: str = "kill") -> None:
    if not end > start:
        raise ArgumentError(f"WindowData: window end ({end} s) must be after start ({start} s)")
    if short_segment_handling not in _MODES:
        raise ArgumentError(f"WindowData: short_segment_handling must be one of {_MODES}, got {short_segment_handling!r}")


@seismic_function(validate=_check_window)
def WindowData(
    d: BasicSeismic,
    start: float,
    end: float,
    t0shift: float | None = None,
    short_segment_handling: str = "kill",
) -> BasicSeismic:
    """Cut [start, end] s (plus t0shift when given) keeping the sample grid.

    Output t0 = t0 + is*dt with is = sample_number(start) and npts = round((end-start)/dt) + 1.
    A window wholly outside the data kills in every mode; one partly outside kills ("kill"),
    is clipped to the data ("truncate") or zero-filled ("pad"). The window is a new datum;
    the input is left as it was (a kill marks the input, as MsPASS does).
    """
    if t0shift is not None:
        start += t0shift
        end += t0shift
    i_start = d.sample_number(start)
    n = int(round((end - start) / d.dt)) + 1
    i_end = i_start + n - 1
    span = f"[{d.t0}, {d.endtime()}]"
    if i_end < 0 or i_start >= d.npts:
        d.kill()
        d.elog.log_error("WindowData", f"window [{start}, {end}] s is entirely outside the data span {span} s", ErrorSeverity.Invalid)
        return d
    if i_start >= 0 and i_end < d.npts:
        out = d.copy(d.data[..., i_start : i_end + 1].copy())
        out.t0 = d.t0 + i_start * d.dt
        return out
    if short_segment_handling == "kill":
        d.kill()
        d.elog.log_error("WindowData", f"window [{start}, {end}] s is partly outside the data span {span} s", ErrorSeverity.Invalid)
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
    out.elog.log_error("WindowData", f"window [{start}, {end}] s partly outside data span {span} s: {what}", ErrorSeverity.Complaint)
    return out
