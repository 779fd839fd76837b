"""detrend, filter and taper with ObsPy's meaning (and ObsPy's code where it has it)."""

from __future__ import annotations

import numpy as np

from sparkseis.algorithms.deferred_imports import scipy_signal
from sparkseis.core.decorator import seismic_function
from sparkseis.core.errors import ArgumentError
from sparkseis.core.seismic import BasicSeismic

_DETRENDS = ("constant", "demean", "linear", "simple", "polynomial", "spline")
_FILTERS = ("bandpass", "bandstop", "lowpass", "highpass", "lowpass_cheby_2")


def _rows(d: BasicSeismic) -> list[np.ndarray]:
    """The 1-D sample arrays of a datum (one for TimeSeries, three for Seismogram)."""
    return [d.data] if d.data.ndim == 1 else list(d.data)


def _check_detrend(type: str = "constant", **options) -> None:
    if type not in _DETRENDS:
        raise ArgumentError(f"detrend: type must be one of {_DETRENDS}, got {type!r}")
    if type in ("polynomial", "spline") and "order" not in options:
        raise ArgumentError(f"detrend: type={type!r} needs order=")
    if type == "spline" and "dspline" not in options:
        raise ArgumentError("detrend: type='spline' needs dspline= (samples between spline nodes)")


@seismic_function(validate=_check_detrend)
def detrend(d: BasicSeismic, type: str = "constant", **options) -> BasicSeismic:
    """Remove the mean ("constant"/"demean"), a line ("linear"), the end-to-end line ("simple"),
    a polynomial (order=) or a spline (order=, dspline=), as ObsPy's Trace.detrend does.

    The samples change in place; the datum is returned.

    >>> import numpy as np
    >>> from sparkseis import TimeSeries
    >>> detrend(TimeSeries(np.array([1.0, 2.0, 3.0]), 0.0, 1.0)).data
    array([-1.,  0.,  1.])
    """
    if type in ("constant", "demean"):
        d.data -= d.data.mean(axis=-1, keepdims=True)
    elif type == "linear":
        d.data = scipy_signal().detrend(d.data, axis=-1, type="linear")
    else:
        import obspy.signal.detrend as obspy_detrend  # here: obspy.signal costs every Spark worker 0.6 s to import

        func = getattr(obspy_detrend, type)
        for row in _rows(d):
            row[:] = func(row.copy(), **options)
    return d


def _check_filter(type: str = "bandpass", **options) -> None:
    if type not in _FILTERS:
        raise ArgumentError(f"filter: type must be one of {_FILTERS}, got {type!r}")
    needs = ("freqmin", "freqmax") if type in ("bandpass", "bandstop") else ("freq",)
    missing = [k for k in needs if k not in options]
    if missing:
        raise ArgumentError(f"filter: type={type!r} needs {' and '.join(k + '=' for k in missing)} (Hz)")
    if type == "lowpass_cheby_2" and (options.get("ba") or options.get("freq_passband")):
        raise ArgumentError(
            "filter: lowpass_cheby_2 filters the samples; ba= and freq_passband= (filter design only) are not supported"
        )
    for key in ("freq", "freqmin", "freqmax"):
        if key in options and not (isinstance(options[key], (int, float)) and options[key] > 0):
            raise ArgumentError(f"filter: {key} must be a positive frequency in Hz, got {options[key]!r}")


@seismic_function(validate=_check_filter)
def filter(d: BasicSeismic, type: str = "bandpass", **options) -> BasicSeismic:
    """Filter in place with ObsPy's obspy.signal.filter: Butterworth bandpass/bandstop/lowpass/
    highpass (freq or freqmin/freqmax in Hz, corners, zerophase) and the Chebyshev-II
    lowpass_cheby_2 (freq in Hz, maxorder). Missing or non-positive frequencies raise ArgumentError.

    >>> import numpy as np
    >>> from sparkseis import TimeSeries
    >>> d = filter(TimeSeries(np.ones(100), 0.0, 0.01), type="highpass", freq=1.0, zerophase=True)
    >>> bool(abs(d.data[50]) < 0.1)
    True
    """
    import obspy.signal.filter as obspy_filter  # here: see detrend

    func = getattr(obspy_filter, type)
    df = d.samprate()
    for row in _rows(d):
        row[:] = func(row, df=df, **options)
    return d


def _check_taper(
    max_percentage: float = 0.05, type: str = "hann", max_length: float | None = None, side: str = "both"
) -> None:
    if max_percentage is not None and not 0 <= max_percentage <= 0.5:
        raise ArgumentError(f"taper: max_percentage must be within [0, 0.5], got {max_percentage!r}")
    if side not in ("both", "left", "right"):
        raise ArgumentError(f"taper: side must be 'both', 'left' or 'right', got {side!r}")


@seismic_function(validate=_check_taper)
def taper(
    d: BasicSeismic,
    max_percentage: float = 0.05,
    type: str = "hann",
    max_length: float | None = None,
    side: str = "both",
) -> BasicSeismic:
    """Taper the ends in place as ObsPy's Trace.taper does (max_percentage of the length on
    each side, max_length in s).

    >>> import numpy as np
    >>> from sparkseis import TimeSeries
    >>> taper(TimeSeries(np.ones(100), 0.0, 0.01), 0.1).data[0]
    np.float64(0.0)
    """
    from obspy import Trace

    for row in _rows(d):
        tr = Trace(data=row.copy(), header={"delta": d.dt})
        tr.taper(max_percentage, type=type, max_length=max_length, side=side)
        row[:] = tr.data
    return d
