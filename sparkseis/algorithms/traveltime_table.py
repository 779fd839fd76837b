"""First-arrival travel times, ray parameters and incidence angles from a table built once per
TauP model and phase list: no TauP call per source depth on the workers.

The table holds, for source depths 0-800 km and distances 0-180 degrees, the earliest arrival
of the phase list at each node: its time (s), its slope in distance (the ray parameter, s/deg)
and which wave leaves the source (P or S, up or down). A query interpolates by cubic Hermite
in distance (the slope is the ray parameter) and in depth (the slope is minus the vertical
slowness at the source, known from the model's velocity there), so nodes sit on both sides of
each of the model's discontinuities and no cell spans one.

Each node's time comes from TauP's ray samples at that depth, with every sample interval
checked by shooting the ray halfway between its ends (TauP's own ray shooting, all rays of a
depth at once) and split where the cubic misses it, so the nodes are TauP's times to
microseconds. Cells the interpolation cannot be trusted in are marked when the table is
built: a cell whose ends lie on different branches of the travel-time curve (triplications,
the step to Pdiff) or on different waves, where a branch ends (the core shadow), or where the
table misses the values computed at the cell's middle distance or middle depth by more than
TOLERANCE_S. A query in such a cell asks TauP itself (`TauPyModel.get_travel_times`);
tests/algorithms/test_traveltime_table.py checks the whole against TauP on a dense grid.
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
from bisect import bisect_right
from pathlib import Path

import numpy as np

TABLE_VERSION = 1
MAX_DEPTH_KM = 800.0
DEPTH_STEP_KM = 20.0
DISTANCE_STEP_DEG = 0.1
# what the build's checks allow between the table and its references (s)
TOLERANCE_S = 2e-4

# cell states
_TRUSTED, _ASK_TAUP, _NO_ARRIVAL = 0, 1, 2


def _segments(ph, dist: np.ndarray, time: np.ndarray, rayp: np.ndarray) -> dict:
    """Ray samples of one phase at one depth (distances in radians) as segments."""
    d0, d1 = dist[:-1], dist[1:]
    keep = d1 != d0
    step = np.sign(d1 - d0)
    # a branch: consecutive segments going the same way in distance (a triplication reverses)
    branch = np.concatenate([[0], np.cumsum(step[1:] != step[:-1])])
    return {
        "d0": d0[keep],
        "d1": d1[keep],
        "t0": time[:-1][keep],
        "t1": time[1:][keep],
        "p0": rayp[:-1][keep],
        "p1": rayp[1:][keep],
        "first": np.flatnonzero(keep),  # the index of each segment's first sample
        "branch": branch[keep],
        "wave": 1 if ph.wave_type[0] else 2,  # P or S leaves the source
        "sign": -1 if ph.down_going[0] else 1,  # dT/d(depth) = sign * vertical slowness
        "incident_p": bool(ph.wave_type[-1]),
    }


def _shoot(ph, ray_params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distance rad, time s) of the phase's rays with the given ray parameters (s/rad), all at
    once: TauP's own ray shooting (SeismicPhase.shoot_ray), summed branch by branch."""
    tau_model = ph.tau_model
    s_mod = tau_model.s_mod
    passes = ph.calc_branch_mult(tau_model)
    dist, time = np.zeros(ray_params.size), np.zeros(ray_params.size)
    for j in range(tau_model.tau_branches.shape[1]):
        for count, is_p in ((passes[0, j], s_mod.p_wave), (passes[1, j], s_mod.s_wave)):
            if count:
                branch = tau_model.get_tau_branch(j, is_p)
                top = s_mod.layer_number_below(branch.top_depth, is_p)
                bottom = s_mod.layer_number_above(branch.bot_depth, is_p)
                got = branch.calc_time_dist(s_mod, top, bottom, ray_params, allow_turn_in_layer=True)
                dist += count * got["dist"]
                time += count * got["time"]
    return dist, time


