"""P arrival times from a TauP model, cheap per call, and the functions that set and use them.

TauP (obspy.taup) costs milliseconds per call. `TravelTimeCalculator` asks TauP once per
distinct source depth for each phase's ray samples (distance, time, ray parameter), then
answers any distance by cubic Hermite interpolation between neighbouring rays: the slope
of travel time against distance is the ray parameter, which TauP gives exactly. The result
agrees with `TauPyModel.get_travel_times` to a few milliseconds (tests and
benchmarks/traveltime_bench.py show the bound) at tens of microseconds per call.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
from obspy.geodetics import gps2dist_azimuth, locations2degrees

from sparkseis.algorithms.decorator import seismic_function
from sparkseis.algorithms.timeref import ator
from sparkseis.core.errors import ArgumentError, ErrorSeverity
from sparkseis.core.seismic import BasicSeismic

P_PHASES = ("p", "P")
P_PHASES_WITH_PDIFF = ("p", "P", "Pdiff")


_TAUP_MODELS: dict = {}


def load_taup_model(name: str = "iasp91"):
    """The obspy TauPyModel called name, loaded once per process and shared."""
    if name not in _TAUP_MODELS:
        from obspy.taup import TauPyModel

        _TAUP_MODELS[name] = TauPyModel(name)
    return _TAUP_MODELS[name]


class _Branches:
    """All ray-sample segments of one phase at one source depth (distances in radians)."""

    __slots__ = ("lo", "hi", "d0", "h", "t0", "t1", "p0", "p1")

    def __init__(self, dist: np.ndarray, time: np.ndarray, ray_param: np.ndarray):
        d0, d1 = dist[:-1], dist[1:]
        keep = d1 != d0
        self.d0, self.h = d0[keep], (d1 - d0)[keep]
        self.lo, self.hi = np.minimum(d0, d1)[keep], np.maximum(d0, d1)[keep]
        self.t0, self.t1 = time[:-1][keep], time[1:][keep]
        self.p0, self.p1 = ray_param[:-1][keep], ray_param[1:][keep]

    def first_time(self, x: float) -> float:
        """Earliest time (s) at distance x (rad), or inf if the phase does not reach x."""
        m = (self.lo <= x) & (x <= self.hi)
        if not m.any():
            return math.inf
        h = self.h[m]
        s = (x - self.d0[m]) / h
        s2, s3 = s * s, s * s * s
        t = (2 * s3 - 3 * s2 + 1) * self.t0[m] + (s3 - 2 * s2 + s) * h * self.p0[m]
        t += (-2 * s3 + 3 * s2) * self.t1[m] + (s3 - s2) * h * self.p1[m]
        return float(t.min())


class TravelTimeCalculator:
    """First-arrival travel times (s) for a list of phases in a TauP model (default iasp91).

    Pickles to its model name and settings only; the TauP model and the per-depth branch
    cache are rebuilt lazily in whatever process uses it (one Spark worker builds it once).
    """

    def __init__(self, model: str = "iasp91", max_cached_depths: int = 4096):
        self.model_name = model
        self.max_cached_depths = int(max_cached_depths)
        self._model = None
        self._cache: OrderedDict = OrderedDict()

    def __getstate__(self):
        return {"model_name": self.model_name, "max_cached_depths": self.max_cached_depths}

    def __setstate__(self, state):
        self.__init__(state["model_name"], state["max_cached_depths"])

    @property
    def model(self):
        """The obspy TauPyModel (loaded on first use, once per process)."""
        if self._model is None:
            self._model = load_taup_model(self.model_name)
        return self._model

    def _depth_branches(self, depth_km: float, phases: tuple[str, ...]) -> dict[str, _Branches | None]:
        """{phase: branches} at one source depth, computing the phases not cached yet.

        The depth-corrected model is built only when a phase is missing and is not kept:
        it is large, and the branches are all a query needs.
        """
        key = round(float(depth_km), 6)
        entry = self._cache.get(key)
        if entry is None:
            entry = self._cache[key] = {}
            while len(self._cache) > self.max_cached_depths:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        missing = [p for p in phases if p not in entry]
        if missing:
            from obspy.taup.seismic_phase import SeismicPhase

            depth_model = self.model.model.depth_correct(key).split_branch(0.0)
            for phase in missing:
                try:
                    ph = SeismicPhase(phase, depth_model, 0.0)
                except Exception:  # a phase that cannot exist for this depth (TauP raises)
                    ph = None
                entry[phase] = None
                if ph is not None and ph.dist is not None and len(ph.dist) > 1:
                    entry[phase] = _Branches(np.asarray(ph.dist, float), np.asarray(ph.time, float), np.asarray(ph.ray_param, float))
        return entry

    def travel_time(self, depth_km: float, distance_deg: float, phases: tuple[str, ...] = P_PHASES) -> float:
        """Earliest travel time (s) of `phases` from a source at depth_km to a surface receiver
        at distance_deg, or NaN when none of them arrives there."""
        if not (0 <= depth_km <= 6371 and 0 <= distance_deg <= 180):
            raise ValueError(f"travel_time: depth {depth_km} km or distance {distance_deg} deg out of range")
        x = math.radians(distance_deg)
        branches = self._depth_branches(depth_km, phases)
        best = min((branches[p].first_time(x) for p in phases if branches[p] is not None), default=math.inf)
        return best if best < math.inf else math.nan


def _check_ptime(calculator, *args, **kwargs) -> None:
    if not hasattr(calculator, "travel_time"):
        raise ArgumentError(f"set_Ptime: calculator must be a TravelTimeCalculator, got {type(calculator).__name__}")


def _first_defined(d: BasicSeismic, *keys: str):
    for k in keys:
        if d.is_defined(k):
            return d[k]
    raise KeyError(f"none of {keys} is defined")


@seismic_function(validate=_check_ptime)
def set_Ptime(
    d: BasicSeismic,
    calculator: TravelTimeCalculator,
    Ptime_key: str = "Ptime",
    use_pdiff: bool = False,
) -> BasicSeismic:
    """Set Ptime (UTC epoch s), epicentral_distance (deg), esaz and seaz (deg) from
    source_lat/lon/depth(km)/time and channel_lat/lon (else site_lat/lon).
    Missing coordinates or no P arrival kill the datum with the reason."""
    try:
        src_lat, src_lon = float(d["source_lat"]), float(d["source_lon"])
        depth, otime = float(d["source_depth"]), float(d["source_time"])
        sta_lat = float(_first_defined(d, "channel_lat", "site_lat"))
        sta_lon = float(_first_defined(d, "channel_lon", "site_lon"))
    except KeyError as err:
        d.kill()
        d.elog.log_error("set_Ptime", f"missing coordinates: {err}", ErrorSeverity.Invalid)
        return d
    distance = locations2degrees(src_lat, src_lon, sta_lat, sta_lon)
    phases = P_PHASES_WITH_PDIFF if use_pdiff else P_PHASES
    tt = calculator.travel_time(depth, distance, phases)
    if math.isnan(tt):
        d.kill()
        d.elog.log_error(
            "set_Ptime",
            f"no {'/'.join(phases)} arrival at {distance:.3f} deg from a {depth} km deep source"
            + ("" if use_pdiff else " (use_pdiff=True adds Pdiff)"),
            ErrorSeverity.Invalid,
        )
        return d
    _, esaz, seaz = gps2dist_azimuth(src_lat, src_lon, sta_lat, sta_lon)
    d[Ptime_key] = otime + tt
    d["epicentral_distance"] = distance
    d["esaz"] = esaz
    d["seaz"] = seaz
    return d


def shift_by_Ptime(d: BasicSeismic, Ptime_key: str = "Ptime") -> BasicSeismic:
    """ator to the P time: time 0 becomes the P arrival."""
    return ator(d, Ptime_key)
