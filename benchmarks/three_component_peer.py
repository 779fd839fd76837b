"""Three-component processing against MsPASS 2.4.3 itself (../shared/peer builds it): the
shipped AE.113A and TA.POKR records bundled (bundle_seed_data), then rotate_to_standard,
transform_to_RTZ, transform_to_LQT and free_surface_transformation, by both systems; prints
the largest differences of transformation matrices and samples.

    PEER=/work/peer_scratch .venv/bin/python benchmarks/three_component_peer.py

The MsPASS side runs in the peer's own Python ($PEER/mspass-venv/bin/python), from the same
files with the same channel orientations (StationXML azimuth, dip + 90).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
BAZ, EMA, SLOWNESS, VP0, VS0 = 305.3, 17.2, 0.0575, 6.0, 3.5  # degrees, s/km, km/s
SAMPLES = slice(1000, 1400)

PEER_SIDE = r"""
import json, math, sys
import numpy as np, obspy
from mspasspy.util.converter import Trace2TimeSeries
from mspasspy.ccore.seismic import TimeSeries, TimeSeriesEnsemble, Seismogram, SlownessVector
from mspasspy.algorithms.bundle import bundle_seed_data
from mspasspy.algorithms.basic import transform_to_RTZ, transform_to_LQT, rotate_to_standard
data, baz, ema, p, vp0, vs0, a, b = sys.argv[1], *map(float, sys.argv[2:7]), int(sys.argv[7]), int(sys.argv[8])
BAD_CASES = json.loads(sys.argv[9])
out = {}
for net, sta in (("AE", "113A"), ("TA", "POKR")):
    inv = obspy.read_inventory(f"{data}/{net}.{sta}..BH_.xml")
    ens = TimeSeriesEnsemble()
    for chan in ("BHE", "BHN", "BHZ"):
        tr = obspy.read(f"{data}/{net}.{sta}..{chan}.mseed")[0]
        ch = inv.select(location="", channel=chan, time=tr.stats.starttime)[0][0][0]
        d = Trace2TimeSeries(tr)
        d["net"], d["sta"], d["chan"], d["loc"] = net, sta, chan, ""
        d["channel_hang"], d["channel_vang"], d["seaz"], d["ema"] = ch.azimuth, ch.dip + 90.0, baz, ema
        ens.member.append(d)
    ens.set_live()
    s = bundle_seed_data(ens).member[0]
    res = {"bundled": [np.array(s.tmatrix).tolist(), np.array(s.data)[:, a:b].tolist()]}
    steps = (("rotate_to_standard", rotate_to_standard), ("transform_to_RTZ", transform_to_RTZ),
             ("transform_to_LQT", transform_to_LQT))
    for name, f in steps:
        x = Seismogram(s)
        x = f(x) or x
        res[name] = [np.array(x.tmatrix).tolist(), np.array(x.data)[:, a:b].tolist()]
    az = math.radians(baz + 180.0)
    x = Seismogram(s)
    x.free_surface_transformation(SlownessVector(p * math.sin(az), p * math.cos(az), 0.0), vp0, vs0)
    res["free_surface_transformation"] = [np.array(x.tmatrix).tolist(), np.array(x.data)[:, a:b].tolist()]
    out[sta] = res

def members():
    inv = obspy.read_inventory(f"{data}/AE.113A..BH_.xml")
    ds = []
    for chan in ("BHE", "BHN", "BHZ"):
        tr = obspy.read(f"{data}/AE.113A..{chan}.mseed")[0]
        ch = inv.select(location="", channel=chan, time=tr.stats.starttime)[0][0][0]
        d = Trace2TimeSeries(tr)
        d["net"], d["sta"], d["chan"], d["loc"] = "AE", "113A", chan, ""
        d["channel_hang"], d["channel_vang"] = ch.azimuth, ch.dip + 90.0
        ds.append(d)
    return ds

exec(sys.argv[10])  # spoil(), shared with the sparkseis side
bad = {}
for case in BAD_CASES:
    ds = spoil(members(), case, TimeSeries)
    ens = TimeSeriesEnsemble()
    for d in ds:
        ens.member.append(d)
    ens.set_live()
    got = bundle_seed_data(ens)
    bad[case] = [[bool(m.live), "; ".join(e.message.strip() for e in m.elog.get_error_log())] for m in got.member]
