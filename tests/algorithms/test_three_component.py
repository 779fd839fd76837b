"""Seismograms from the shipped three-component records (AE.113A, whose horizontals sit at 84.7
and 354.7 degrees, and TA.POKR), bundled and rotated, against ObsPy's rotations
(obspy.signal.rotate: rotate2zne, rotate_ne_rt, rotate_zne_lqt) and MsPASS's conventions."""

from __future__ import annotations

import math
import pickle

import numpy as np
import obspy
import pytest
from obspy.signal.rotate import rotate2zne, rotate_ne_rt, rotate_zne_lqt

from sparkseis import TimeSeries
from sparkseis.algorithms.bundle import BundleSEEDGroup, bundle_seed_data
from sparkseis.algorithms.three_component import (
    free_surface_transformation,
    rotate,
    rotate_to_standard,
    transform_to_LQT,
    transform_to_RTZ,
)
from sparkseis.core.coordinates import SphericalCoordinate, channel_direction
from sparkseis.core.ensemble import TimeSeriesEnsemble
from tests.support import DATA

BAZ, INCIDENCE = 305.3, 17.2  # degrees (any values: the rotations are compared, not the event)


def _members(station: str) -> list[TimeSeries]:
    """The station's three shipped records with channel_hang/vang from its StationXML."""
    net = "AE" if station == "113A" else "TA"
    inv = obspy.read_inventory(str(DATA / "okhotsk_2013" / f"{net}.{station}..BH_.xml"))
    out = []
    for chan in ("BHE", "BHN", "BHZ"):
        tr = obspy.read(str(DATA / "okhotsk_2013" / f"{net}.{station}..{chan}.mseed"))[0]
        ch = inv.select(location="", channel=chan, time=tr.stats.starttime)[0][0][0]
        d = TimeSeries.from_trace(tr)
        d["channel_hang"], d["channel_vang"], d["seaz"], d["ema"] = ch.azimuth, ch.dip + 90.0, BAZ, INCIDENCE
        out.append(d)
    return out


def _close(a, b, rel=1e-9):
    return np.max(np.abs(np.asarray(a) - np.asarray(b))) <= rel * np.max(np.abs(b))


@pytest.fixture(scope="module")
def bundled():
    members = _members("113A") + _members("POKR")
    ens = bundle_seed_data(TimeSeriesEnsemble(members[::-1], {"source_id": 1}))  # order does not matter
    assert len(ens) == 2 and all(s.live for s in ens.member) and ens["source_id"] == 1
    return {s["sta"]: (s, members[:3] if s["sta"] == "113A" else members[3:]) for s in ens.member}


def test_the_transformation_matrix_holds_each_channels_direction(bundled):
    s, comps = bundled["113A"]
    # MsPASS's component order: descending channel codes, BHZ, BHN, BHE
    expected = [channel_direction(c["channel_hang"], c["channel_vang"]) for c in comps[::-1]]
    h = math.radians(comps[0]["channel_hang"])
    assert abs(expected[2][0] - math.sin(h)) < 1e-15 and abs(expected[2][1] - math.cos(h)) < 1e-15
    assert np.allclose(s.tmatrix, expected, rtol=0, atol=1e-15) and not s.cardinal() and s.orthogonal()
    assert comps[0]["channel_hang"] == pytest.approx(84.7) and comps[1]["channel_hang"] == pytest.approx(354.7)
    assert "channel_hang" not in s and s["net"] == "AE" and s.npts == comps[0].npts
    assert np.array_equal(s.data, np.stack([c.data for c in comps[::-1]]))


def test_rotate_to_standard_equals_obspy_rotate2zne(bundled):
    for s, comps in bundled.values():
        args = []
        for c in comps:
            args += [c.data, c["channel_hang"], c["channel_vang"] - 90.0]  # ObsPy: dip down from horizontal
        z, n, e = rotate2zne(*args)
        d = rotate_to_standard(s.copy())
        # POKR's channels are cardinal to 1e-16 already: MsPASS leaves such data as they are
        assert d.cardinal() and np.allclose(d.tmatrix, np.eye(3), rtol=0, atol=1e-15)
        assert _close(d.data[0], e) and _close(d.data[1], n) and _close(d.data[2], z)


