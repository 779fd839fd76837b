"""Change the sampling rate: integer-factor decimation or FFT resampling (SciPy), with
MsPASS's choice between them and MsPASS's output lengths, so both systems give the same samples."""

from __future__ import annotations

import functools
import math

import numpy as np

from sparkseis.algorithms.deferred_imports import scipy_signal
from sparkseis.core.decorator import seismic_function
from sparkseis.core.errors import ArgumentError, ArgumentTypeError, SeismicError
from sparkseis.core.seismic import BasicSeismic


def _check_rate(sampling_rate: float) -> float:
    if not (isinstance(sampling_rate, (int, float)) and math.isfinite(sampling_rate) and sampling_rate > 0):
        raise ArgumentError(f"sampling_rate must be a positive number of samples/s, got {sampling_rate!r}")
    return float(sampling_rate)


class _Resampler:
    """The target of a resampling operator: `sampling_rate` (samples/s) and `dt` (s)."""

    def __init__(self, sampling_rate: float):
        self.sampling_rate = _check_rate(sampling_rate)
        self.dt = 1.0 / self.sampling_rate

    @property
    def samprate(self) -> float:
        """The target rate (samples/s), under MsPASS's name."""
        return self.sampling_rate

    def target_samprate(self) -> float:
        return self.sampling_rate

    def target_dt(self) -> float:
        return self.dt

    def dec_factor(self, d: BasicSeismic) -> int:
        """The integer factor that decimates d to the target rate: 1 means no change, 0 that d
        needs upsampling, -1 that the ratio is not an integer (MsPASS's test: the truncated
        ratio of sample intervals, accepted when numpy.isclose to the ratio)."""
        ratio = self.dt / d.dt
        q = int(ratio)
        if np.isclose(ratio, float(q)):
            return q
        return 0 if q == 0 else -1


def _set_rate(d: BasicSeismic, data: np.ndarray, dt: float) -> BasicSeismic:
    d.data = np.ascontiguousarray(data, dtype=np.float64)
    d.set_dt(dt)
    return d


class ScipyResampler(_Resampler):
    """FFT resampling (scipy.signal.resample) to `sampling_rate` samples/s; t0 unchanged.

    >>> ScipyResampler(20.0).samprate, ScipyResampler(20.0).dt
    (20.0, 0.05)

    npts_out = int((endtime - t0 + dt) * rate), computed in that order as MsPASS does: on epoch
    times the subtraction rounds, and the integer part must come out the same.
    """

    def __init__(self, sampling_rate: float, window: str | None = "hann"):
        super().__init__(sampling_rate)
        self.window = window

    def resample(self, d: BasicSeismic) -> BasicSeismic:
        """d resampled in place (dead data pass; a failure kills d with the reason)."""
        return _fft_resample(d, self)


class ScipyDecimator(_Resampler):
    """Anti-alias and decimate (scipy.signal.decimate, one call with the whole factor, as MsPASS)
    by the integer factor from the datum's rate to `sampling_rate`; npts_out = ceil(npts/q),
    t0 unchanged. Data whose rate is not an integer multiple of the target are killed.

    >>> import numpy as np
    >>> from sparkseis import TimeSeries
    >>> d = ScipyDecimator(20.0).resample(TimeSeries(np.zeros(1001), 0.0, 0.025))
    >>> d.live, d.npts, d.dt
    (True, 501, 0.05)"""

    def __init__(self, sampling_rate: float, n: int | None = None, ftype: str = "iir", zero_phase: bool = True):
        super().__init__(sampling_rate)
        self.n = n
        self.ftype = ftype
        self.zero_phase = zero_phase

    def resample(self, d: BasicSeismic) -> BasicSeismic:
        """d decimated in place (dead data pass; a failure kills d with the reason)."""
        return _decimate(d, self)


@seismic_function(name="ScipyResampler.resample")
def _fft_resample(d: BasicSeismic, op: ScipyResampler) -> BasicSeismic:
    n = int((d.endtime() - d.t0 + d.dt) * op.sampling_rate)
    if n < 1:
        raise ValueError(f"resampling {d.npts} samples to {op.sampling_rate} samples/s leaves none")
    return _set_rate(d, scipy_signal().resample(d.data, n, axis=-1, window=op.window), op.dt)


@seismic_function(name="ScipyDecimator.resample")
def _decimate(d: BasicSeismic, op: ScipyDecimator) -> BasicSeismic:
    q = op.dec_factor(d)
    if q < 1:
        what = "smaller than" if q == 0 else "not an integer fraction of"
        raise ValueError(f"cannot decimate: sample interval {d.dt} s is {what} the target {op.dt} s")
    if q == 1:
        return d
    return _set_rate(d, _decimated(d.data, q, op), op.dt)