out["bad"] = bad
print(json.dumps(out))
"""
# How each bad case spoils AE.113A's (BHE, BHN, BHZ): one source, run by both systems (copy:
# each system's way of copying a TimeSeries).
SPOIL = """
def spoil(ds, case, copy):
    if case == "missing BHZ":
        return ds[:2]
    if case == "BHN at another rate":
        ds[1].dt = 0.05
    elif case == "BHE without orientation":
        ds[0].erase("channel_hang")
    elif case == "BHZ twice, different samples":
        twin = copy(ds[2])
        twin.data[100] += 1.0
        ds.append(twin)
    elif case == "BHZ twice, identical":
        ds.append(copy(ds[2]))
    return ds
"""
_spoil_namespace: dict = {}
exec(SPOIL, _spoil_namespace)
spoil = _spoil_namespace["spoil"]
BAD_CASES = (
    "missing BHZ",
    "BHN at another rate",
    "BHE without orientation",
    "BHZ twice, different samples",
    "BHZ twice, identical",
)


def ours(station: str) -> dict:
    from sparkseis.algorithms import (
        bundle_seed_data,
        free_surface_transformation,
        rotate_to_standard,
        transform_to_LQT,
        transform_to_RTZ,
    )
    from sparkseis.core.ensemble import TimeSeriesEnsemble
    from tests.algorithms.test_three_component import _members

    s = bundle_seed_data(TimeSeriesEnsemble(_members(station))).member[0]
    az = math.radians(BAZ + 180.0)
    u = (SLOWNESS * math.sin(az), SLOWNESS * math.cos(az))
    done = {"bundled": s}
    for name, f in (
        ("rotate_to_standard", rotate_to_standard),
        ("transform_to_RTZ", transform_to_RTZ),
        ("transform_to_LQT", transform_to_LQT),
    ):
        done[name] = f(s.copy())
    done["free_surface_transformation"] = free_surface_transformation(s.copy(), uvec=u, vp0=VP0, vs0=VS0)
    return {k: (d.tmatrix, d.data[:, SAMPLES]) for k, d in done.items()}


def our_bad_bundles() -> dict:
    """Each bad case of AE.113A's three records bundled by sparkseis: [[live, reason]] per output."""
    from sparkseis.algorithms import bundle_seed_data
    from sparkseis.core.ensemble import TimeSeriesEnsemble
    from tests.algorithms.test_three_component import _members

    out = {}
    for case in BAD_CASES:
        ds = _members("113A")
        for d in ds:
            d["net"], d["sta"], d["loc"] = "AE", "113A", ""
        got = bundle_seed_data(TimeSeriesEnsemble(spoil(ds, case, lambda d: d.copy())))
        out[case] = [[m.live, "; ".join(e.message for e in m.elog.get_error_log())] for m in got.member]
    return out


def main() -> None:
    peer = Path(os.environ.get("PEER", "/work/peer_scratch"))
    args = [str(REPO / "data/okhotsk_2013"), BAZ, EMA, SLOWNESS, VP0, VS0, SAMPLES.start, SAMPLES.stop]
    args += [json.dumps(BAD_CASES), SPOIL]
    out = subprocess.run(
        [str(peer / "mspass-venv/bin/python"), "-c", PEER_SIDE, *map(str, args)],
        capture_output=True,
        text=True,
        cwd="/tmp",
    )
    if out.returncode:
        raise SystemExit(f"the MsPASS side failed: {out.stderr[-2000:]}")
    theirs = json.loads(out.stdout.splitlines()[-1])
    their_bad, our_bad = theirs.pop("bad"), our_bad_bundles()
    for station, results in theirs.items():
        mine = ours(station)
        for name, (tm, data) in results.items():
            tm_diff = np.abs(mine[name][0] - np.array(tm)).max()
            rel = np.abs(mine[name][1] - np.array(data)).max() / np.abs(np.array(data)).max()
            print(f"{station:5s} {name:28s} tmatrix max diff {tm_diff:.1e}, samples max relative diff {rel:.1e}")
    for case in BAD_CASES:
        print(f"bad bundle, AE.113A {case}:")
        for system, outputs in (("MsPASS", their_bad[case]), ("sparkseis", our_bad[case])):
            shown = "; ".join(("live" if live else f"dead ({' '.join(why.split())})") for live, why in outputs)
            print(f"    {system:9s} {len(outputs)} Seismogram(s): {shown or 'none'}")


if __name__ == "__main__":
    main()
