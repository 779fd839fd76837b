"""Three-component side by side with MsPASS 2.4.3 on the peer's 2,000 replicas: both systems
window every waveform (p_window's chain), bundle each station's BHE/BHN/BHZ windows of one event
(bundle_seed_data) and rotate them to R, T, Z by the back azimuth (transform_to_RTZ). Prints the
largest differences of transformation matrices and samples, the dead Seismograms of each side
with their reasons, and each system's job clock.

    PEER=/work/peer_scratch .venv/bin/python benchmarks/three_component_side_by_side.py

Needs the peer built (../shared/peer/build_mspass.sh) and its databases loaded (one run of
run_side_by_side.sh: mspass_peer and sparkseis_peer on port 27203 under $PEER/mongo). The
server is started here and stopped afterwards when this script started it. MsPASS runs its
serial loop (the tutorial's workflow, then a dict of TimeSeriesEnsembles per station and event);
sparkseis runs `spark-submit --master local[2] jobs/p_window_3c.py` and saves to wf_Seismogram.
Seismograms are matched by NET.STA and the replica's day (the day its inputs start).
"""

from __future__ import annotations

import json
import math
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
PEER = Path(os.environ.get("PEER", "/work/peer_scratch"))
PEER_SCRIPTS = REPO.parent / "shared" / "peer"
URI, MDB, SDB, TAG = "mongodb://127.0.0.1:27203", "mspass_peer", "sparkseis_peer", "p3c_peer"
T0OFFSET, TOLERANCE = "-289.6", "4.0"
DAY = 86400.0

# Runs in the peer's own Python: MsPASS's chain (mspass_seed_workflow.py's functions), then
# bundling and rotation; writes one npz of samples and a JSON list of Seismograms.
PEER_SIDE = r"""
import json, math, sys, time
import numpy as np
sys.path.insert(0, sys.argv[1])
import mspass_seed_workflow as w
from mspasspy.algorithms.basic import transform_to_RTZ
from mspasspy.algorithms.bundle import bundle_seed_data
from mspasspy.algorithms.resample import resample
from mspasspy.algorithms.signals import detrend
from mspasspy.algorithms.window import WindowData
from mspasspy.ccore.seismic import TimeSeriesEnsemble
from mspasspy.db.client import DBClient
uri, name, out, t0offset, tolerance = sys.argv[2:7]
db = DBClient(uri).get_database(name)
tools = w.build_tools(db, float(t0offset), float(tolerance))
nrm = [tools["chan_matcher"], tools["src_matcher"]]
started = time.perf_counter()
groups = {}
for doc in db.wf_miniseed.find({}):
    d = db.read_data(doc, collection="wf_miniseed", normalize=nrm)
    d = detrend(d, type="constant")
    d = resample(d, tools["decimator"], tools["resampler"])
    d = w.set_Ptime(d, tools["ttmodel"])
    d = w.shift_by_Ptime(d)
    d = w.WindowData(d, w.WIN_START, w.WIN_END)
    key = "{}.{}.{:05d}".format(doc["net"], doc["sta"], int(math.floor(doc["starttime"] / 86400.0)))
    groups.setdefault(key, []).append(d)
rows, arrays = [], {}
for key in sorted(groups):
    ens = TimeSeriesEnsemble()
    for d in groups[key]:
        ens.member.append(d)
    ens.set_live()
    bundled = bundle_seed_data(ens)
    if len(bundled.member) != 1:
        rows.append({"key": key, "members": len(bundled.member), "live": False,
                     "reason": "bundle_seed_data gave %d Seismograms" % len(bundled.member)})
        continue
    s = transform_to_RTZ(bundled.member[0]) if bundled.member[0].live else bundled.member[0]
    reason = "; ".join(e.message for e in s.elog.get_error_log())
    rows.append({"key": key, "live": bool(s.live), "reason": reason, "npts": int(s.npts) if s.live else 0,
                 "t0": float(s.t0) if s.live else None, "dt": float(s.dt) if s.live else None})
    if s.live:
        arrays[key + "/tmatrix"] = np.array(s.tmatrix)
        arrays[key + "/data"] = np.array(s.data)
job_s = time.perf_counter() - started
np.savez(out, **arrays)
print(json.dumps({"job_s": job_s, "inputs": sum(map(len, groups.values())), "seismograms": rows}))
"""


