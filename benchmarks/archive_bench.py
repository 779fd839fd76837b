"""The event-window job at scale on a continuous SDS archive of real samples.

The archive: AE.113A..BHZ's real record tiled into two UTC day files (Steim-2, 512-byte
records, sparkseis.testing.day_archive), copied for STATIONS stations with each record's
station code rewritten (restation: the same samples under another name; disk is not short
here, so these are copies, not links, and every file is indexed on its own). The stations
lie 30-90 degrees from the Okhotsk hypocentre; events at that hypocentre are spread over the
two days so that every window lies inside the archive.

Prints, for 2,000, 20,000 and 200,000 (event, channel) pairs (count only, local[2]): job wall
time, ms per window, bytes read per window and the driver's peak memory (Python and JVM);
for 2,000 pairs saved to files, bytes read against the bytes of the records that overlap each
window plus its filter margin (from libmseed's own record list); and planning alone for
1,000,000 pairs. One process per run, so peaks are the run's own.

    .venv/bin/python benchmarks/archive_bench.py            # about 15 minutes here
    .venv/bin/python benchmarks/archive_bench.py --quick    # 2,000 and 20,000 only
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _server import bench_server  # noqa: E402
from p_window_bench import jvm_peak_mib  # noqa: E402

STATIONS = 100
DAYS = [datetime.date(2013, 5, 24), datetime.date(2013, 5, 25)]
HYPOCENTRE = {"lat": 54.87, "lon": 153.28, "depth": 608.9}
ARCHIVE = Path(os.environ.get("TMPDIR", "/tmp")) / "sparkseis-archive-bench"
SIZES = (2_000, 20_000, 200_000)
PLAN_PAIRS = 1_000_000


def build_archive(root: Path) -> None:
    """The SDS tree (kept between runs: it takes about a minute)."""
    from sparkseis.testing.day_archive import SourceRecord, restation, sds_path, write_day_archive

    if (root / "done").exists():
        return
    base = root / "base"
    src = SourceRecord(
        str(Path(__file__).resolve().parents[1] / "data/okhotsk_2013/AE.113A..BHZ.mseed"), "AE", "113A", "", "BHZ"
    )
    write_day_archive(base, [src], DAYS, overlap_s=0.0)
    for day in DAYS:
        payload = sds_path(base, "AE", "113A", "", "BHZ", day).read_bytes()
        for k in range(STATIONS):
            path = sds_path(root / "sds", "AE", f"S{k:03d}", "", "BHZ", day)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(restation(payload, f"S{k:03d}"))
    (root / "done").write_text("ok")


def _destination(lat: float, lon: float, azimuth: float, degrees: float) -> tuple[float, float]:
    """The point `degrees` of arc from (lat, lon) along azimuth, on a sphere."""
    phi1, lam1, theta, delta = map(np.radians, (lat, lon, azimuth, degrees))
    phi2 = np.arcsin(np.sin(phi1) * np.cos(delta) + np.cos(phi1) * np.sin(delta) * np.cos(theta))
    lam2 = lam1 + np.arctan2(np.sin(theta) * np.sin(delta) * np.cos(phi1), np.cos(delta) - np.sin(phi1) * np.sin(phi2))
    return float(np.degrees(phi2)), float((np.degrees(lam2) + 540) % 360 - 180)


def load_database(db, root: Path, events: int) -> None:
    from sparkseis.db.importer import import_folder

    began = time.perf_counter()
    report = import_folder(db, root / "sds")
    print(
        f"imported {report['mseed_files']} day files ({report['segments']} segments) in {time.perf_counter() - began:.1f} s"
    )
    start = datetime.datetime(2013, 5, 24, tzinfo=datetime.UTC).timestamp()
    channels = []
    for k in range(STATIONS):
        lat, lon = _destination(HYPOCENTRE["lat"], HYPOCENTRE["lon"], 360.0 * k / STATIONS, 30.0 + 60.0 * k / STATIONS)
        channels.append(
            {
                "_id": f"AE.S{k:03d}..BHZ",
                "net": "AE",
                "sta": f"S{k:03d}",
                "loc": "",
                "chan": "BHZ",
                "lat": lat,
                "lon": lon,
                "elev": 0.0,
                "hang": 0.0,
                "vang": 0.0,
                "sampling_rate": 40.0,
                "starttime": start - 86400.0,
                "endtime": start + 3 * 86400.0,
            }
        )
    db.channel.insert_many(channels)
    # origins from 00:10 on day 1 to 22:30 on day 2: P (<= 14 min) + 600 s + margin stay inside the archive
    # bench_index in random order of time: any first n events spread over both days
    times = np.linspace(start + 600.0, start + 2 * 86400.0 - 5400.0, events)
    order = np.random.default_rng(0).permutation(events)
    db.source.insert_many(
        [
            {"_id": i, "bench_index": int(order[i]), "time": float(t), **HYPOCENTRE, "magnitude": 6.0}
            for i, t in enumerate(times)
        ]
    )
    db.ensure_indexes()


def worker(uri: str, pairs: int, mode: str) -> None:
    """One run in this process (its own JVM): prints RESULT json."""
    from sparkseis.commands.event_windows import build_parser
    from sparkseis.spark import session
    from sparkseis.spark.event_windows import run

    tag = f"bench-{mode}-{pairs}"
    spark = session(
        "local[2]", app_name=f"sparkseis-{tag}", conf={"spark.ui.enabled": "false", "spark.driver.memory": "2g"}
    )
    events = pairs // STATIONS
    argv = ["--db", "archive_bench", "--mongo-uri", uri, "--events", json.dumps({"bench_index": {"$lt": events}})]
    argv += {
        "count": ["--count-only", "--time-steps"],
        "plan": ["--plan-only"],
        "save": ["--storage-mode", "file", "--output-tag", tag, "--overwrite"],
    }[mode]
    report = run(build_parser().parse_args(argv), spark)
    out = {
        k: getattr(report, k)
        for k in ("inputs", "live", "dead", "wall_s", "bytes_read", "files_touched", "step_ms", "partitions")
    }
    out["killed_by"] = report.killed_by
    out["run_id"] = report.run_id
    out["driver_python_peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["driver_jvm_peak_mib"] = jvm_peak_mib(f"sparkseis-{tag}".encode())
    spark.stop()
    print("RESULT " + json.dumps(out))


def run_worker(uri: str, pairs: int, mode: str) -> dict:
    env = dict(
        os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}", SPARK_LOCAL_IP="127.0.0.1"
    )
    cmd = [sys.executable, __file__, "--worker", mode, "--uri", uri, "--pairs", str(pairs)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=7200)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"worker failed: {out.stderr[-3000:]}")


def overlapping_record_bytes(db, run_id: str, root: Path) -> tuple[int, int]:
    """(bytes of the records holding each saved window's span read, windows): from libmseed's
    record list of the base day files (every station's files have their layout)."""
    import pymseed

    spans = []
    for path in sorted((root / "base").rglob("*.D.2013.*")):
        with pymseed.MS3RecordReader(str(path)) as reader:
            for rec in reader:
                first, rate = rec.starttime / 1e9, float(rec.samprate)
                spans.append((first - 0.5 / rate, first + (rec.samplecnt - 0.5) / rate, int(rec.reclen)))
    starts, ends, lengths = (np.array(x) for x in zip(*spans))
    total = n = 0
    for doc in db.wf_TimeSeries.find({"run_id": run_id}, {"read_span_start": 1, "read_span_end": 1}):
        total += int(lengths[(ends >= doc["read_span_start"]) & (starts <= doc["read_span_end"])].sum())
        n += 1
    return total, n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--worker", default=None)
    parser.add_argument("--uri", default=None)
    parser.add_argument("--pairs", type=int, default=0)
    parser.add_argument("--quick", action="store_true")
    a = parser.parse_args()
    if a.worker:
        worker(a.uri, a.pairs, a.worker)
        return
    began = time.perf_counter()
    build_archive(ARCHIVE)
    print(f"archive: {STATIONS} stations x {len(DAYS)} day files in {ARCHIVE} ({time.perf_counter() - began:.0f} s)")
    sizes = SIZES[:2] if a.quick else SIZES
    with bench_server() as client:
        db = client.get_database("archive_bench")
        load_database(db, ARCHIVE, max(max(sizes), PLAN_PAIRS) // STATIONS)
        uri = client.uri
        rows = []
        for pairs in sizes:
            r = run_worker(uri, pairs, "count")
            rows.append(r)
            print(
                f"{r['inputs']:>8,} pairs: {r['wall_s']:7.1f} s job, {1e3 * r['wall_s'] / r['inputs']:.2f} ms per window "
                f"({r['live']} live), {r['bytes_read'] / r['inputs'] / 1024:.1f} KiB read per window, "
                f"driver peak {r['driver_python_peak_mib']:.0f} MiB Python + {r['driver_jvm_peak_mib']:.0f} MiB JVM; "
                f"worker ms per window: {', '.join(f'{k} {v:.2f}' for k, v in r['step_ms'].items())}"
            )
        if len(rows) >= 3:
            ratio = (rows[2]["wall_s"] / rows[2]["inputs"]) / (rows[1]["wall_s"] / rows[1]["inputs"])
            print(f"per-window cost at {rows[2]['inputs']:,} / at {rows[1]['inputs']:,}: {ratio:.2f}x (target <= 1.2x)")
        saved = run_worker(uri, SIZES[0], "save")
        needed, windows = overlapping_record_bytes(db, saved["run_id"], ARCHIVE)
        print(
            f"{windows:,} windows saved (files): {saved['wall_s']:.1f} s job; bytes read {saved['bytes_read']:,} against "
            f"{needed:,} bytes of the records overlapping window plus margin: "
            f"{saved['bytes_read'] / needed:.3f}x (target <= 1.5x); "
            f"{saved['bytes_read'] / windows / 1024:.1f} KiB per window of a 4.6 MB day file"
        )
        plan = run_worker(uri, PLAN_PAIRS, "plan")
        print(
            f"planning alone: {plan['inputs']:,} pairs in {plan['wall_s']:.1f} s, driver peak "
            f"{plan['driver_python_peak_mib']:.0f} MiB Python + {plan['driver_jvm_peak_mib']:.0f} MiB JVM"
        )


if __name__ == "__main__":
    main()
