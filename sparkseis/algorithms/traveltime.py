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
from obspy.geodetics import gps2dist_azimuth, kilometers2degrees, locations2degrees

from sparkseis.algorithms.timeref import ator
from sparkseis.core.decorator import seismic_function
from sparkseis.core.errors import ArgumentError
from sparkseis.core.seismic import BasicSeismic

# TauP's "P" as the tutorial asks for it (arrivals[0] of phase_list=["P"]); ("p", "P") adds the
# up-going p that arrives first at short distances from deep sources.
P_PHASES = ("P",)

_TAUP_MODELS: dict = {}


def load_taup_model(name: str = "iasp91"):
    """The obspy TauPyModel called name (a built-in model or a .npz file), loaded once per
    process and shared; ArgumentError if there is no such model."""
    if name not in _TAUP_MODELS:
        from obspy.taup import TauPyModel

        try:
            _TAUP_MODELS[name] = TauPyModel(name)
        except Exception as err:  # obspy raises several types for an unknown model
            raise ArgumentError(
                f"TauP model {name!r} cannot be loaded ({type(err).__name__}: {err}); "
                "use a built-in name such as iasp91 or ak135, or a .npz model file"
            ) from None
    return _TAUP_MODELS[name]


def taup_model_name(model) -> str:
    """The name a TauPyModel was loaded by (e.g. "iasp91")."""
    name = np.asarray(model.model.s_mod.v_mod.model_name).item()  # stored as a numpy bytes scalar
    return name.decode() if isinstance(name, bytes) else str(name)


def _reduce_taup_model(model):
    # A TauPyModel pickles to ~260 kB; one with a plain model name travels as that name and is
    # loaded once per receiving process instead (Spark pickles closures for every task).
    if model.planet_flattening == 0.0:
        return load_taup_model, (taup_model_name(model),)
    return object.__reduce_ex__(model, 4)


def register_taup_pickling() -> None:
    """Make every TauPyModel pickle to its model name (loaded once per receiving process):
    registered by the Spark layer, where closures are shipped, not on import."""
    import copyreg

    from obspy.taup import TauPyModel

    copyreg.pickle(TauPyModel, _reduce_taup_model)


class _Branches:
    """All ray-sample segments of one phase at one source depth (distances in radians)."""

    __slots__ = ("lo", "hi", "d0", "h", "t0", "t1", "p0", "p1", "incident_p")

    def __init__(self, dist: np.ndarray, time: np.ndarray, ray_param: np.ndarray, incident_p: bool = True):
        self.incident_p = incident_p
        d0, d1 = dist[:-1], dist[1:]
        keep = d1 != d0
        self.d0, self.h = d0[keep], (d1 - d0)[keep]
        self.lo, self.hi = np.minimum(d0, d1)[keep], np.maximum(d0, d1)[keep]
        self.t0, self.t1 = time[:-1][keep], time[1:][keep]
        self.p0, self.p1 = ray_param[:-1][keep], ray_param[1:][keep]

    def first_time(self, x: float) -> float:
        """Earliest time (s) at distance x (rad), or inf if the phase does not reach x."""
        return self.first_arrival(x)[0]

    def first_arrival(self, x: float) -> tuple[float, float]:
        """(earliest time s, its ray parameter s/rad) at distance x (rad); (inf, nan) if the
        phase does not reach x."""
        m = (self.lo <= x) & (x <= self.hi)
        if not m.any():
            return math.inf, math.nan
        h = self.h[m]
        s = (x - self.d0[m]) / h
        s2, s3 = s * s, s * s * s
        t0, t1, p0, p1 = self.t0[m], self.t1[m], self.p0[m], self.p1[m]
        t = (2 * s3 - 3 * s2 + 1) * t0 + (s3 - 2 * s2 + s) * h * p0 + (-2 * s3 + 3 * s2) * t1 + (s3 - s2) * h * p1
        i = int(np.argmin(t))
        slope = (6 * s2[i] - 6 * s[i]) * (t0[i] - t1[i]) / h[i] + (3 * s2[i] - 4 * s[i] + 1) * p0[i]
        return float(t[i]), float(slope + (3 * s2[i] - 2 * s[i]) * p1[i])


