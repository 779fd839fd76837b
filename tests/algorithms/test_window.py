import numpy as np
import pytest

from sparkseis import ArgumentError, Seismogram, TimeSeries, TimeSeriesEnsemble, TimeWindow
from sparkseis.algorithms import WindowData


def ramp(npts=1000, t0=0.0, dt=0.01):
    return TimeSeries(np.arange(npts, dtype=float), t0, dt)


def test_window_on_sample_grid():
    d = WindowData(ramp(), 2.0, 3.0)
    assert d.live and d.npts == 101 and d.t0 == pytest.approx(2.0)
    np.testing.assert_array_equal(d.data, np.arange(200, 301, dtype=float))


def test_quarter_sample_offset_preserved():
    # grid offset by a quarter sample: output stays on the input grid
    d = WindowData(ramp(t0=0.0025), 2.0, 3.0)
    assert d.npts == 101
    assert d.t0 == pytest.approx(0.0025 + 200 * 0.01)
    assert (d.t0 - 0.0025) / 0.01 == pytest.approx(200)


@pytest.mark.parametrize("mode", ["kill", "truncate", "pad"])
@pytest.mark.parametrize("window", [(20.0, 30.0), (-30.0, -20.0)])
def test_outside_kills_in_every_mode_with_one_entry(mode, window):
    d = WindowData(ramp(), *window, short_segment_handling=mode)
    assert d.dead()
    assert len(d.elog) == 1 and "entirely outside" in d.elog[0].message


def test_partial_kill_mode():
    d = WindowData(ramp(), 9.0, 11.0)
    assert d.dead() and "partly outside" in d.elog[0].message


def test_truncate_clips():
    d = WindowData(ramp(), 9.0, 11.0, short_segment_handling="truncate")
    assert d.live and d.npts == 100 and d.t0 == pytest.approx(9.0)
    assert d.data[-1] == 999.0
    d = WindowData(ramp(), -1.0, 0.5, short_segment_handling="truncate")
    assert d.npts == 51 and d.t0 == pytest.approx(0.0) and d.data[0] == 0.0


def test_pad_zero_fills():
    d = WindowData(ramp(), -1.0, 0.5, short_segment_handling="pad")
    assert d.live and d.npts == 151 and d.t0 == pytest.approx(-1.0)
    np.testing.assert_array_equal(d.data[:100], 0.0)
    np.testing.assert_array_equal(d.data[100:], np.arange(51, dtype=float))
    d = WindowData(ramp(), 9.0, 11.0, short_segment_handling="pad")
    assert d.npts == 201 and np.all(d.data[100:] == 0.0) and d.data[99] == 999.0


def test_t0shift():
    d = WindowData(ramp(t0=100.0), 2.0, 3.0, t0shift=100.0)
    assert d.npts == 101 and d.t0 == pytest.approx(102.0) and d.data[0] == 200.0


def test_dead_untouched():
    d = ramp()
    d.kill()
    out = WindowData(d, 2.0, 3.0)
    assert out.npts == 1000 and len(out.elog) == 0


def test_bad_arguments_raise():
    with pytest.raises(ArgumentError, match="must be after start"):
        WindowData(ramp(), 3.0, 2.0)
    # an unknown short_segment_handling kills the datum instead (MsPASS's rule: tests/algorithms/test_mspass_algorithms.py)


def test_seismogram_and_ensemble():
    s = WindowData(Seismogram(np.vstack([np.arange(1000.0)] * 3), 0.0, 0.01), 2.0, 3.0)
    assert s.data.shape == (3, 101)
    e = WindowData(TimeSeriesEnsemble([ramp(), ramp(t0=50.0)]), 2.0, 3.0)
    assert e.member[0].live and e.member[1].dead()


def test_programming_error_propagates_instead_of_killing():
    d = ramp()
    d.data = None  # broken object: a bug, not bad data
    with pytest.raises((TypeError, AttributeError)):
        WindowData(d, 2.0, 3.0)


def test_input_left_intact():
    d = ramp()
    w = WindowData(d, 2.0, 3.0)
    assert w is not d and d.npts == 1000 and d.t0 == 0.0
    w["extra"] = 1
    assert not d.is_defined("extra")


def test_t0shift_as_metadata_key_and_time_window():
    d = TimeSeries(np.arange(1000.0), 0.0, 0.01, {"Ptime": 4.0})
    by_key = WindowData(d, -2.0, -1.0, t0shift="Ptime")
    by_number = WindowData(d, -2.0, -1.0, t0shift=4.0)
    by_window = WindowData(d, TimeWindow(2.0, 3.0))
    for w in (by_key, by_number, by_window):
        assert w.live and w.npts == 101 and w.t0 == pytest.approx(2.0)
        np.testing.assert_array_equal(w.data, np.arange(200.0, 301.0))
    missing = WindowData(TimeSeries(np.arange(10.0), 0.0, 1.0), 0.0, 1.0, t0shift="Ptime")
    assert missing.dead() and "'Ptime' is not defined" in missing.elog[0].message
    with pytest.raises(ArgumentError):
        WindowData(d, TimeWindow(2.0, 3.0), 5.0)


def test_start_sample_is_the_one_mspass_picks():
    """is = round((start - t0)/dt), halves away from zero as C's round (MsPASS's C++)."""
    rng = np.random.default_rng(11)
    for _ in range(200):
        t0 = 1369374000.0 + rng.uniform(0, 1)
        d = TimeSeries(np.arange(20_000.0), t0, 0.05)
        start = t0 + rng.uniform(10, 100)
        w = WindowData(d, start, start + 700.0)
        x = (start - t0) / 0.05
        expected = int(np.floor(x + 0.5))
        assert w.t0 == d.t0 + expected * 0.05 and w.data[0] == expected and w.npts == 14001
    half = TimeSeries(np.arange(10.0), 0.0, 1.0)
    assert WindowData(half, 2.5, 4.5).data[0] == 3.0  # Python's round(2.5) would say 2
