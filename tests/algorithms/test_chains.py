"""Window-first processing gives the windows full-record processing gives, on every shipped
datum: same live/dead and kill reasons, samples bit for bit at decimation by 2 and 4, within
2e-13 relative up to decimation by 40 (what README and docstrings claim)."""

import numpy as np
import pytest
import scipy.signal

from sparkseis.algorithms.chains import p_window_steps, run_steps
from sparkseis.algorithms.resample import ScipyDecimator, _decimated
from sparkseis.db.normalize import MiniseedMatcher, OriginTimeMatcher


@pytest.fixture(scope="module")
def raw(shipped_db):
    matchers = [
        MiniseedMatcher(shipped_db, "channel"),
        OriginTimeMatcher(shipped_db, "source", t0offset=0.0, tolerance=400.0),
    ]
    return [shipped_db.read_data(doc, normalize=matchers) for doc in shipped_db.wf_miniseed.find({})]


# rates: decimation by 2, 4, 8, 16 and 40 of the 40 sps Okhotsk records, by 2 and 5 of the 5 sps rf
# ones, and FFT upsampling of the rf records (left whole); windows inside, across and beyond the data
@pytest.mark.parametrize("rate", [20.0, 10.0, 5.0, 2.5, 1.0])
@pytest.mark.parametrize("window", [(-100.0, 600.0), (-30.0, 90.0), (-800.0, 100.0), (2500.0, 3200.0), (-1000.0, 0.0)])
def test_window_first_equals_full_record_processing(raw, rate, window):
    full_steps = p_window_steps("iasp91", rate, window, use_pdiff=True, window_first=False)
    first_steps = p_window_steps("iasp91", rate, window, use_pdiff=True, window_first=True)
    compared = 0
    for d in raw:
        full, first = run_steps(d.copy(), full_steps), run_steps(d.copy(), first_steps)
        assert full.live == first.live, (d["sta"], d["chan"])
        if not full.live:
            assert [e.message for e in full.elog] == [e.message for e in first.elog]
            continue
        assert first.npts == full.npts and first.dt == full.dt
        # t0 is an epoch time until shifted: float64 resolves it to 2.4e-7 s, so the cut moves it by a few of those
        assert abs(first.t0 - full.t0) < 1e-6 and first.t0shift == full.t0shift
        if rate in (20.0, 10.0):
            assert np.array_equal(first.data, full.data), (d["sta"], d["chan"])
        assert np.max(np.abs(first.data - full.data)) <= 2e-13 * np.max(np.abs(full.data))
        compared += 1
    assert compared > 0 or window == (-1000.0, 0.0)  # the last one fits no datum: all die, for the same reasons


def test_cached_filter_decimates_as_scipy_bit_for_bit():
    rng = np.random.default_rng(3)
    x = rng.standard_normal(20_001).cumsum()
    for q in (2, 3, 5, 8, 20):
        assert np.array_equal(
            _decimated(x, q, ScipyDecimator(40.0 / q)), scipy.signal.decimate(x, q, ftype="iir", zero_phase=True)
        )


@pytest.mark.parametrize("q", [2, 4, 7, 40])
def test_zero_phase_filter_is_scipys_on_three_components_and_at_the_shortest_lengths(q):
    rng = np.random.default_rng(q)
    op = ScipyDecimator(40.0 / q)
    padlen = 3 * (2 * 4 + 1)  # sosfiltfilt's odd extension for the order-8 (4-section) design
    for n in (padlen + 1, padlen + 2, 1000, 30_049):
        three = rng.standard_normal((3, n)).cumsum(axis=1) + 1e6  # offset: cancellation shows
        expected = scipy.signal.decimate(three, q, ftype="iir", zero_phase=True, axis=-1)
        assert np.array_equal(_decimated(three, q, op), expected), n
        assert np.array_equal(_decimated(three[1], q, op), expected[1]), n
    with pytest.raises(ValueError, match="padlen"):  # too short: SciPy's own error, as before
        _decimated(np.ones(padlen), q, op)


def test_window_first_cuts_most_of_a_long_record(raw):
    from sparkseis.algorithms.window import cut_for_window

    d = next(x for x in raw if x["sta"] == "113A").copy()
    steps = p_window_steps("iasp91", 20.0, (-100.0, 600.0))
    d = run_steps(d, steps[:2])  # detrend, set_Ptime
    whole, t0, dt = d.npts, d.t0, d.dt
    cut = cut_for_window(d, ScipyDecimator(20.0), -100.0, 600.0)
    assert cut.live and cut.npts < whole / 5  # 700 s + margins of a 4,200 s record
    first = (cut.t0 - t0) / dt
    assert (
        first > 0 and abs(first - round(first)) < 1e-4 and round(first) % 2 == 0
    )  # inside, on the decimation grid (epoch t0: ~1e-7 s)
