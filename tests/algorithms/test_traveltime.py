import pickle

import numpy as np
import obspy
import pytest
from obspy.geodetics import gps2dist_azimuth, kilometers2degrees, locations2degrees
from obspy.taup import TauPyModel

from sparkseis import ArgumentError, TimeSeries
from sparkseis.algorithms import TravelTimeCalculator, epicentral_distance, set_Ptime, shift_by_Ptime


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


def _okhotsk_pokr(okhotsk_dir):
    """The Okhotsk hypocentre and TA.POKR's BHZ record with its coordinates."""
    event = obspy.read_events(str(okhotsk_dir / "quake.xml"))[0]
    origin = next(o for o in event.origins if "reforigin" in str(o.resource_id))
    inv = obspy.read_inventory(str(okhotsk_dir / "TA.POKR..BH_.xml"))
    coords = inv.get_coordinates("TA.POKR..BHZ", origin.time)
    tr = obspy.read(str(okhotsk_dir / "TA.POKR..BHZ.mseed"))[0]
    d = TimeSeries.from_trace(tr)
    d["source_lat"], d["source_lon"] = origin.latitude, origin.longitude
    d["source_depth"], d["source_time"] = origin.depth / 1000.0, origin.time.timestamp
    d["channel_lat"], d["channel_lon"] = coords["latitude"], coords["longitude"]
    return origin, coords, tr, d


def tutorial_ptime(taup, src_lat, src_lon, depth, otime, sta_lat, sta_lon):
    """The MsPASS tutorial's P time, computed exactly as its notebook does."""
    dist = kilometers2degrees(gps2dist_azimuth(src_lat, src_lon, sta_lat, sta_lon)[0] / 1000.0)
    arrivals = taup.get_travel_times(source_depth_in_km=depth, distance_in_degree=dist, phase_list=["P"])
    return dist, (otime + arrivals[0].time if arrivals else None)


def test_set_Ptime_on_real_quake_is_the_tutorials(taup, okhotsk_dir):
    origin, coords, tr, d = _okhotsk_pokr(okhotsk_dir)
    set_Ptime(d, model=taup)  # the tutorial passes its TauPyModel
    assert d.live
    dist, ref = tutorial_ptime(
        taup,
        origin.latitude,
        origin.longitude,
        origin.depth / 1000.0,
        origin.time.timestamp,
        coords["latitude"],
        coords["longitude"],
    )
    assert d["Ptime"] == pytest.approx(ref, abs=0.001)
    assert d["epicentral_distance"] == pytest.approx(dist, abs=1e-12)
    assert d["epicentral_distance_method"] == "geodesic"
    assert 0 <= d["esaz"] < 360 and 0 <= d["seaz"] < 360
    shift_by_Ptime(d)
    assert d.time_is_relative() and d.t0 == pytest.approx(tr.stats.starttime.timestamp - ref, abs=0.001)


def test_distance_methods_differ_as_documented(taup, okhotsk_dir):
    origin, coords, _, _ = _okhotsk_pokr(okhotsk_dir)
    args = (origin.latitude, origin.longitude, coords["latitude"], coords["longitude"])
    geodesic = epicentral_distance(*args)[0]
    spherical = epicentral_distance(*args, method="spherical")[0]
    geocentric = epicentral_distance(*args, method="geocentric")[0]
    assert spherical == pytest.approx(locations2degrees(*args))
    # geocentric: the arc between geocentric latitudes, checked against the unit-sphere vectors
    f = 1 / 298.257223563
    lat1, lat2 = (np.arctan((1 - f) ** 2 * np.tan(np.radians(x))) for x in (args[0], args[2]))
    lon1, lon2 = np.radians(args[1]), np.radians(args[3])
    v1 = np.array([np.cos(lat1) * np.cos(lon1), np.cos(lat1) * np.sin(lon1), np.sin(lat1)])
    v2 = np.array([np.cos(lat2) * np.cos(lon2), np.cos(lat2) * np.sin(lon2), np.sin(lat2)])
    assert geocentric == pytest.approx(np.degrees(np.arccos(v1 @ v2)), abs=1e-9)
    assert len({round(geodesic, 4), round(spherical, 4), round(geocentric, 4)}) == 3
    for method in ("geocentric", "spherical"):
        _, _, _, d = _okhotsk_pokr(okhotsk_dir)
        set_Ptime(d, "iasp91", distance=method)
        assert d["epicentral_distance_method"] == method
        assert d["epicentral_distance"] == pytest.approx(epicentral_distance(*args, method=method)[0])