def peer_env() -> dict:
    """The environment of ../shared/peer/env.sh: the peer's server, folders and Spark settings."""
    env = dict(os.environ)
    env.update(
        SPARKSEIS_EMBEDDED_PORT="27203",
        SPARKSEIS_EMBEDDED_DIR=str(PEER / "mongo"),
        SPARKSEIS_EVENT_LOG_DIR=str(PEER / "spark-events"),
        SPARKSEIS_OUTPUT_DIR=str(PEER / "waveforms"),
        SPARKSEIS_MONGODB_URI=URI + "/",
        SPARK_LOCAL_IP="127.0.0.1",
        SPARK_CONF_DIR=str(REPO / "conf" / "spark"),
        PYTHONPYCACHEPREFIX=str(PEER / "pycache"),
        PATH=f"{REPO / '.venv' / 'bin'}:{env['PATH']}",
    )
    return env


def server_running() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 27203), timeout=1).close()
    except OSError:
        return False
    return True


def mspass_side(env: dict, out: Path) -> dict:
    started = time.perf_counter()
    run = subprocess.run(
        [
            str(PEER / "mspass-venv/bin/python"),
            "-c",
            PEER_SIDE,
            str(PEER_SCRIPTS),
            URI,
            MDB,
            str(out),
            T0OFFSET,
            TOLERANCE,
        ],
        capture_output=True,
        text=True,
        cwd=str(PEER / "run"),
        env={k: v for k, v in env.items() if not k.startswith("PYTHON")},
    )
    if run.returncode:
        raise SystemExit(f"the MsPASS side failed:\n{run.stderr[-3000:]}")
    result = json.loads(run.stdout.splitlines()[-1])
    result["proc_s"] = time.perf_counter() - started
    return result


def sparkseis_side(env: dict, *flags: str) -> dict:
    """One spark-submit of jobs/p_window_3c.py with flags: its whole-process and job clocks (s)
    and its run id (None when counting only)."""
    started = time.perf_counter()
    run = subprocess.run(
        [
            str(REPO / ".venv/bin/spark-submit"),
            "--master",
            "local[2]",
            str(REPO / "jobs/p_window_3c.py"),
            "--db",
            SDB,
            "--t0offset",
            T0OFFSET,
            "--tolerance",
            TOLERANCE,
            *flags,
        ],
        capture_output=True,
        text=True,
        cwd=str(PEER / "run"),
        env=env,
    )
    if run.returncode:
        raise SystemExit(f"the sparkseis side failed:\n{run.stderr[-3000:]}")
    proc_s = time.perf_counter() - started
    wall = re.search(r"wall time +: ([0-9.]+) s job", run.stdout)
    run_id = re.search(r"data_tag '[^']*' \(\w+\), run (\S+)", run.stdout)
    if not wall:
        raise SystemExit(f"no summary from the sparkseis side:\n{run.stdout[-3000:]}")
    return {"proc_s": proc_s, "job_s": float(wall.group(1)), "run_id": run_id.group(1) if run_id else None}


