import numpy as np
import obspy
import pytest

from sparkseis import ArgumentError, Seismogram, TimeSeries
from sparkseis.algorithms import detrend, filter, taper


@pytest.fixture(scope="module")
def example_trace():
    return obspy.read()[0]  # ObsPy's real example record, 100 samples/s


@pytest.fixture(scope="module")
def quake_trace(okhotsk_dir):
    return obspy.read(str(okhotsk_dir / "TA.POKR..BHZ.mseed"))[0]


@pytest.mark.parametrize("kind", ["constant", "demean", "linear", "simple"])
def test_detrend_matches_obspy(example_trace, quake_trace, kind):
    for tr in (example_trace, quake_trace):
        ref = tr.copy()
        ref.data = ref.data.astype(float)
        ref.detrend(kind)
        d = detrend(TimeSeries.from_trace(tr), type=kind)
        np.testing.assert_allclose(d.data, ref.data, rtol=1e-12, atol=1e-9 * np.abs(ref.data).max())


def test_detrend_polynomial_matches_obspy(example_trace):
    ref = example_trace.copy()
    ref.data = ref.data.astype(float)
    ref.detrend("polynomial", order=3)
    d = detrend(TimeSeries.from_trace(example_trace), type="polynomial", order=3)
    np.testing.assert_allclose(d.data, ref.data, rtol=1e-10, atol=1e-8)


@pytest.mark.parametrize(
    "kind, options",
    [
        ("bandpass", {"freqmin": 0.05, "freqmax": 2.0, "corners": 4, "zerophase": True}),
        ("lowpass", {"freq": 1.0}),
        ("highpass", {"freq": 0.1, "corners": 2}),
    ],
)
def test_filter_matches_obspy(quake_trace, kind, options):
    ref = quake_trace.copy()
    ref.data = ref.data.astype(float)
    ref.filter(kind, **options)
    d = filter(TimeSeries.from_trace(quake_trace), type=kind, **options)
    np.testing.assert_allclose(d.data, ref.data, rtol=1e-12, atol=1e-12 * np.abs(ref.data).max())


def test_taper_matches_obspy(example_trace):
    ref = example_trace.copy()
    ref.data = ref.data.astype(float)
    ref.taper(0.1, type="hann")
    d = taper(TimeSeries.from_trace(example_trace), 0.1)
    np.testing.assert_allclose(d.data, ref.data, rtol=1e-12)


def test_seismogram_rows_processed_independently(example_trace):
    st = obspy.read()
    s = Seismogram(np.vstack([tr.data for tr in st]), 0.0, 0.01)
    detrend(s, type="linear")
    for row, tr in zip(s.data, st):
        ref = tr.copy()
        ref.data = ref.data.astype(float)
        ref.detrend("linear")
        np.testing.assert_allclose(row, ref.data, atol=1e-9)


def test_bad_arguments():
    d = TimeSeries(np.zeros(10), 0.0, 0.1)
    with pytest.raises(ArgumentError, match="detrend: type"):
        detrend(d, type="quadratic")
    with pytest.raises(ArgumentError, match="freq must be a positive"):
        filter(d, type="lowpass", freq=-1.0)
    with pytest.raises(ArgumentError):
        taper(d, 0.9)


def test_filter_failure_kills():
    d = TimeSeries(np.ones(100), 0.0, 0.1)  # 10 samples/s: the whole band is above Nyquist
    with pytest.warns(UserWarning, match="Nyquist"):
        filter(d, type="bandpass", freqmin=6.0, freqmax=8.0)
    # ObsPy falls back to a high-pass at 6 Hz, which it then rejects: the datum dies with the reason
    assert d.dead() and d.elog[0].algorithm == "filter" and d.elog[0].message
