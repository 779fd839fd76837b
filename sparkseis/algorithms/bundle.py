"""bundle_seed_data: Seismograms from one ensemble of single-channel data, one per complete
SEED component set (net, sta, loc and the first two letters of chan: band and instrument),
as MsPASS bundles them; every set that cannot make one ends as a dead Seismogram saying why."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from sparkseis.core.coordinates import channel_direction
from sparkseis.core.ensemble import SeismogramEnsemble, TimeSeriesEnsemble
from sparkseis.core.errors import ArgumentTypeError, ErrorSeverity
from sparkseis.core.seismic import Seismogram, TimeSeries

HANG, VANG = "channel_hang", "channel_vang"  # degrees: azimuth from north, angle from up
_ALGORITHM = "bundle_seed_data"


def _key(d: TimeSeries) -> tuple[str, str, str, str]:
    return (str(d.get("net", "")), str(d.get("sta", "")), str(d.get("loc", "") or ""), str(d.get("chan", ""))[:2])


def _dead(members: list[TimeSeries], why: str) -> Seismogram:
    """A dead Seismogram carrying the first member's header (net, sta, ...) and the reason."""
    md = {k: v for k, v in members[0].items() if k not in (HANG, VANG)}
    out = Seismogram(None, members[0].t0, members[0].dt, md)
    out.kill_with(_ALGORITHM, why, ErrorSeverity.Invalid)
    return out


def _same(a: TimeSeries, b: TimeSeries) -> bool:
    return a.t0 == b.t0 and a.dt == b.dt and a.npts == b.npts and np.array_equal(a.data, b.data)


def bundle_group(members: list[TimeSeries]) -> Seismogram:
    """One Seismogram from the members of one (net, sta, loc, band+instrument) set; dead with
    the reason if a member is dead, a component is missing or repeated with other samples,
    there are more than three, the sample intervals disagree (by half a sample over the data,
    MsPASS's rule), a component has no orientation, or the components share no time span."""
    name = ".".join(_key(members[0]))
    if any(m.dead() for m in members):
        return _dead(members, f"{name}: a member is dead")
    by_chan: dict[str, list[TimeSeries]] = defaultdict(list)
    for m in members:
        by_chan[str(m["chan"])].append(m)
    for chan, copies in by_chan.items():
        if any(not _same(copies[0], c) for c in copies[1:]):
            return _dead(members, f"{name}: {len(copies)} different {chan} components (duplicates that disagree)")
    chans = sorted(by_chan, reverse=True)  # MsPASS's order: descending codes (Z, N, E; Z, 2, 1)
    if len(chans) != 3:
        have = ", ".join(chans)
        return _dead(members, f"{name}: {len(chans)} components ({have}), a Seismogram needs 3")
    ts = [by_chan[c][0] for c in chans]
    dts = [t.dt for t in ts]
    if max(dts) != min(dts) and (max(dts) - min(dts)) * ts[0].npts > ts[0].dt / 2.0:
        return _dead(members, f"{name}: inconsistent sample intervals ({', '.join(f'{dt:g}' for dt in dts)} s)")
    missing = [c for c, t in zip(chans, ts) if not (t.is_defined(HANG) and t.is_defined(VANG))]
    if missing:
        return _dead(members, f"{name}: no orientation ({HANG}, {VANG}) for {', '.join(missing)}")
    dt = ts[0].dt
    if len({t.npts for t in ts}) == 1 and all(abs(t.t0 - ts[0].t0) / dt < 1.0 for t in ts):
        t0, data = ts[0].t0, np.stack([t.data for t in ts])
    else:  # MsPASS's cut: latest start to earliest end, round((end - start)/dt) samples
        start, end = max(t.t0 for t in ts), min(t.endtime() for t in ts)
        n = round((end - start) / dt)
        if n <= 0:
            return _dead(members, f"{name}: the components share no time span")
        t0, data = start, np.empty((3, n))
        for i, t in enumerate(ts):
            first = t.sample_number(start)
            data[i] = t.data[first : first + n]
    md = {k: v for k, v in ts[0].items() if k not in (HANG, VANG)}
    tmatrix = np.stack([channel_direction(float(t[HANG]), float(t[VANG])) for t in ts])
    out = Seismogram(data, t0, dt, md, tmatrix=tmatrix)
    out.force_time_reference(ts[0].tref, ts[0].t0shift)
    return out


def bundle_seed_data(ensemble: TimeSeriesEnsemble) -> SeismogramEnsemble:
    """A SeismogramEnsemble (the input's ensemble metadata) of one Seismogram per (net, sta,
    loc, band+instrument) set of the members, in SEED order: its components in descending
    channel code order as MsPASS sorts them (BHZ, BHN, BHE), its transformation matrix from
    their channel_hang/channel_vang; dead ones for sets that cannot be bundled (bundle_group's
    reasons). Every member ends in exactly one output."""
    if not isinstance(ensemble, TimeSeriesEnsemble):
        raise ArgumentTypeError(f"bundle_seed_data: needs a TimeSeriesEnsemble, got {type(ensemble).__name__}")
    groups: dict[tuple, list[TimeSeries]] = defaultdict(list)
    for m in ensemble.member:
        groups[_key(m)].append(m)
    out = SeismogramEnsemble([bundle_group(groups[k]) for k in sorted(groups)], ensemble.todict())
    out.live = ensemble.live
    return out


def BundleSEEDGroup(d: TimeSeriesEnsemble | list | tuple, i0: int = 0, iend: int = 2) -> Seismogram:  # noqa: N802
    """MsPASS's name: one Seismogram from members d[i0] .. d[iend] (inclusive) of an ensemble,
    list or tuple of TimeSeries, which must be one (net, sta, loc, band+instrument) set;
    dead with the reason (bundle_group's, or members of several sets) when they cannot make one."""
    if isinstance(d, TimeSeriesEnsemble):
        members = list(d.member)
    elif isinstance(d, (list, tuple)):
        members = list(d)
    else:
        raise ArgumentTypeError(
            f"BundleSEEDGroup: d must be a TimeSeriesEnsemble, list, or tuple, got {type(d).__name__}"
        )
    if not all(isinstance(m, TimeSeries) for m in members):
        raise ArgumentTypeError("BundleSEEDGroup: every input element must be a TimeSeries")
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in (i0, iend)):
        raise ValueError(f"BundleSEEDGroup: i0 and iend must be integers, got {i0!r} and {iend!r}")
    if not 0 <= i0 <= iend < len(members):
        raise ValueError(f"BundleSEEDGroup: indices must satisfy 0 <= i0 <= iend < {len(members)}, got {i0}, {iend}")
    group = members[i0 : iend + 1]
    sets = {_key(m) for m in group}
    if len(sets) > 1:
        names = ", ".join(".".join(k) for k in sorted(sets))
        return _dead(group, f"members {i0}..{iend} are of {len(sets)} component sets ({names})")
    return bundle_group(group)