def _refined_segments(ph, x: np.ndarray, rounds: int = 8) -> dict | None:
    """The phase's segments, each checked by shooting the ray halfway between its ends: where
    the cubic in distance misses that ray (TauP's samples are sparse near caustics and at some
    depths), the ray becomes a sample and both halves are checked in turn."""
    if ph is None or ph.dist is None or len(ph.dist) < 2:
        return None
    dist, time, rayp = (np.asarray(a, float).copy() for a in (ph.dist, ph.time, ph.ray_param))
    seg = _segments(ph, dist, time, rayp)
    checked: set[tuple[float, float]] = set()
    for _ in range(rounds):
        todo = [
            i
            for i in range(seg["d0"].size)
            if seg["p0"][i] != seg["p1"][i] and (seg["p0"][i], seg["p1"][i]) not in checked
        ]
        if not todo:
            break
        idx = np.array(todo)
        mid_p = 0.5 * (seg["p0"][idx] + seg["p1"][idx])
        shot_d, shot_t = _shoot(ph, mid_p)
        h = seg["d1"][idx] - seg["d0"][idx]
        u = (shot_d - seg["d0"][idx]) / h
        t0, t1, p0, p1 = (seg[k][idx] for k in ("t0", "t1", "p0", "p1"))
        guess = _hermite(u, t0, h * p0, t1, h * p1)
        with np.errstate(invalid="ignore"):
            miss = ~((u >= 0.0) & (u <= 1.0) & (np.abs(guess - shot_t) <= TOLERANCE_S / 4))
        checked.update(zip(seg["p0"][idx][~miss].tolist(), seg["p1"][idx][~miss].tolist()))
        for n in np.flatnonzero(miss)[::-1]:  # from the end, so that earlier indices stay valid
            i = int(seg["first"][idx[n]])
            dist = np.insert(dist, i + 1, shot_d[n])
            time = np.insert(time, i + 1, shot_t[n])
            rayp = np.insert(rayp, i + 1, mid_p[n])
        seg = _segments(ph, dist, time, rayp)
    return seg