class TravelTimeCalculator:
    """First-arrival travel times (s) for a list of phases in a TauP model (default iasp91).

    Pickles to its model name and settings only; the TauP model and the per-depth branch
    cache are rebuilt lazily in whatever process uses it (one Spark worker builds it once).

    >>> tt = TravelTimeCalculator("iasp91").travel_time(10.0, 30.0, ("P",))  # depth km, distance deg
    >>> round(tt, 1)  # TauPyModel('iasp91').get_travel_times(10.0, 30.0, ['P'])[0].time: 368.73
    368.7
    """

    def __init__(self, model: str = "iasp91", max_cached_depths: int = 4096):
        self.model_name = model
        self.max_cached_depths = int(max_cached_depths)
        self._model = None
        self._cache: OrderedDict = OrderedDict()

    def __reduce__(self):
        # unpickled as this process's shared calculator for the model, so that its branch
        # cache survives from task to task
        return shared_calculator, (self.model_name, self.max_cached_depths)

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
                    entry[phase] = _Branches(
                        np.asarray(ph.dist, float),
                        np.asarray(ph.time, float),
                        np.asarray(ph.ray_param, float),
                        bool(ph.wave_type[-1]),
                    )
        return entry

    def travel_time(self, depth_km: float, distance_deg: float, phases: tuple[str, ...] = P_PHASES) -> float:
        """Earliest travel time (s) of `phases` from a source at depth_km to a surface receiver
        at distance_deg, or NaN when none of them arrives there."""
        found = self.arrival(depth_km, distance_deg, phases)
        return math.nan if found is None else found[0]

    def arrival(
        self, depth_km: float, distance_deg: float, phases: tuple[str, ...] = P_PHASES
    ) -> tuple[float, float, float] | None:
        """(travel time s, ray parameter s/deg, incidence angle deg at the surface) of the first
        arrival of `phases`, or None when none of them arrives."""
        if not (0 <= depth_km <= 6371 and 0 <= distance_deg <= 180):
            raise ValueError(f"travel_time: depth {depth_km} km or distance {distance_deg} deg out of range")
        x = math.radians(distance_deg)
        branches = self._depth_branches(depth_km, phases)
        best = (math.inf, math.nan, True)
        for p in phases:
            if branches[p] is not None:
                t, slope = branches[p].first_arrival(x)
                if t < best[0]:
                    best = (t, slope, branches[p].incident_p)
        if best[0] == math.inf:
            return None
        t, slope, incident_p = best
        v_mod = self.model.model.s_mod.v_mod
        v0 = float(v_mod.evaluate_below(0.0, "P" if incident_p else "S")[0])
        sine = min(1.0, slope / float(self.model.model.radius_of_planet) * v0)
        return t, math.radians(slope), math.degrees(math.asin(sine))


_CALCULATORS: dict = {}


def shared_calculator(model: str = "iasp91", max_cached_depths: int = 4096) -> TravelTimeCalculator:
    """This process's TravelTimeCalculator for model (built on first use); ArgumentError if
    the model cannot be loaded."""
    key = (model, int(max_cached_depths))
    if key not in _CALCULATORS:
        load_taup_model(model)
        _CALCULATORS[key] = TravelTimeCalculator(model, max_cached_depths)
    return _CALCULATORS[key]


def as_calculator(model) -> TravelTimeCalculator:
    """A travel-time calculator for `model`: None (iasp91), a model name, an obspy TauPyModel or
    a TravelTimeCalculator (a Spark broadcast is resolved by stage(), or pass its .value)."""
    if model is None:
        return shared_calculator("iasp91")
    if isinstance(model, str):
        return shared_calculator(model)
    if hasattr(model, "travel_time"):
        return model
    if type(model).__name__ == "TauPyModel":
        return shared_calculator(taup_model_name(model))
    raise ArgumentError(
        f"set_Ptime: model must be a TauP model name, TauPyModel or TravelTimeCalculator, got {type(model).__name__}"
    )


