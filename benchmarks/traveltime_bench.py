"""Speed per call and error against direct TauP calls of the travel-time calculator.

Run: .venv/bin/python benchmarks/traveltime_bench.py [--pairs 400]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from obspy.taup import TauPyModel

from sparkseis.algorithms import TravelTimeCalculator

PHASES = ("p", "P")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=400, help="random (depth, distance) pairs to compare")
    parser.add_argument("--model", default="iasp91")
    args = parser.parse_args()

    rng = np.random.default_rng(1)
    depths = rng.uniform(0, 700, args.pairs)
    distances = rng.uniform(0, 100, args.pairs)
    taup = TauPyModel(args.model)
    calc = TravelTimeCalculator(args.model)

    taup_ms, ref = [], []
    for z, x in zip(depths, distances):
        t = time.perf_counter()
        arrivals = taup.get_travel_times(z, x, list(PHASES))
        taup_ms.append((time.perf_counter() - t) * 1e3)
        ref.append(arrivals[0].time if arrivals else np.nan)

    cold_ms, ours = [], []
    for z, x in zip(depths, distances):
        t = time.perf_counter()
        ours.append(calc.travel_time(z, x, PHASES))
        cold_ms.append((time.perf_counter() - t) * 1e3)
    # Warm: same depths again (what a job sees: many stations per event depth)
    warm_ms = []
    for z, x in zip(depths, rng.uniform(0, 100, args.pairs)):
        t = time.perf_counter()
        calc.travel_time(z, x, PHASES)
        warm_ms.append((time.perf_counter() - t) * 1e3)

    ref, ours = np.array(ref), np.array(ours)
    both = ~np.isnan(ref)
    assert np.array_equal(np.isnan(ours), ~both), "calculator and TauP disagree on where P exists"
    err = np.abs(ours[both] - ref[both])
    print(f"model {args.model}, phases {PHASES}, {args.pairs} random pairs, depth 0-700 km, distance 0-100 deg")
    print(f"direct TauP get_travel_times : median {statistics.median(taup_ms):8.3f} ms/call")
    print(f"calculator, new depth (cold) : median {statistics.median(cold_ms):8.3f} ms/call")
    print(f"calculator, cached depth     : median {statistics.median(warm_ms):8.3f} ms/call")
    print(f"speed-up on cached depths    : {statistics.median(taup_ms) / statistics.median(warm_ms):8.1f}x")
    print(
        f"error vs TauP over {both.sum()} arrivals: max {err.max() * 1e3:.3f} ms, median {np.median(err) * 1e3:.4f} ms"
    )


if __name__ == "__main__":
    main()