def test_rtz_equals_obspy_rotate_ne_rt_with_mspass_transverse(bundled):
    for s, _ in bundled.values():
        enz = rotate_to_standard(s.copy()).data
        r, t = rotate_ne_rt(enz[1], enz[0], BAZ)
        d = transform_to_RTZ(s.copy())
        assert _close(d.data[0], r) and _close(d.data[1], -t) and np.array_equal(d.data[2], enz[2])
        # the same by the angle itself (anticlockwise, degrees or radians)
        phi = 90.0 - (BAZ + 180.0)
        assert np.array_equal(transform_to_RTZ(s.copy(), phi=phi).data, d.data)
        assert _close(transform_to_RTZ(s.copy(), phi=math.radians(phi), angle_units="radians").data, d.data)


def test_lqt_equals_obspy_rotate_zne_lqt(bundled):
    for s, _ in bundled.values():
        enz = rotate_to_standard(s.copy()).data
        lq_t = rotate_zne_lqt(enz[2], enz[1], enz[0], BAZ, INCIDENCE)
        d = transform_to_LQT(s.copy())
        # L is ObsPy's; MsPASS's Q and T are ObsPy's turned by 180 degrees about L (both right handed)
        assert _close(d.data[0], lq_t[0]) and _close(d.data[1], -lq_t[1]) and _close(d.data[2], -lq_t[2])


def test_spherical_rotation_and_its_undoing(bundled):
    s, _ = bundled["POKR"]
    sc = SphericalCoordinate(1.0, math.radians(INCIDENCE), math.radians(90.0 - (BAZ - 180.0)))
    d = rotate(s.copy(), sc)
    nu = np.array([math.sin(sc.theta) * math.cos(sc.phi), math.sin(sc.theta) * math.sin(sc.phi), math.cos(sc.theta)])
    assert np.allclose(d.tmatrix[2], nu, atol=1e-15) and abs(d.tmatrix[0][2]) < 1e-15  # x3 along the ray, x1 flat
    assert np.allclose(rotate(s.copy(), nu).data, d.data, rtol=0, atol=1e-9 * np.abs(d.data).max())
    assert _close(rotate_to_standard(d).data, rotate_to_standard(s.copy()).data)


def test_free_surface_transformation(bundled):
    s, _ = bundled["113A"]
    p = 0.0575  # s/km: a teleseismic P (6.4 s/deg / 111.19)
    az = math.radians(BAZ + 180.0)  # propagation direction, from north
    u = (p * math.sin(az), p * math.cos(az))
    a0, b0 = 6.0, 3.5
    d = free_surface_transformation(s.copy(), uvec=u, vp0=a0, vs0=b0)
    assert d.live and not d.orthogonal()
    # rows: SH = half the horizontal transverse; SV and P mix the horizontal radial and the vertical
    qa, qb = math.sqrt(1 / a0**2 - p**2), math.sqrt(1 / b0**2 - p**2)
    vsr, vpr = (1 - 2 * b0**2 * p**2) / (2 * b0 * qb), p * b0**2 / a0
    vsz, vpz = p * b0, -(1 - 2 * b0**2 * p**2) / (2 * a0 * qa)
    radial, transverse = np.array([math.sin(az), math.cos(az), 0.0]), np.array([math.cos(az), -math.sin(az), 0.0])
    up = np.array([0.0, 0.0, 1.0])
    expected = [0.5 * transverse, vsr * radial + vpr * up, -vsz * radial - vpz * up]
    assert np.allclose(d.tmatrix, expected, rtol=0, atol=1e-12)
    assert _close(rotate_to_standard(d.copy()).data, rotate_to_standard(s.copy()).data)  # undone within roundoff
    slow = free_surface_transformation(s.copy(), uvec=(0.2, 0.0), vp0=6.0, vs0=3.5)  # 5 km/s < vp0
    assert slow.dead() and "evanescent" in slow.elog[-1].message


