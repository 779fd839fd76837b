"""Change the sampling rate: integer-factor decimation or FFT resampling (SciPy)."""

from __future__ import annotations

import math

import numpy as np
import scipy.signal

from sparkseis.algorithms.decorator import seismic_function
from sparkseis.core.errors import ArgumentError
from sparkseis.core.seismic import BasicSeismic

# Relative tolerance for calling a rate ratio an integer (miniSEED rates are exact in practice).
_RATIO_TOLERANCE = 1e-5


def _check_rate(sampling_rate: float) -> float:
    if not (isinstance(sampling_rate, (int, float)) and math.isfinite(sampling_rate) and sampling_rate > 0):
        raise ArgumentError(f"sampling_rate must be a positive number of samples/s, got {sampling_rate!r}")
    return float(sampling_rate)


def integer_ratio(rate_in: float, rate_out: float) -> int | None:
    """rate_in/rate_out as an int when it is one (within tolerance), else None."""
    ratio = rate_in / rate_out
    q = round(ratio)
    return q if q >= 1 and abs(ratio - q) <= _RATIO_TOLERANCE * ratio else None


def _set_rate(d: BasicSeismic, data: np.ndarray, rate: float) -> None:
    d.data = np.ascontiguousarray(data, dtype=np.float64)
    d.dt = 1.0 / rate
    if d.is_defined("sampling_rate"):
        d["sampling_rate"] = rate
    if d.is_defined("npts"):
        d["npts"] = d.npts


class ScipyResampler:
    """FFT resampling (scipy.signal.resample) to `sampling_rate` samples/s;
    npts_out = int(npts*dt_old*rate_new), t0 unchanged."""

    def __init__(self, sampling_rate: float, window: str | None = "hann"):
        self.sampling_rate = _check_rate(sampling_rate)
        self.window = window

    @property
    def dt(self) -> float:
        return 1.0 / self.sampling_rate

    def resample(self, d: BasicSeismic) -> BasicSeismic:
        n = int(d.npts * d.dt * self.sampling_rate)
        if n < 1:
            raise ValueError(f"resampling {d.npts} samples to {self.sampling_rate} samples/s leaves none")
        _set_rate(d, scipy.signal.resample(d.data, n, axis=-1, window=self.window), self.sampling_rate)
        return d


class ScipyDecimator:
    """Anti-alias and decimate (scipy.signal.decimate) by the integer factor from the datum's
    rate to `sampling_rate`; npts_out = ceil(npts/q), t0 unchanged. Factors over 13 are done in
    stages, as SciPy advises for its IIR filter."""

    def __init__(self, sampling_rate: float, n: int | None = None, ftype: str = "iir", zero_phase: bool = True):
        self.sampling_rate = _check_rate(sampling_rate)
        self.n = n
        self.ftype = ftype
        self.zero_phase = zero_phase

    @property
    def dt(self) -> float:
        return 1.0 / self.sampling_rate

    @staticmethod
    def stages(q: int) -> list[int]:
        """Factor q into decimation stages of at most 13 each (largest first)."""
        factors, rest = [], q
        for p in range(13, 1, -1):
            while rest % p == 0 and rest > 1:
                factors.append(p)
                rest //= p
        if rest != 1:
            raise ValueError(f"decimation factor {q} has a prime factor over 13; use the FFT resampler")
        return factors

    @classmethod
    def stages_or_none(cls, q: int) -> list[int] | None:
        try:
            return cls.stages(q)
        except ValueError:
            return None

    def resample(self, d: BasicSeismic) -> BasicSeismic:
        q = integer_ratio(d.samprate(), self.sampling_rate)
        if q is None or q < 2:
            raise ValueError(f"cannot decimate {d.samprate()} to {self.sampling_rate} samples/s: not an integer factor > 1")
        data = d.data
        for stage in self.stages(q):
            data = scipy.signal.decimate(data, stage, n=self.n, ftype=self.ftype, axis=-1, zero_phase=self.zero_phase)
        _set_rate(d, data, self.sampling_rate)
        return d


def _check_pair(decimator: ScipyDecimator, resampler: ScipyResampler) -> None:
    if abs(decimator.sampling_rate - resampler.sampling_rate) > 1e-9 * resampler.sampling_rate:
        raise ArgumentError(
            f"resample: decimator ({decimator.sampling_rate}) and resampler ({resampler.sampling_rate}) target different rates"
        )


@seismic_function(validate=_check_pair)
def resample(d: BasicSeismic, decimator: ScipyDecimator, resampler: ScipyResampler) -> BasicSeismic:
    """Bring d to the common target rate: untouched at ratio 1, decimator at an integer ratio > 1,
    FFT resampler otherwise."""
    q = integer_ratio(d.samprate(), decimator.sampling_rate)
    if q == 1:
        return d
    if q is not None and max(ScipyDecimator.stages_or_none(q) or [99]) <= 13:
        return decimator.resample(d)
    return resampler.resample(d)