# How epicentral distance (deg) is measured; the tutorial's is the default.
DISTANCE_METHODS = ("geodesic", "geocentric", "spherical")
_WGS84_FLATTENING = 1.0 / 298.257223563


def geocentric_latitude(lat: float) -> float:
    """The geocentric latitude (deg) of a geographic (WGS84) latitude (deg)."""
    return math.degrees(math.atan((1.0 - _WGS84_FLATTENING) ** 2 * math.tan(math.radians(lat))))


def epicentral_distance(
    src_lat: float, src_lon: float, sta_lat: float, sta_lon: float, method: str = "geodesic"
) -> tuple[float, float, float]:
    """(distance deg, source-to-station azimuth deg, back azimuth deg).

    geodesic: WGS84 geodesic length (gps2dist_azimuth) in km / 111.19 (kilometers2degrees),
    as the MsPASS tutorial computes it; geocentric: great-circle arc between geocentric
    latitudes; spherical: great-circle arc between geographic latitudes (locations2degrees).
    Azimuths are always the WGS84 geodesic ones.

    >>> delta, az, baz = epicentral_distance(0.0, 0.0, 0.0, 30.0)
    >>> round(delta, 4), round(az, 1), round(baz, 1)
    (30.0336, 90.0, 270.0)
    """
    metres, esaz, seaz = gps2dist_azimuth(src_lat, src_lon, sta_lat, sta_lon)
    if method == "geodesic":
        distance = kilometers2degrees(metres / 1000.0)
    elif method == "geocentric":
        distance = locations2degrees(geocentric_latitude(src_lat), src_lon, geocentric_latitude(sta_lat), sta_lon)
    else:
        distance = locations2degrees(src_lat, src_lon, sta_lat, sta_lon)
    return float(distance), float(esaz), float(seaz)


def phase_names(text: str) -> tuple[str, ...]:
    """The phase names of a comma-separated list as given on a command line ("P, p" -> ("P", "p"))."""
    return tuple(p.strip() for p in text.split(",") if p.strip())


def phase_list(phases, use_pdiff: bool) -> tuple[str, ...]:
    """The phases set_Ptime asks for: `phases` (a name or names), and Pdiff if use_pdiff."""
    out = (phases,) if isinstance(phases, str) else tuple(phases)
    return out + ("Pdiff",) if use_pdiff and "Pdiff" not in out else out


def _check_ptime(
    model=None, Ptimekey: str = "Ptime", phases=P_PHASES, use_pdiff: bool = False, distance: str = "geodesic"
) -> None:
    calculator = as_calculator(model)
    if distance not in DISTANCE_METHODS:
        raise ArgumentError(f"set_Ptime: distance must be one of {DISTANCE_METHODS}, got {distance!r}")
    phases_asked = phase_list(phases, use_pdiff)
    if not phases_asked or not all(isinstance(p, str) and p for p in phases_asked):
        raise ArgumentError(f"set_Ptime: phases must be TauP phase names, got {phases!r}")
    table_phases = getattr(calculator, "phases", None)
    if table_phases is not None and tuple(table_phases) != phases_asked:
        raise ArgumentError(
            f"set_Ptime: the travel-time table holds {'/'.join(table_phases)}, but {'/'.join(phases_asked)} was asked for"
        )


def _first_defined(d: BasicSeismic, *keys: str):
    for k in keys:
        if d.is_defined(k):
            return d[k]
    raise KeyError(f"none of {keys} is defined")