def destination(lat: float, lon: float, bearing: float, arc: float) -> tuple[float, float]:
    """The point arc degrees from (lat, lon) along bearing on a sphere (placement only)."""
    la, lo, b, a = (np.radians(x) for x in (lat, lon, bearing, arc))
    lat2 = np.arcsin(np.sin(la) * np.cos(a) + np.cos(la) * np.sin(a) * np.cos(b))
    lon2 = lo + np.arctan2(np.sin(b) * np.sin(a) * np.cos(la), np.cos(a) - np.sin(la) * np.sin(lat2))
    return float(np.degrees(lat2)), float((np.degrees(lon2) + 180.0) % 360.0 - 180.0)


def test_ptime_equals_taup_P_at_tutorial_distance_on_a_grid(taup):
    """Within 5 ms of TauP "P" at kilometers2degrees(gps2dist_azimuth) over depths 0-700 km and
    distances 0-100 deg (stations placed along a meridian and a slant path)."""
    worst, compared, dead_agree = 0.0, 0, 0
    for depth in (0.0, 10.0, 35.0, 100.0, 250.0, 410.0, 600.0, 700.0):
        for target in (0.3, 2.0, 10.0, 18.0, 25.0, 40.0, 60.0, 80.0, 97.0, 99.9):
            for src_lat, src_lon, bearing in ((10.0, 20.0, 0.0), (-35.0, 150.0, 57.0)):
                sta_lat, sta_lon = destination(src_lat, src_lon, bearing, target)
                d = TimeSeries(
                    np.zeros(10),
                    0.0,
                    1.0,
                    {
                        "source_lat": src_lat,
                        "source_lon": src_lon,
                        "source_depth": depth,
                        "source_time": 1e9,
                        "channel_lat": sta_lat,
                        "channel_lon": sta_lon,
                    },
                )
                set_Ptime(d)
                _, ref = tutorial_ptime(taup, src_lat, src_lon, depth, 1e9, sta_lat, sta_lon)
                if ref is None:
                    assert d.dead() and "no P arrival" in d.elog[0].message
                    dead_agree += 1
                    continue
                assert d.live
                worst = max(worst, abs(d["Ptime"] - ref))
                compared += 1
    assert compared > 100 and dead_agree > 0
    assert worst < 0.005, worst


def test_model_forms_agree(taup, calc):
    base = {
        "source_lat": 0.0,
        "source_lon": 0.0,
        "source_depth": 33.0,
        "source_time": 0.0,
        "site_lat": 0.0,
        "site_lon": 50.0,
    }
    times = set()
    for model in (None, "iasp91", taup, calc, TravelTimeCalculator("iasp91")):
        d = TimeSeries(np.zeros(10), 0.0, 1.0, dict(base))
        set_Ptime(d, model=model)
        times.add(round(d["Ptime"], 9))
    assert len(times) == 1
    with pytest.raises(ArgumentError, match="cannot be loaded"):
        set_Ptime(TimeSeries(np.zeros(3), 0.0, 1.0, dict(base)), model="no_such_model")
    with pytest.raises(ArgumentError, match="distance"):
        set_Ptime(TimeSeries(np.zeros(3), 0.0, 1.0, dict(base)), distance="flat")


def test_taup_model_pickles_to_its_name_once_registered(taup):
    from sparkseis.algorithms.traveltime import register_taup_pickling

    register_taup_pickling()  # what importing sparkseis.spark does
    blob = pickle.dumps(taup)
    assert len(blob) < 200
    assert (
        pickle.loads(blob).get_travel_times(10.0, 30.0, ["P"])[0].time
        == taup.get_travel_times(10.0, 30.0, ["P"])[0].time
    )


def test_set_Ptime_kills_with_reason(calc):
    d = TimeSeries(
        np.zeros(10), 0.0, 1.0, {"source_lat": 0.0, "source_lon": 0.0, "source_depth": 10.0, "source_time": 0.0}
    )
    set_Ptime(d, calc)
    assert d.dead() and "missing coordinates" in d.elog[0].message
    far = {
        "source_lat": 0.0,
        "source_lon": 0.0,
        "source_depth": 10.0,
        "source_time": 0.0,
        "site_lat": 0.0,
        "site_lon": 130.0,
    }
    d = TimeSeries(np.zeros(10), 0.0, 1.0, dict(far))
    set_Ptime(d, calc)
    assert d.dead() and "no P arrival" in d.elog[0].message and "Pdiff" in d.elog[0].message
    d = TimeSeries(np.zeros(10), 0.0, 1.0, dict(far))
    set_Ptime(d, calc, use_pdiff=True)
    assert d.live and d["Ptime"] > 0
    with pytest.raises(ArgumentError):
        set_Ptime(TimeSeries(np.zeros(3)), 42)