def test_bad_bundles_are_dead_seismograms_with_reasons():
    members = _members("113A")
    other_rate = members[1].copy()
    other_rate.dt = 0.05
    no_orientation = members[2].copy()
    del no_orientation["channel_hang"]
    changed = members[0].copy()
    changed.data[5] += 1.0
    cases = {
        "missing": ([members[0], members[1]], "2 components (BHN, BHE), a Seismogram needs 3"),
        "rate": ([members[0], other_rate, members[2]], "inconsistent sample intervals"),
        "orientation": (
            [members[0], members[1], no_orientation],
            "no orientation (channel_hang, channel_vang) for BHZ",
        ),
        "duplicate": ([members[0], changed, members[1], members[2]], "2 different BHE components"),
    }
    for label, (group, why) in cases.items():
        out = bundle_seed_data(TimeSeriesEnsemble(group))
        assert len(out) == 1 and out.member[0].dead(), label
        assert why in out.member[0].elog[-1].message and out.member[0]["sta"] == "113A", label
    # pure duplicates are one component; a dead member kills its set only
    twice = bundle_seed_data(TimeSeriesEnsemble([*members, members[0].copy()]))
    assert twice.member[0].live
    dead = members[2].copy()
    dead.kill()
    mixed = bundle_seed_data(TimeSeriesEnsemble([members[0], members[1], dead, *_members("POKR")]))
    assert [s.live for s in mixed.member] == [False, True] and "a member is dead" in mixed.member[0].elog[-1].message


def test_components_cut_to_their_common_span_as_mspass_does():
    members = _members("POKR")
    late = members[1].copy(members[1].data[40:].copy())
    late.t0 += 40 * late.dt
    s = bundle_seed_data(TimeSeriesEnsemble([members[0], late, members[2]])).member[0]
    n = round((min(m.endtime() for m in (members[0], late, members[2])) - late.t0) / late.dt)
    assert s.live and s.t0 == late.t0 and s.npts == n
    # rows BHZ, BHN, BHE
    assert np.array_equal(s.data[2], members[0].data[40 : 40 + n]) and np.array_equal(s.data[1], late.data[:n])


def test_seismograms_keep_their_matrix_through_copies_and_pickles(bundled):
    s, _ = bundled["113A"]
    for other in (s.copy(), pickle.loads(pickle.dumps(s))):
        assert np.array_equal(other.tmatrix, s.tmatrix) and other == s
    dead = s.copy()
    dead.kill()
    assert np.array_equal(rotate(dead, 1.0).data, s.data)  # dead data pass untouched


def test_bundle_seed_group_takes_a_range_of_an_ensemble_list_or_tuple():
    """MsPASS's BundleSEEDGroup(d, i0, iend): members i0..iend (inclusive) make one Seismogram,
    the same from a TimeSeriesEnsemble, a list or a tuple; a range across stations is dead."""
    members = _members("113A") + _members("POKR")
    for m in members:
        m["loc"] = ""
    whole = bundle_seed_data(TimeSeriesEnsemble(members)).member
    for container in (members, tuple(members), TimeSeriesEnsemble(members)):
        first, second = BundleSEEDGroup(container, 0, 2), BundleSEEDGroup(container, 3, 5)
        for got, want in ((first, whole[0]), (second, whole[1])):
            assert got.live and got["sta"] == want["sta"]
            assert np.array_equal(got.data, want.data) and np.array_equal(got.tmatrix, want.tmatrix)
    across = BundleSEEDGroup(members, 1, 3)
    assert across.dead() and "2 component sets" in across.elog.worst_errors()[0].message
    assert BundleSEEDGroup(members, 0, 1).dead()  # two components


@pytest.mark.parametrize("container", [(m for m in []), set(), None, np.zeros(3)])
def test_bundle_seed_group_refuses_other_containers(container):
    with pytest.raises(TypeError, match="TimeSeriesEnsemble, list, or tuple"):
        BundleSEEDGroup(container)


def test_bundle_seed_group_refuses_other_elements_and_bad_ranges():
    members = _members("113A")
    with pytest.raises(TypeError, match="every input element"):
        BundleSEEDGroup([members[0], object(), members[2]])
    for i0, iend in ((-1, 2), (2, 1), (0, 3), (0.0, 2), (0, "2"), (True, 2), (0, False)):
        with pytest.raises(ValueError, match="i0 and iend|indices must satisfy"):
            BundleSEEDGroup(members, i0, iend)
    with pytest.raises(ValueError, match="indices must satisfy"):
        BundleSEEDGroup([], 0, 2)