class ResamplerMismatchError(SeismicError, ArgumentError):
    """resample's decimator and resampler disagree (MsPASS raises its MsPASSError, Fatal)."""


def _check_pair(decimator: ScipyDecimator, resampler: ScipyResampler) -> None:
    for role, op, kind in (("decimator", decimator, ScipyDecimator), ("resampler", resampler, ScipyResampler)):
        if not isinstance(op, kind):
            raise ArgumentTypeError(f"resample: {role} must be a {kind.__name__}, got {type(op).__name__}")
    if not np.isclose(decimator.dt, resampler.dt):
        raise ResamplerMismatchError(
            f"resample: decimator ({decimator.sampling_rate}) and resampler ({resampler.sampling_rate}) target different rates"
        )


@seismic_function(validate=_check_pair)
def resample(d: BasicSeismic, decimator: ScipyDecimator, resampler: ScipyResampler) -> BasicSeismic:
    """Bring d to the target rate (samples/s) of a decimator and resampler pair (MsPASS's rule).

    Untouched when the old/new ratio is 1; decimated (anti-alias filter, npts = ceil(npts/q))
    when it is an integer q > 1; FFT-resampled (npts = int(npts * dt_old * rate_new))
    otherwise. t0 is kept; dt and sampling_rate follow. A mismatched pair is a SeismicError.

    Examples
    --------
    >>> import numpy as np
    >>> from sparkseis import TimeSeries
    >>> raw = TimeSeries(np.random.default_rng(0).normal(size=4001), 0.0, 0.025)  # 40 samples/s
    >>> d = resample(raw, ScipyDecimator(20.0), ScipyResampler(20.0))
    >>> d.npts, d.dt, d["sampling_rate"]
    (2001, 0.05, 20.0)
    """
    q = decimator.dec_factor(d)
    if q == 1:
        return d
    if q > 1:
        return decimator.resample(d)
    return resampler.resample(d)


@functools.lru_cache(maxsize=32)
def _antialias(n: int, q: int) -> tuple[np.ndarray, np.ndarray, int]:
    """scipy.signal.decimate's IIR anti-alias filter for (order n, factor q), made once instead
    of once per datum: its sections, their steady-state initial conditions (sosfilt_zi), and
    sosfiltfilt's default odd-extension length (3 x the filter's taps) in samples."""
    signal = scipy_signal()
    sos = signal.cheby1(n, 0.05, 0.8 / q, output="sos")
    taps = 2 * len(sos) + 1 - min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    return sos, signal.sosfilt_zi(sos), 3 * taps


def _zero_phase(sos: np.ndarray, zi: np.ndarray, padlen: int, x: np.ndarray) -> np.ndarray:
    """scipy.signal.sosfiltfilt(sos, x, axis=-1) with its default odd extension, the same
    samples bit for bit, without designing the initial conditions again for every datum."""
    if x.shape[-1] <= padlen:
        return scipy_signal().sosfiltfilt(sos, x, axis=-1)  # too short: SciPy's own answer (its error)
    sosfilt = scipy_signal().sosfilt
    first, last = x[..., :1], x[..., -1:]
    # odd extension: the input mirrored through its end points, padlen samples on each side
    ext = np.concatenate((2 * first - x[..., padlen:0:-1], x, 2 * last - x[..., -2 : -padlen - 2 : -1]), axis=-1)
    state = zi.reshape((len(sos),) + (1,) * (x.ndim - 1) + (2,))
    forward, _ = sosfilt(sos, ext, axis=-1, zi=state * ext[..., :1])
    backward, _ = sosfilt(sos, forward[..., ::-1], axis=-1, zi=state * forward[..., -1:])
    return backward[..., ::-1][..., padlen:-padlen]


def _decimated(data: np.ndarray, q: int, op: ScipyDecimator) -> np.ndarray:
    """scipy.signal.decimate(data, q, n, ftype, zero_phase) (the same samples, bit for bit)."""
    if op.ftype == "iir" and op.zero_phase:
        return _zero_phase(*_antialias(op.n or 8, q), data)[..., ::q]
    return scipy_signal().decimate(data, q, n=op.n, ftype=op.ftype, axis=-1, zero_phase=op.zero_phase)


def settling_samples(op: ScipyDecimator, q: int) -> int:
    """Input samples (a multiple of q) on each side of a span beyond which the decimator's
    zero-phase filter changes the span's output by at most 2e-13 relative (for the order-8
    Chebyshev: 0 at q = 2 and 4, 2e-13 at q = 40, on the shipped records)."""
    return 64 * (op.n or 8) * q
