"""Algorithms behave as MsPASS documents them beyond the tutorial's cells."""

import numpy as np
import obspy.signal.filter
import pytest

from sparkseis import ArgumentError, SeismicError, TimeSeries
from sparkseis.algorithms import ScipyDecimator, ScipyResampler, WindowData, filter, resample
from sparkseis.algorithms.window import cut_for_window


def series(npts=1000, dt=0.01):
    return TimeSeries(np.random.default_rng(3).standard_normal(npts), 0.0, dt)


def test_window_with_an_unknown_short_segment_mode_kills_the_datum():
    d = WindowData(series(), 2.0, 3.0, short_segment_handling="notvalid")
    assert d.dead() and "notvalid" in d.elog[0].message


def test_mismatched_resampler_pair_is_a_seismic_error():
    with pytest.raises(SeismicError, match="different rates"):
        resample(series(), ScipyDecimator(20.0), ScipyResampler(10.0))
    with pytest.raises(TypeError, match="ScipyDecimator"):
        resample(series(), ScipyResampler(20.0), ScipyResampler(20.0))


def test_resamplers_carry_their_target():
    assert ScipyResampler(20.0).samprate == 20.0 and ScipyDecimator(5.0).samprate == 5.0
    assert ScipyResampler(20.0).target_samprate() == 20.0 and ScipyDecimator(5.0).target_dt() == 0.2


def test_cut_for_window_takes_only_a_decimator():
    with pytest.raises(ArgumentError, match="ScipyDecimator"):
        cut_for_window(series(), ScipyResampler(20.0), -1.0, 1.0)


def test_lowpass_cheby_2_equals_obspy():
    d = series(4000, 0.025)
    expected = obspy.signal.filter.lowpass_cheby_2(d.data.copy(), freq=2.0, df=40.0, maxorder=12)
    out = filter(d, type="lowpass_cheby_2", freq=2.0, maxorder=12)
    assert out.live and np.array_equal(out.data, expected)
