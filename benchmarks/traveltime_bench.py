"""Travel times three ways against direct TauP calls: speed per call and error.

- the table (sparkseis.algorithms.traveltime_table): built once per model and phase list;
- the per-depth calculator (TravelTimeCalculator): TauP once per new source depth;
- set_Ptime per waveform, one new depth each (the serial cost a real catalog sees), with the
  table and with the calculator.

Run: .venv/bin/python benchmarks/traveltime_bench.py [--pairs 400] [--model iasp91] [--phases P]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import numpy as np
from obspy.taup import TauPyModel

from sparkseis import TimeSeries
from sparkseis.algorithms import TravelTimeCalculator, epicentral_distance, set_Ptime
from sparkseis.algorithms.traveltime_table import travel_time_table


def _per_call_ms(func, pairs) -> tuple[list[float], list]:
    times, out = [], []
    for z, x in pairs:
        t = time.perf_counter()
        out.append(func(z, x))
        times.append((time.perf_counter() - t) * 1e3)
    return times, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=400, help="random (depth, distance) pairs to compare")
    parser.add_argument("--model", default="iasp91")
    parser.add_argument("--phases", default="P", help="comma-separated (default P, the tutorial's)")
    args = parser.parse_args()
    phases = tuple(args.phases.split(","))

    rng = np.random.default_rng(1)
    far = 180.0 if "Pdiff" in phases else 100.0
    pairs = list(zip(rng.uniform(0, 700, args.pairs), rng.uniform(0, far, args.pairs)))
    taup = TauPyModel(args.model)
    with tempfile.TemporaryDirectory() as cache:
        started = time.perf_counter()
        table = travel_time_table(args.model, phases, cache_dir=cache)
        build_s = time.perf_counter() - started
    calc = TravelTimeCalculator(args.model)

    def direct(z, x):
        arrivals = taup.get_travel_times(z, x, list(phases))
        return min(a.time for a in arrivals) if arrivals else np.nan

    taup_ms, ref = _per_call_ms(direct, pairs)
    table_ms, from_table = _per_call_ms(lambda z, x: table.travel_time(z, x), pairs)
    cold_ms, from_calc = _per_call_ms(lambda z, x: calc.travel_time(z, x, phases), pairs)

    # set_Ptime per waveform, every waveform with its own event depth, teleseismic stations
    n = 2000
    headers = [
        {
            "source_lat": float(lat),
            "source_lon": 0.0,
            "source_depth": float(depth),
            "source_time": 0.0,
            "channel_lat": float(lat) + float(dist),
            "channel_lon": 0.0,
        }
        for lat, depth, dist in zip(rng.uniform(-40, -30, n), rng.uniform(0, 700, n), rng.uniform(30, 95, n))
    ]
    data = [TimeSeries(np.zeros(4), 0.0, 1.0, h) for h in headers]
    table.fallbacks = 0
    started = time.perf_counter()
    for d in data:
        set_Ptime(d, table)
    per_wf_table = (time.perf_counter() - started) / n * 1e3
    fallbacks = table.fallbacks
    fresh = TravelTimeCalculator(args.model)
    sample = [TimeSeries(np.zeros(4), 0.0, 1.0, h) for h in headers[:200]]
    started = time.perf_counter()
    for d in sample:
        set_Ptime(d, fresh, phases=phases)
    per_wf_calc = (time.perf_counter() - started) / len(sample) * 1e3
    started = time.perf_counter()
    for h in headers:
        epicentral_distance(h["source_lat"], h["source_lon"], h["channel_lat"], h["channel_lon"])
    per_wf_distance = (time.perf_counter() - started) / n * 1e3

    ref = np.array(ref, float)
    print(f"model {args.model}, phases {'+'.join(phases)}, {args.pairs} random pairs, depth 0-700 km, 0-{far:g} deg")
    print(f"table build (once per model and phases, then cached on disk): {build_s:.1f} s")
    print(f"answered by the table (not TauP), cells to 100 deg  : {100 * table.trusted_fraction(100.0):.1f} %")
    print(f"direct TauP get_travel_times      : median {statistics.median(taup_ms):8.3f} ms/call")
    print(f"table                             : median {statistics.median(table_ms):8.4f} ms/call")
    print(f"per-depth calculator, new depth   : median {statistics.median(cold_ms):8.3f} ms/call")
    for name, got in (("table", from_table), ("per-depth calculator", from_calc)):
        got = np.array(got, float)
        both = ~np.isnan(ref)
        same_coverage = np.array_equal(np.isnan(got), ~both)
        err = np.abs(got[both] - ref[both])
        print(
            f"error of {name:21s}: max {err.max() * 1e3:.3f} ms, median {np.median(err) * 1e3:.4f} ms "
            f"over {both.sum()} arrivals; same arrivals/none as TauP: {same_coverage}"
        )
    print(
        f"set_Ptime per waveform, one new depth each, 30-95 deg: table {per_wf_table:.3f} ms "
        f"({fallbacks} of {n} asked TauP), per-depth calculator {per_wf_calc:.2f} ms; "
        f"of which the WGS84 distance {per_wf_distance:.3f} ms"
    )


if __name__ == "__main__":
    main()