def _covering(lo: np.ndarray, hi: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(segment, point) index pairs with lo[segment] <= x[point] <= hi[segment]; x sorted."""
    first = np.searchsorted(x, lo, side="left")
    last = np.searchsorted(x, hi, side="right")
    counts = np.maximum(last - first, 0)
    segment = np.repeat(np.arange(lo.size), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return segment, np.repeat(first, counts) + offsets


def _earliest(t: np.ndarray, point: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(earliest t per point, the index into t that gives it, -1 where none)."""
    best = np.full(n, np.inf)
    np.minimum.at(best, point, t)
    which = np.full(n, -1, np.int64)
    hit = np.flatnonzero(t == best[point])
    which[point[hit[::-1]]] = hit[::-1]  # the first of equal times wins
    return best, which


def _hermite_segments(seg: dict, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(time s, slope s/rad, segment index) of the earliest segment covering each x (rad,
    sorted): cubic Hermite in distance with TauP's ray parameter as slope; inf where none."""
    i, k = _covering(np.minimum(seg["d0"], seg["d1"]), np.maximum(seg["d0"], seg["d1"]), x)
    d0, h = seg["d0"][i], (seg["d1"] - seg["d0"])[i]
    s = (x[k] - d0) / h
    t0, t1, p0, p1 = (seg[name][i] for name in ("t0", "t1", "p0", "p1"))
    s2 = s * s
    t = _hermite(s, t0, h * p0, t1, h * p1)
    slope = ((6 * s2 - 6 * s) * t0 + (6 * s - 6 * s2) * t1) / h + (3 * s2 - 4 * s + 1) * p0 + (3 * s2 - 2 * s) * p1
    best, which = _earliest(t, k, x.size)
    found = which >= 0
    out_slope = np.full(x.size, np.nan)
    out_slope[found] = slope[which[found]]
    segment = np.zeros(x.size, np.int64)
    segment[found] = i[which[found]]
    return best, out_slope, segment


class _Level:
    """The earliest arrival of a phase list at one source depth, at given distances (deg)."""

    def __init__(self, model, depth_km: float, phases: tuple[str, ...], distances_deg: np.ndarray):
        from obspy.taup.seismic_phase import SeismicPhase

        depth_model = model.model.depth_correct(depth_km).split_branch(0.0)
        order = np.argsort(distances_deg, kind="stable")
        x = np.radians(np.asarray(distances_deg, float)[order])
        n = x.size
        self.time = np.full(n, np.inf)
        self.slope = np.full(n, np.nan)  # s/deg
        self.branch = np.full(n, -1, np.int64)
        self.code = np.zeros(n, np.int8)  # sign * wave of the leg leaving the source
        self.incident_p = np.ones(n, bool)
        for i, phase in enumerate(phases):
            try:
                ph = SeismicPhase(phase, depth_model, 0.0)
            except Exception:  # a phase that cannot exist for this depth (TauP raises)
                ph = None
            seg = _refined_segments(ph, x)
            if seg is None:
                continue
            t, slope, which = _hermite_segments(seg, x)
            better = t < self.time
            self.time[better] = t[better]
            self.slope[better] = np.radians(slope[better])  # s/rad -> s/deg
            self.branch[better] = i * 1_000_000 + seg["branch"][which[better]]
            self.code[better] = seg["sign"] * seg["wave"]
            self.incident_p[better] = seg["incident_p"]
        back = np.empty_like(order)
        back[order] = np.arange(n)  # back to the caller's order
        for name in ("time", "slope", "branch", "code", "incident_p"):
            setattr(self, name, getattr(self, name)[back])


def _hermite(u, f0, g0, f1, g1):
    """Cubic Hermite at u in [0, 1] from values f and slopes g (already times the step);
    floats or numpy arrays alike."""
    u2 = u * u
    u3 = u2 * u
    return (2 * u3 - 3 * u2 + 1) * f0 + (u3 - 2 * u2 + u) * g0 + (3 * u2 - 2 * u3) * f1 + (u3 - u2) * g1


class TravelTimeTable:
    """Earliest arrivals of one phase list in one TauP model, from a table (see the module).

    Build with `travel_time_table(model, phases)` (cached in memory and, given a folder, on
    disk). `arrival(depth km, distance deg)` gives (time s, ray parameter s/deg, incidence
    angle deg) or None; `travel_time` the time alone (NaN when none arrives). It pickles to its
    arrays (about 2 MB), so a Spark broadcast ships it once per executor.
    """

    def __init__(self, model_name: str, phases: tuple[str, ...], arrays: dict[str, np.ndarray]):
        self.model_name, self.phases = model_name, tuple(phases)
        self.arrays = arrays
        self.fallbacks = 0  # queries answered by TauP in this process
        self._fast = None

    def __getstate__(self):
        return {"model_name": self.model_name, "phases": self.phases, "arrays": self.arrays}

    def __setstate__(self, state):
        self.__init__(state["model_name"], state["phases"], state["arrays"])

    @property
    def depths(self) -> np.ndarray:
        """Node depths (km); a discontinuity's depth appears twice, once for each side."""
        return self.arrays["depth"]

    def trusted_fraction(self, max_distance_deg: float = 180.0) -> float:
        """Share of the cells up to max_distance_deg answered from the table (not by TauP)."""
        depth = self.arrays["depth"]
        state = self.arrays["state"][np.diff(depth) > 0]  # zero-thickness rows are never looked up
        cols = int(round(max_distance_deg / DISTANCE_STEP_DEG))
        return float(np.mean(state[:, :cols] != _ASK_TAUP))

    def _lists(self):
        # Python lists index and multiply several times faster than numpy scalars
        if self._fast is None:
            a = self.arrays
            self._fast = (
                a["depth"].tolist(),
                a["time"].tolist(),
                a["slope"].tolist(),
                a["code"].tolist(),
                a["state"].tolist(),
                a["velocity_top"].tolist(),
                a["velocity_bottom"].tolist(),
                float(a["radius"]),
                a["surface_velocity"].tolist(),
                a["incident_p"].tolist(),
            )
        return self._fast

    def arrival(
        self, depth_km: float, distance_deg: float, phases: tuple[str, ...] | None = None
    ) -> tuple[float, float, float] | None:
        """(travel time s, ray parameter s/deg, incidence angle deg at the surface) of the first
        arrival from a source at depth_km to a receiver at distance_deg, or None; phases, if
        given, must be the table's (ValueError)."""
        if phases is not None and tuple(phases) != self.phases:
            raise ValueError(f"this table holds {'/'.join(self.phases)}, not {'/'.join(phases)}")
        if not (0.0 <= distance_deg <= 180.0 and 0.0 <= depth_km <= 6371.0):
            raise ValueError(f"arrival: depth {depth_km} km or distance {distance_deg} deg out of range")
        depth, time, slope, code, state, v_top, v_bottom, radius, v_surface, incident_p = self._lists()
        if depth_km > depth[-1]:
            return self._ask_taup(depth_km, distance_deg)
        k = min(bisect_right(depth, depth_km) - 1, len(depth) - 2)
        j = min(int(distance_deg / DISTANCE_STEP_DEG), len(time[0]) - 2)
        cell = state[k][j]
        if cell == _NO_ARRIVAL:
            return None
        if cell == _ASK_TAUP:
            return self._ask_taup(depth_km, distance_deg)
        s = distance_deg / DISTANCE_STEP_DEG - j
        s2 = s * s
        s3 = s2 * s
        h00, h10, h01, h11 = 2 * s3 - 3 * s2 + 1, s3 - 2 * s2 + s, 3 * s2 - 2 * s3, s3 - s2
        d00, d10, d01, d11 = 6 * s2 - 6 * s, 3 * s2 - 4 * s + 1, 6 * s - 6 * s2, 3 * s2 - 2 * s
        step = DISTANCE_STEP_DEG
        ends = []
        for node, velocity in ((k, v_top[k]), (k + 1, v_bottom[k])):
            t_row, g_row = time[node], slope[node]
            t0, t1, g0, g1 = t_row[j], t_row[j + 1], g_row[j], g_row[j + 1]
            t = h00 * t0 + h10 * step * g0 + h01 * t1 + h11 * step * g1
            p_deg = (d00 * t0 + d01 * t1) / step + d10 * g0 + d11 * g1
            c = code[node][j]
            v = velocity[abs(c) - 1]
            p_km = math.degrees(p_deg) / (radius - depth[node])  # horizontal slowness at the source, s/km
            vertical = math.sqrt(max(0.0, 1.0 / (v * v) - p_km * p_km))
            ends.append((t, p_deg, math.copysign(vertical, c)))
        thickness = depth[k + 1] - depth[k]
        u = (depth_km - depth[k]) / thickness
        (ta, pa, ga), (tb, pb, gb) = ends
        t = _hermite(u, ta, thickness * ga, tb, thickness * gb)
        p_deg = pa + u * (pb - pa)
        v0 = v_surface[0] if incident_p[k][j] else v_surface[1]
        sine = min(1.0, math.degrees(p_deg) / radius * v0)
        return t, p_deg, math.degrees(math.asin(sine))

    def travel_time(self, depth_km: float, distance_deg: float, phases: tuple[str, ...] | None = None) -> float:
        """First-arrival time (s), NaN when no phase arrives; phases must be the table's."""
        found = self.arrival(depth_km, distance_deg, phases)
        return math.nan if found is None else found[0]

    def _ask_taup(self, depth_km: float, distance_deg: float) -> tuple[float, float, float] | None:
        from sparkseis.algorithms.traveltime import load_taup_model

        self.fallbacks += 1
        arrivals = load_taup_model(self.model_name).get_travel_times(depth_km, distance_deg, list(self.phases))
        if not arrivals:
            return None
        first = min(arrivals, key=lambda a: a.time)
        return float(first.time), float(first.ray_param_sec_degree), float(first.incident_angle)


def _node_depths(model) -> tuple[list[float], list[int]]:
    """Node depths (km): every boundary of the model's layers above MAX_DEPTH_KM (where the
    velocity or its gradient changes) and steps of at most DEPTH_STEP_KM between them; a
    discontinuity's depth twice (the last node above it and the first below), whose indices
    are returned too."""
    v_mod = model.model.s_mod.v_mod
    tops = sorted({float(layer["top_depth"]) for layer in v_mod.layers if 0.0 < layer["top_depth"] < MAX_DEPTH_KM})
    jumps = {float(z) for z in v_mod.get_discontinuity_depths()}
    bounds = [0.0, *tops, MAX_DEPTH_KM]
    depths: list[float] = [0.0]
    for top, bottom in zip(bounds[:-1], bounds[1:]):
        if top in jumps and top > 0.0:
            depths.append(top)
        n = max(1, math.ceil((bottom - top) / DEPTH_STEP_KM))
        depths.extend(np.linspace(top, bottom, n + 1)[1:].tolist())
    return depths, [i for i in range(len(depths) - 1) if depths[i + 1] == depths[i]]


def build_table(model_name: str, phases: tuple[str, ...]) -> TravelTimeTable:
    """Compute the table from TauP (a few seconds per model and phase list; see the module)."""
    from sparkseis.algorithms.traveltime import load_taup_model

    model = load_taup_model(model_name)
    v_mod = model.model.s_mod.v_mod
    radius = float(model.model.radius_of_planet)
    depths, joins = _node_depths(model)
    n_dist = int(round(180.0 / DISTANCE_STEP_DEG)) + 1
    grid = np.linspace(0.0, 180.0, n_dist)
    middles = (grid[:-1] + grid[1:]) / 2
    both = np.concatenate([grid, middles])

    levels: dict[float, _Level] = {}
    for z in sorted(set(depths)):
        levels[z] = _Level(model, z, phases, both)
    n = len(depths)
    time = np.array([levels[z].time[:n_dist] for z in depths])
    slope = np.array([levels[z].slope[:n_dist] for z in depths])
    code = np.array([levels[z].code[:n_dist] for z in depths])
    finite = np.isfinite(time)
    time = np.where(finite, time, np.nan)
    slope = np.where(finite, slope, np.nan)

    def speeds(z: float, below: bool) -> list[float]:
        evaluate = v_mod.evaluate_below if below else v_mod.evaluate_above
        return [float(evaluate(z, "P")[0]), float(evaluate(z, "S")[0])]

    v_top = np.array([speeds(depths[k], True) for k in range(n - 1)])
    v_bottom = np.array([speeds(depths[k + 1], False) for k in range(n - 1)])
    table = TravelTimeTable(
        model_name,
        phases,
        {
            "depth": np.array(depths),
            "time": time,
            "slope": slope,
            "code": code,
            "state": np.full((n - 1, n_dist - 1), _TRUSTED, np.int8),
            "velocity_top": v_top,
            "velocity_bottom": v_bottom,
            "radius": np.array(radius),
            "surface_velocity": np.array(speeds(0.0, True)),
            "incident_p": np.array([levels[z].incident_p[: n_dist - 1] for z in depths[:-1]]),
        },
    )
    _mark_cells(table, levels, depths, joins, n_dist, middles)
    return table


def _mark_cells(table: TravelTimeTable, levels: dict, depths: list[float], joins: list[int], n_dist, middles) -> None:
    """Set each cell's state: answered by the table, by TauP, or known to have no arrival."""
    with np.errstate(invalid="ignore"):  # inf - inf where no phase arrives: not sound
        _mark_distance_cells(table, levels, depths, joins, n_dist)
    _mark_depth_cells(table, depths, joins, n_dist, middles)


def _mark_distance_cells(table: TravelTimeTable, levels: dict, depths: list[float], joins: list[int], n_dist) -> None:
    """Cells whose distance interpolation is sound at both node depths, on one branch."""
    state = table.arrays["state"]
    per_node = []  # (n_dist - 1,) bool per node depth: the distance cell is sound at this depth
    empty_node = []
    for z in depths:
        lv = levels[z]
        t, branch = lv.time, lv.branch
        node_t, mid_t = t[:n_dist], t[n_dist:]
        finite = np.isfinite(node_t)
        same = (branch[: n_dist - 1] == branch[1:n_dist]) & (branch[n_dist:] == branch[: n_dist - 1])
        sound = finite[:-1] & finite[1:] & np.isfinite(mid_t) & same
        # the table's own interpolation at the middle distance against the ray samples
        g = lv.slope[:n_dist] * DISTANCE_STEP_DEG
        grid_mid = 0.5 * (node_t[:-1] + node_t[1:]) + 0.125 * (g[:-1] - g[1:])
        sound &= np.abs(grid_mid - mid_t) <= TOLERANCE_S
        per_node.append(sound)
        empty_node.append(~finite[:-1] & ~finite[1:] & ~np.isfinite(mid_t))
    code = table.arrays["code"]
    for k in range(len(depths) - 1):
        if k in joins:  # zero thickness: never looked up
            state[k] = _ASK_TAUP
            continue
        ok = per_node[k] & per_node[k + 1] & (code[k, :-1] == code[k + 1, :-1]) & (code[k, 1:] == code[k + 1, 1:])
        ok &= (code[k, :-1] == code[k, 1:]) & (code[k + 1, :-1] == code[k + 1, 1:])
        state[k] = np.where(ok, _TRUSTED, _ASK_TAUP)
        state[k][empty_node[k] & empty_node[k + 1]] = _NO_ARRIVAL


def _mark_depth_cells(table: TravelTimeTable, depths: list[float], joins: list[int], n_dist, middles) -> None:
    """The middle of each depth interval, computed, against the table's depth interpolation."""
    from sparkseis.algorithms.traveltime import load_taup_model

    model = load_taup_model(table.model_name)
    state = table.arrays["state"]
    grid = np.linspace(0.0, 180.0, n_dist)
    points = np.concatenate([grid[:-1], middles])  # each cell's first node and its middle
    for k in range(len(depths) - 1):
        if k in joins:
            continue
        mid_depth = 0.5 * (depths[k] + depths[k + 1])
        truth = _Level(model, mid_depth, table.phases, points).time
        table._fast = None  # the lists are rebuilt from this row's states
        row = state[k]
        for j in np.flatnonzero(row != _ASK_TAUP):
            expected = (truth[j], truth[n_dist - 1 + j])
            if row[j] == _NO_ARRIVAL:
                if np.isfinite(expected).any():
                    row[j] = _ASK_TAUP
                continue
            for distance, want in zip((grid[j], middles[j]), expected):
                got = table.arrival(mid_depth, float(distance))
                if got is None or not np.isfinite(want) or abs(got[0] - want) > TOLERANCE_S:
                    row[j] = _ASK_TAUP
                    break
    table._fast = None


_TABLES: dict = {}


def cache_file(cache_dir: Path, model_name: str, phases: tuple[str, ...]) -> Path:
    """Where the table of (model, phases) is kept in cache_dir (named for the model, the phases,
    the table's layout and the ObsPy version that answered)."""
    from importlib.metadata import version

    # the table is TauP's answers: another ObsPy may answer differently
    key = f"{model_name}|{'/'.join(phases)}|{TABLE_VERSION}|{DEPTH_STEP_KM}|{DISTANCE_STEP_DEG}|{version('obspy')}"
    if os.path.sep in model_name or model_name.endswith(".npz"):  # a model file: its content counts
        key += "|" + hashlib.sha1(Path(model_name).read_bytes()).hexdigest()
    stem = Path(model_name).stem
    return cache_dir / f"{stem}-{'_'.join(phases)}-{hashlib.sha1(key.encode()).hexdigest()[:12]}.npz"


def cached_table(model_name: str, phases: tuple[str, ...], cache_dir: str | Path | None) -> TravelTimeTable | None:
    """This process's table for (model, phases) if it is in memory or in cache_dir, else None
    (nothing is built, and TauP is not imported)."""
    phases = tuple(phases)
    key = (model_name, phases)
    if key not in _TABLES and cache_dir is not None:
        try:
            path = cache_file(Path(cache_dir), model_name, phases)
            with np.load(path) as stored:
                _TABLES[key] = TravelTimeTable(model_name, phases, {k: stored[k] for k in stored.files})
        except (OSError, ValueError, KeyError):
            return None  # not there (or damaged: rebuilt by travel_time_table)
    return _TABLES.get(key)


def travel_time_table(
    model_name: str = "iasp91", phases: tuple[str, ...] = ("P",), cache_dir: str | Path | None = None
) -> TravelTimeTable:
    """This process's table for (model, phases): from memory, else from cache_dir (a folder of
    .npz files, written on first build), else built from TauP (about 10 s); ArgumentError if
    the model cannot be loaded."""
    phases = tuple(phases)
    table = cached_table(model_name, phases, cache_dir)
    if table is not None:
        return table
    table = build_table(model_name, phases)
    if cache_dir is not None:
        path = cache_file(Path(cache_dir), model_name, phases)
        path.parent.mkdir(parents=True, exist_ok=True)
        # written under another name and renamed: a concurrent reader never sees half a file
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as tmp:
            np.savez(tmp, **table.arrays)
        os.replace(tmp.name, path)
    _TABLES[(model_name, phases)] = table
    return table