@seismic_function(validate=_check_ptime)
def set_Ptime(
    d: BasicSeismic,
    model=None,
    Ptimekey: str = "Ptime",
    phases: tuple[str, ...] | str = P_PHASES,
    use_pdiff: bool = False,
    distance: str = "geodesic",
) -> BasicSeismic:
    """Set Ptimekey (UTC epoch s) = source_time + the first arrival of `phases` (TauP "P" by
    default; use_pdiff adds Pdiff), and epicentral_distance (deg, measured by `distance`, which
    is recorded as epicentral_distance_method), esaz and seaz (deg), from source_lat/lon/
    depth(km)/time and channel_lat/lon (else site_lat/lon), with the arrival's ray_parameter
    (s/deg) and incidence_angle (deg from vertical at the surface).

    Parameters
    ----------
    model : str, TauPyModel, TravelTimeCalculator or TravelTimeTable
        Default iasp91; a name or TauPyModel is answered by the per-depth calculator of that
        model; a TravelTimeTable (travel_time_table(model, phases)) answers without TauP per
        depth and must hold the phases asked for (a Spark broadcast of either is resolved by
        `stage`).
    Ptimekey : str
        The metadata key set (UTC epoch s).
    phases : tuple of str or "p,P"
        TauP phases whose earliest arrival is P (default "P", the tutorial's).
    use_pdiff : bool
        Add Pdiff beyond the P range.
    distance : {"geodesic", "geocentric", "spherical"}
        How epicentral distance is measured (see epicentral_distance).

    Returns
    -------
    The datum; missing coordinates or no arrival kill it with the reason.

    Examples
    --------
    >>> import numpy as np
    >>> from sparkseis import TimeSeries
    >>> md = {"source_lat": 0.0, "source_lon": 0.0, "source_depth": 10.0, "source_time": 1000.0,
    ...       "channel_lat": 0.0, "channel_lon": 30.0}
    >>> d = set_Ptime(TimeSeries(np.zeros(10), 1000.0, 1.0, md))
    >>> round(d["Ptime"] - 1000.0, 1), round(d["epicentral_distance"], 2)
    (369.0, 30.03)
    """
    calculator = as_calculator(model)
    phases_asked = phase_list(phases, use_pdiff)
    try:
        src_lat, src_lon = float(d["source_lat"]), float(d["source_lon"])
        depth, otime = float(d["source_depth"]), float(d["source_time"])
        sta_lat = float(_first_defined(d, "channel_lat", "site_lat"))
        sta_lon = float(_first_defined(d, "channel_lon", "site_lon"))
    except KeyError as err:
        d.kill_with("set_Ptime", f"missing coordinates: {err}")
        return d
    except (TypeError, ValueError):  # a stored null or text where a number belongs
        d.kill_with("set_Ptime", "source or station coordinates, depth or origin time are not numbers")
        return d
    if not all(math.isfinite(x) for x in (src_lat, src_lon, depth, otime, sta_lat, sta_lon)):
        d.kill_with("set_Ptime", f"source or station values are not finite (source depth {depth} km)")
        return d
    delta, esaz, seaz = epicentral_distance(src_lat, src_lon, sta_lat, sta_lon, distance)
    d["epicentral_distance"] = delta
    d["epicentral_distance_method"] = distance
    d["esaz"] = esaz
    d["seaz"] = seaz
    found = calculator.arrival(depth, delta, phases_asked)
    if found is None:
        hint = "" if "Pdiff" in phases_asked else " (use_pdiff=True adds Pdiff)"
        d.kill_with(
            "set_Ptime", f"no {'/'.join(phases_asked)} arrival at {delta:.3f} deg from a {depth} km deep source{hint}"
        )
        return d
    d[Ptimekey] = otime + found[0]
    d["ray_parameter"] = found[1]
    d["incidence_angle"] = found[2]
    return d


def shift_by_Ptime(d: BasicSeismic, Ptimekey: str = "Ptime") -> BasicSeismic:
    """ator to the P time: time 0 becomes the P arrival (a datum without it is killed).

    >>> import numpy as np
    >>> from sparkseis import TimeSeries
    >>> shift_by_Ptime(TimeSeries(np.zeros(10), 1000.0, 1.0, {"Ptime": 1004.0})).t0
    -4.0
    """
    return ator(d, Ptimekey)
