import pickle

import numpy as np
import obspy
import pytest
from obspy.geodetics import locations2degrees
from obspy.taup import TauPyModel

from sparkseis import ArgumentError, TimeSeries
from sparkseis.algorithms import TravelTimeCalculator, set_Ptime, shift_by_Ptime


@pytest.fixture(scope="module")
def calc():
    return TravelTimeCalculator("iasp91")


@pytest.fixture(scope="module")
def taup():
    return TauPyModel("iasp91")


def test_error_against_taup_over_depths_and_distances(calc, taup):
    rng = np.random.default_rng(2026)
    depths = np.concatenate([[0.0, 10.0, 20.0, 35.0, 210.0, 410.0, 660.0, 700.0], rng.uniform(0, 700, 12)])
    distances = np.concatenate([[0.5, 14.0, 19.5, 21.0, 25.0, 98.0, 99.9], rng.uniform(0, 100, 18)])
    worst, compared = 0.0, 0
    for depth in depths:
        for dist in distances:
            arrivals = taup.get_travel_times(depth, dist, ["p", "P"])
            ours = calc.travel_time(depth, dist, ("p", "P"))
            if not arrivals:
                assert np.isnan(ours), (depth, dist)
                continue
            worst = max(worst, abs(ours - arrivals[0].time))
            compared += 1
    assert compared > 400
    assert worst < 0.05


def test_pdiff_beyond_p_range(calc, taup):
    assert np.isnan(calc.travel_time(100.0, 120.0, ("p", "P")))
    ref = taup.get_travel_times(100.0, 120.0, ["Pdiff"])[0].time
    assert calc.travel_time(100.0, 120.0, ("p", "P", "Pdiff")) == pytest.approx(ref, abs=0.05)


def test_calculator_pickles_small(calc):
    calc.travel_time(33.0, 40.0)
    blob = pickle.dumps(calc)
    assert len(blob) < 500
    again = pickle.loads(blob)
    assert again.travel_time(33.0, 40.0) == pytest.approx(calc.travel_time(33.0, 40.0), abs=1e-9)


def test_set_Ptime_on_real_quake(calc, taup, okhotsk_dir):
    # Sea of Okhotsk 2013-05-24 hypocentre; TA.POKR coordinates from its StationXML
    event = obspy.read_events(str(okhotsk_dir / "quake.xml"))[0]
    origin = next(o for o in event.origins if "reforigin" in str(o.resource_id))
    inv = obspy.read_inventory(str(okhotsk_dir / "TA.POKR..BH_.xml"))
    coords = inv.get_coordinates("TA.POKR..BHZ", origin.time)
    tr = obspy.read(str(okhotsk_dir / "TA.POKR..BHZ.mseed"))[0]
    d = TimeSeries.from_trace(tr)
    d["source_lat"], d["source_lon"] = origin.latitude, origin.longitude
    d["source_depth"], d["source_time"] = origin.depth / 1000.0, origin.time.timestamp
    d["channel_lat"], d["channel_lon"] = coords["latitude"], coords["longitude"]
    set_Ptime(d, calc)
    assert d.live
    dist = locations2degrees(origin.latitude, origin.longitude, coords["latitude"], coords["longitude"])
    ref = origin.time.timestamp + taup.get_travel_times(origin.depth / 1000.0, dist, ["p", "P"])[0].time
    assert d["Ptime"] == pytest.approx(ref, abs=0.05)
    assert d["epicentral_distance"] == pytest.approx(dist)
    assert 0 <= d["esaz"] < 360 and 0 <= d["seaz"] < 360
    shift_by_Ptime(d)
    assert d.time_is_relative() and d.t0 == pytest.approx(tr.stats.starttime.timestamp - ref, abs=0.05)


def test_set_Ptime_kills_with_reason(calc):
    d = TimeSeries(np.zeros(10), 0.0, 1.0, {"source_lat": 0.0, "source_lon": 0.0, "source_depth": 10.0, "source_time": 0.0})
    set_Ptime(d, calc)
    assert d.dead() and "missing coordinates" in d.elog[0].message
    d = TimeSeries(np.zeros(10), 0.0, 1.0, {"source_lat": 0.0, "source_lon": 0.0, "source_depth": 10.0, "source_time": 0.0,
                                            "site_lat": 0.0, "site_lon": 130.0})
    set_Ptime(d, calc)
    assert d.dead() and "no p/P arrival" in d.elog[0].message and "Pdiff" in d.elog[0].message
    with pytest.raises(ArgumentError):
        set_Ptime(TimeSeries(np.zeros(3)), "iasp91")