def sparkseis_seismograms(run_id: str) -> tuple[dict, dict]:
    """{key: live Seismogram} and {key: dead reason} of the run."""
    from sparkseis.client import Client

    db = Client(URI).get_database(SDB)
    starts = {str(d["_id"]): d for d in db["wf_miniseed"].find({}, {"net": 1, "sta": 1, "starttime": 1})}

    def key_of(parents: list) -> str:
        days = {int(math.floor(starts[str(p)]["starttime"] / DAY)) for p in parents}
        net_sta = {(starts[str(p)]["net"], starts[str(p)]["sta"]) for p in parents}
        assert len(days) == 1 and len(net_sta) == 1, f"a Seismogram of mixed inputs: {parents}"
        (net, sta), day = net_sta.pop(), days.pop()
        return f"{net}.{sta}.{day:05d}"

    live, dead = {}, {}
    for doc in db["wf_Seismogram"].find({"run_id": run_id}):
        live[key_of(doc["parent_ids"])] = db.read_data(doc["_id"], collection="wf_Seismogram")
    for doc in db["cemetery"].find({"run_id": run_id}):
        dead[key_of(doc["tombstone"]["parent_ids"])] = doc["reason"]
    return live, dead


def main() -> None:
    env = peer_env()
    started_server = not server_running()
    if started_server:
        subprocess.run([str(REPO / ".venv/bin/sparkseis"), "db", "start"], env=env, check=True, capture_output=True)
    try:
        (PEER / "run").mkdir(exist_ok=True)
        npz = PEER / "run" / "mspass_3c.npz"
        theirs = mspass_side(env, npz)
        counted = sparkseis_side(env, "--count-only")
        ours = sparkseis_side(env, "--output-tag", TAG, "--overwrite")
        live, dead = sparkseis_seismograms(ours["run_id"])
    finally:
        if started_server:
            subprocess.run([str(REPO / ".venv/bin/sparkseis"), "db", "stop"], env=env, capture_output=True)
    wall = ours["job_s"]
    arrays = np.load(npz)
    rows = {r["key"]: r for r in theirs["seismograms"]}
    tm_diff = rel_diff = 0.0
    t0_diff = 0.0
    compared = 0
    disagree = []
    for key, row in sorted(rows.items()):
        if row["live"] != (key in live):
            disagree.append((key, row.get("reason"), dead.get(key, "live in sparkseis")))
            continue
        if not row["live"]:
            continue
        s = live[key]
        data = arrays[key + "/data"]
        if s.npts != row["npts"] or abs(s.t0 - row["t0"]) > 0.5 * s.dt:
            disagree.append((key, f"npts {row['npts']} t0 {row['t0']}", f"npts {s.npts} t0 {s.t0}"))
            continue
        tm_diff = max(tm_diff, float(np.abs(s.tmatrix - arrays[key + "/tmatrix"]).max()))
        rel_diff = max(rel_diff, float(np.abs(s.data - data).max() / np.abs(data).max()))
        t0_diff = max(t0_diff, abs(s.t0 - row["t0"]))
        compared += 1
    only_ours = sorted((set(live) | set(dead)) - set(rows))
    print(
        f"inputs: MsPASS {theirs['inputs']} waveforms; Seismograms MsPASS {len(rows)}, sparkseis {len(live) + len(dead)}"
    )
    print(
        f"live Seismograms compared: {compared}; tmatrix max |diff| {tm_diff:.1e}; samples max relative diff "
        f"{rel_diff:.1e}; t0 max |diff| {t0_diff:.1e} s"
    )
    for key, row in sorted(rows.items()):
        if not row["live"]:
            print(f"dead {key}: MsPASS: {row['reason']!r}\n{'':{len(key) + 6}}sparkseis: {dead.get(key, 'not dead')!r}")
    for item in disagree:
        print("DISAGREE", *item)
    for key in only_ours:
        print("ONLY IN SPARKSEIS", key)
    print(
        f"job clock: MsPASS serial, no save {theirs['job_s']:.1f} s; sparkseis local[2] count only "
        f"{counted['job_s']:.1f} s ({theirs['job_s'] / counted['job_s']:.1f}x), saving to GridFS {wall:.1f} s "
        f"({theirs['job_s'] / wall:.1f}x)"
    )
    print(
        f"whole process: MsPASS {theirs['proc_s']:.1f} s; sparkseis count only {counted['proc_s']:.1f} s "
        f"({theirs['proc_s'] / counted['proc_s']:.1f}x), saving {ours['proc_s']:.1f} s"
    )
    if disagree or only_ours:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
