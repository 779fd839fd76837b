import math

import numpy as np
import obspy
import pytest
import scipy.signal

from sparkseis import ArgumentError, TimeSeries
from sparkseis.algorithms import ScipyDecimator, ScipyResampler, resample


def series(npts, rate, t0=100.0):
    rng = np.random.default_rng(7)
    return TimeSeries(rng.standard_normal(npts), t0, 1.0 / rate, {"sampling_rate": rate})


def test_decimator_selected_for_integer_ratio():
    d = resample(series(10_001, 40.0), ScipyDecimator(20.0), ScipyResampler(20.0))
    assert d.npts == math.ceil(10_001 / 2) and d.dt == pytest.approx(0.05) and d.t0 == 100.0
    assert d["sampling_rate"] == 20.0 and d["npts"] == d.npts and d["delta"] == d.dt


def test_resampler_selected_otherwise():
    d = resample(series(10_001, 50.0), ScipyDecimator(20.0), ScipyResampler(20.0))
    assert d.npts == int(10_001 * 0.02 * 20.0) and d.samprate() == pytest.approx(20.0) and d.t0 == 100.0


def test_ratio_one_untouched():
    d = series(1000, 20.0)
    before = d.data.copy()
    out = resample(d, ScipyDecimator(20.0), ScipyResampler(20.0))
    np.testing.assert_array_equal(out.data, before)
    assert out.dt == pytest.approx(0.05)


def test_dead_untouched():
    d = series(1000, 40.0)
    d.kill()
    assert resample(d, ScipyDecimator(20.0), ScipyResampler(20.0)).npts == 1000


def test_large_factor_is_one_scipy_call_as_mspass():
    d = series(40_000, 200.0)
    ref = scipy.signal.decimate(d.data, 40, ftype="iir", zero_phase=True)
    d = resample(d, ScipyDecimator(5.0), ScipyResampler(5.0))
    assert d.npts == 1000 and d.samprate() == pytest.approx(5.0)
    np.testing.assert_array_equal(d.data, ref)


def test_short_datum_decimated_not_killed():
    # 255 samples at 100 sps to 5 sps: MsPASS decimates it to 13 samples in one scipy call
    d = series(255, 100.0)
    ref = scipy.signal.decimate(d.data, 20, ftype="iir", zero_phase=True)
    d = resample(d, ScipyDecimator(5.0), ScipyResampler(5.0))
    assert d.live and d.npts == 13
    np.testing.assert_array_equal(d.data, ref)


def test_too_short_for_the_filter_kills_with_reason():
    d = resample(series(20, 100.0), ScipyDecimator(5.0), ScipyResampler(5.0))
    assert d.dead() and d.elog[0].algorithm == "ScipyDecimator.resample"


def test_dec_factor_follows_mspass():
    dec = ScipyDecimator(20.0)
    assert dec.dec_factor(series(10, 40.0)) == 2
    assert dec.dec_factor(series(10, 20.0)) == 1
    assert dec.dec_factor(series(10, 10.0)) == 0  # needs upsampling: the FFT resampler
    assert dec.dec_factor(series(10, 50.0)) == -1  # 2.5: the FFT resampler


def test_operator_methods_follow_the_dead_data_rule():
    d = ScipyDecimator(20.0).resample(series(100, 50.0))
    assert d.dead() and "not an integer fraction" in d.elog[0].message
    d = series(100, 40.0)
    d.kill()
    assert ScipyDecimator(20.0).resample(d).npts == 100


def test_fft_length_as_mspass_on_epoch_times():
    d = series(84_000, 40.0, t0=1369374000.0)
    n = int((d.endtime() - d.t0 + d.dt) * 15.0)
    assert resample(d, ScipyDecimator(15.0), ScipyResampler(15.0)).npts == n


def test_matches_scipy_on_real_quake(okhotsk_dir):
    tr = obspy.read(str(okhotsk_dir / "AE.113A..BHZ.mseed"))[0]
    d = resample(TimeSeries.from_trace(tr), ScipyDecimator(20.0), ScipyResampler(20.0))
    ref = scipy.signal.decimate(tr.data.astype(float), 2, ftype="iir", zero_phase=True)
    np.testing.assert_allclose(d.data, ref, rtol=1e-12, atol=1e-9)
    d = resample(TimeSeries.from_trace(tr), ScipyDecimator(15.0), ScipyResampler(15.0))
    n = int(tr.stats.npts * tr.stats.delta * 15.0)
    ref = scipy.signal.resample(tr.data.astype(float), n, window="hann")
    np.testing.assert_allclose(d.data, ref, rtol=1e-12, atol=1e-9)


def test_bad_rates():
    with pytest.raises(ArgumentError, match="positive"):
        ScipyResampler(-20.0)
    with pytest.raises(ArgumentError, match="positive"):
        ScipyDecimator(0)
    with pytest.raises(ArgumentError, match="different rates"):
        resample(series(10, 40.0), ScipyDecimator(20.0), ScipyResampler(10.0))
