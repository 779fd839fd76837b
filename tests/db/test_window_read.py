"""Reading only a window's records (read_for_window, with the segment mean kept at import)
gives the windows of whole-record processing on every shipped record: the same live/dead and
reasons, samples bit for bit with window-first processing of the whole record and within
1e-9 relative of full-record processing (2e-13 measured), for five rates and five windows."""

import numpy as np
import pytest

from sparkseis.algorithms.chains import p_window_steps, run_steps
from sparkseis.db.normalize import MiniseedMatcher, OriginTimeMatcher, normalize
from sparkseis.db.window_read import can_defer, deferred_timeseries, read_for_window


@pytest.fixture(scope="module")
def matchers(shipped_db):
    return [
        MiniseedMatcher(shipped_db, "channel"),
        OriginTimeMatcher(shipped_db, "source", t0offset=0.0, tolerance=400.0),
    ]


def test_every_shipped_segment_keeps_its_mean(shipped_db):
    for doc in shipped_db.wf_miniseed.find({}):
        assert can_defer(doc), doc["dfile"]
        d = shipped_db.read_data(doc)
        assert doc["sample_mean"] == d.data.mean() and doc["sample_sum"] == d.data.sum()


@pytest.mark.parametrize("rate", [20.0, 10.0, 5.0, 2.5, 1.0])
@pytest.mark.parametrize("window", [(-100.0, 600.0), (-30.0, 90.0), (-800.0, 100.0), (2500.0, 3200.0), (-1000.0, 0.0)])
def test_reading_the_window_equals_reading_the_record(shipped_db, matchers, rate, window):
    full_steps = p_window_steps("iasp91", rate, window, use_pdiff=True, window_first=False)
    first_steps = p_window_steps("iasp91", rate, window, use_pdiff=True, window_first=True)
    part_steps = p_window_steps(
        "iasp91", rate, window, use_pdiff=True, window_reader=read_for_window, reader_args=(shipped_db.settings,)
    )
    read_less = 0
    for doc in shipped_db.wf_miniseed.find({}):
        whole = shipped_db.read_data(doc, normalize=matchers)
        part = deferred_timeseries(doc, "wf_miniseed")
        for m in matchers:
            part = normalize(part, m)
        full, first, got = (
            run_steps(x, s) for x, s in ((whole.copy(), full_steps), (whole.copy(), first_steps), (part, part_steps))
        )
        where = (doc["sta"], doc["chan"], doc["starttime"])
        assert got.live == full.live, (where, list(got.elog))
        if not full.live:
            assert [e.message for e in got.elog] == [e.message for e in full.elog], where
            continue
        assert got.npts == full.npts and got.dt == full.dt and got.t0 == first.t0, where
        assert np.array_equal(got.data, first.data), where
        assert np.max(np.abs(got.data - full.data)) <= 1e-9 * np.max(np.abs(full.data)), where
        read_less += 1
    assert read_less > 0 or window == (-1000.0, 0.0)
