"""The travel-time table against TauP called directly (TauPyModel.get_travel_times)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from obspy.taup import TauPyModel

from sparkseis import TimeSeries
from sparkseis.algorithms import traveltime_table as traveltime_table_module
from sparkseis.algorithms.traveltime import set_Ptime
from sparkseis.algorithms.traveltime_table import DISTANCE_STEP_DEG, TravelTimeTable, travel_time_table
from sparkseis.core.errors import ArgumentError

CASES = [("iasp91", ("P",)), ("iasp91", ("P", "Pdiff")), ("ak135", ("P",)), ("ak135", ("P", "Pdiff"))]
MAX_ERROR_S = 1e-3


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("traveltime")


@pytest.fixture(scope="module", params=CASES, ids=lambda c: f"{c[0]}-{'+'.join(c[1])}")
def case(request, cache):
    model, phases = request.param
    # built here, not taken from what an earlier test of this process kept in memory
    traveltime_table_module._TABLES.pop((model, phases), None)
    return model, phases, travel_time_table(model, phases, cache_dir=cache)


def _points(phases: tuple[str, ...]) -> list[tuple[float, float]]:
    """A dense grid and random points: depths 0-700 km, distances 0-100 deg (to 180 with Pdiff)."""
    far = 180.0 if "Pdiff" in phases else 100.0
    grid = [(z, x) for z in np.arange(0.0, 701.0, 50.0) for x in np.arange(0.0, far + 0.1, far / 40)]
    rng = np.random.default_rng(20261201)
    return grid + list(zip(rng.uniform(0.0, 700.0, 150), rng.uniform(0.0, far, 150)))


def test_table_matches_taup_within_a_millisecond(case):
    model_name, phases, table = case
    taup = TauPyModel(model_name)
    worst, compared = 0.0, 0
    for depth, distance in _points(phases):
        arrivals = taup.get_travel_times(float(depth), float(distance), list(phases))
        got = table.arrival(float(depth), float(distance))
        if not arrivals:
            assert got is None, (depth, distance, got)
            continue
        first = min(arrivals, key=lambda a: a.time)
        assert got is not None, (depth, distance)
        worst = max(worst, abs(got[0] - first.time))
        assert abs(got[0] - first.time) <= MAX_ERROR_S, (depth, distance, got[0], first.time)
        assert got[1] == pytest.approx(first.ray_param_sec_degree, abs=5e-3), (depth, distance)
        assert got[2] == pytest.approx(first.incident_angle, abs=0.02), (depth, distance)
        compared += 1
    assert compared > 500
    # most answers come from the table, not from TauP
    assert table.trusted_fraction(100.0) > 0.95


def test_teleseismic_queries_need_no_taup(case):
    _, _, table = case
    before = table.fallbacks
    rng = np.random.default_rng(7)
    for depth, distance in zip(rng.uniform(0.0, 700.0, 2000), rng.uniform(30.0, 95.0, 2000)):
        assert table.arrival(float(depth), float(distance)) is not None
    assert table.fallbacks == before


def test_untrusted_cells_ask_taup(case):
    """Where the first arrival changes branch (triplications, P to Pdiff, the end of P) the table
    does not interpolate: such a cell is answered by TauP itself, exactly."""
    model_name, phases, table = case
    state = table.arrays["state"].copy()
    state[np.diff(table.depths) == 0] = 0  # a discontinuity's zero-thickness row is never looked up
    taup = TauPyModel(model_name)
    asked = 0
    for k, j in np.argwhere(state[:, int(10 / DISTANCE_STEP_DEG) : int(100 / DISTANCE_STEP_DEG)] == 1)[::97]:
        j += int(10 / DISTANCE_STEP_DEG)
        depth = float(0.5 * (table.depths[k] + table.depths[k + 1]))
        distance = float((j + 0.5) * DISTANCE_STEP_DEG)
        before = table.fallbacks
        got = table.arrival(depth, distance)
        assert table.fallbacks == before + 1
        arrivals = taup.get_travel_times(depth, distance, list(phases))
        if arrivals:
            assert got[0] == min(a.time for a in arrivals)
            asked += 1
    assert asked
    # the end of the P branch (the core shadow) is never interpolated across
    if phases == ("P",):
        shadow = int(round(99.0 / DISTANCE_STEP_DEG)), int(round(101.0 / DISTANCE_STEP_DEG))
        assert not (state[0, shadow[0] : shadow[1]] == 0).all()


def test_cache_and_pickle_give_the_same_table(case, cache):
    model_name, phases, table = case
    copy = pickle.loads(pickle.dumps(table))
    assert isinstance(copy, TravelTimeTable) and copy.phases == phases
    loaded = [p for p in cache.iterdir() if p.name.startswith(model_name) and p.suffix == ".npz"]
    assert loaded, "the built table was not written to the cache folder"
    for name, values in table.arrays.items():
        np.testing.assert_array_equal(copy.arrays[name], values)
    assert copy.arrival(33.0, 47.25) == table.arrival(33.0, 47.25)


def test_set_Ptime_with_a_table_sets_ray_parameter_and_incidence(cache):
    table = travel_time_table("iasp91", ("P",), cache_dir=cache)
    md = {
        "source_lat": 0.0,
        "source_lon": 0.0,
        "source_depth": 123.4,
        "source_time": 1000.0,
        "channel_lat": 10.0,
        "channel_lon": 50.0,
    }
    with_table = set_Ptime(TimeSeries(np.zeros(10), 1000.0, 1.0, dict(md)), table)
    with_taup = set_Ptime(TimeSeries(np.zeros(10), 1000.0, 1.0, dict(md)), "iasp91")
    first = TauPyModel("iasp91").get_travel_times(123.4, with_table["epicentral_distance"], ["P"])[0]
    assert with_table["Ptime"] - 1000.0 == pytest.approx(first.time, abs=MAX_ERROR_S)
    assert with_table["Ptime"] == pytest.approx(with_taup["Ptime"], abs=2e-3)
    assert with_table["ray_parameter"] == pytest.approx(first.ray_param_sec_degree, abs=5e-3)
    assert with_table["incidence_angle"] == pytest.approx(first.incident_angle, abs=0.02)
    assert with_taup["ray_parameter"] == pytest.approx(first.ray_param_sec_degree, abs=5e-3)
    with pytest.raises(ArgumentError, match="holds P"):
        set_Ptime(TimeSeries(np.zeros(10), 1000.0, 1.0, dict(md)), table, use_pdiff=True)
