"""Cost per datum of the cached matchers with thousands of stations and tens of thousands of events.

Run: .venv/bin/python benchmarks/matcher_bench.py [--stations 5000 --events 50000]
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import time

import numpy as np
from bson import ObjectId

from sparkseis import TimeSeries
from sparkseis.db import MiniseedMatcher, OriginTimeMatcher, normalize


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stations", type=int, default=5000)
    parser.add_argument("--events", type=int, default=50000)
    parser.add_argument("--queries", type=int, default=20000)
    args = parser.parse_args()
    rng = np.random.default_rng(3)

    channels = []
    for s in range(args.stations):
        for chan in ("BHE", "BHN", "BHZ"):
            for epoch in range(3):  # three epochs per channel
                channels.append(
                    {
                        "_id": ObjectId(),
                        "net": "XX",
                        "sta": f"S{s:04d}",
                        "loc": "",
                        "chan": chan,
                        "lat": 1.0,
                        "lon": 2.0,
                        "elev": 0.1,
                        "hang": 0.0,
                        "vang": 90.0,
                        "starttime": epoch * 1e8,
                        "endtime": (epoch + 1) * 1e8 - 1,
                    }
                )
    times = np.sort(rng.uniform(0, 3e8, args.events))
    sources = [
        {"_id": ObjectId(), "time": float(t), "lat": 0.0, "lon": 0.0, "depth": 10.0, "magnitude": 6.0} for t in times
    ]

    t = time.perf_counter()
    stations = MiniseedMatcher(documents=channels)
    events = OriginTimeMatcher(documents=sources, t0offset=0.0, tolerance=4.0)
    build_s = time.perf_counter() - t
    blob = len(pickle.dumps(stations)) + len(pickle.dumps(events))

    data = []
    for _ in range(args.queries):
        s = int(rng.integers(args.stations))
        t0 = float(times[rng.integers(args.events)]) + float(rng.uniform(-2, 2))
        data.append(TimeSeries(np.zeros(4), t0, 1.0, {"net": "XX", "sta": f"S{s:04d}", "loc": "", "chan": "BHZ"}))
    st_us, ev_us = [], []
    for d in data:
        t = time.perf_counter()
        normalize(d, stations)
        t1 = time.perf_counter()
        normalize(d, events)
        ev_us.append((time.perf_counter() - t1) * 1e6)
        st_us.append((t1 - t) * 1e6)
    assert all(d.live for d in data)
    print(f"{len(channels)} channel epochs ({args.stations} stations), {args.events} events; {args.queries} data")
    print(f"build both caches: {build_s:.2f} s; pickled size {blob / 1e6:.1f} MB (broadcast once)")
    print(f"MiniseedMatcher   : median {statistics.median(st_us):6.1f} us/datum")
    print(f"OriginTimeMatcher : median {statistics.median(ev_us):6.1f} us/datum")


if __name__ == "__main__":
    main()
