"""The three-component job on the shipped data (AE.113A, TA.POKR and CX.PB01 have BHE, BHN,
BHZ): Seismograms rotated to R, T, Z equal ObsPy's rotations of p_window's own windows, and
every input is accounted for by exactly one record."""

from __future__ import annotations

import numpy as np
import obspy
import pytest
from obspy.signal.rotate import rotate2zne, rotate_ne_rt

from sparkseis.commands.p_window_3c import build_parser
from sparkseis.core.errors import AccountingError
from sparkseis.db.runs import RUNS
from sparkseis.spark.p_window import run as run_p_window
from sparkseis.spark.p_window_3c import run
from tests.support import DATA

ARGS = ["--db", "shipped", "--t0offset", "0", "--tolerance", "400", "--window", "-60", "35", "--pdiff", "--overwrite"]


def test_rtz_seismograms_from_the_p_windows(spark, shipped_db):
    r = run(build_parser().parse_args([*ARGS, "--output-tag", "rtz3c"]), spark)
    # 45 records: the Okhotsk event at 2 stations, 13 rf events at CX.PB01; one rf event's records
    # end 16 s after P, so its Seismogram is dead (a dead member)
    assert r.documents_read == 45 and r.inputs_covered == 45 and (r.live, r.dead) == (14, 1) and r.stored == 15
    parents = [p for d in shipped_db.wf_Seismogram.find({"run_id": r.run_id}) for p in d["parent_ids"]]
    parents += [p for d in shipped_db.cemetery.find({"run_id": r.run_id}) for p in d["tombstone"]["parent_ids"]]
    assert sorted(map(str, parents)) == sorted(str(d["_id"]) for d in shipped_db.wf_miniseed.find({}, {"_id": 1}))
    dead = shipped_db.cemetery.find_one({"run_id": r.run_id})
    assert "a member is dead" in dead["reason"] and dead["tombstone"]["sta"] == "PB01"

    windows = run_p_window(build_parser().parse_args([*ARGS, "--output-tag", "rtz3c_windows"]), spark)
    assert windows.live == 42
    inv = obspy.read_inventory(str(DATA / "okhotsk_2013" / "AE.113A..BH_.xml"))
    comps = {}
    for doc in shipped_db.wf_TimeSeries.find({"data_tag": "rtz3c_windows", "sta": "113A"}):
        ch = inv.select(channel=doc["chan"])[0][0][0]
        comps[doc["chan"]] = (shipped_db.read_data(doc["_id"]).data, ch.azimuth, ch.dip)
    z, n, e = rotate2zne(*[x for c in ("BHE", "BHN", "BHZ") for x in comps[c]])
    doc = shipped_db.wf_Seismogram.find_one({"run_id": r.run_id, "sta": "113A"})
    s = shipped_db.read_data(doc["_id"], collection="wf_Seismogram")
    radial, transverse = rotate_ne_rt(n, e, s["seaz"])
    scale = np.abs(s.data).max()
    assert s.time_is_relative() and s.npts == len(z)
    assert np.abs(s.data[0] - radial).max() <= 1e-9 * scale and np.abs(s.data[1] + transverse).max() <= 1e-9 * scale
    assert np.abs(s.data[2] - z).max() <= 1e-9 * scale


def test_resume_completes_an_interrupted_run(spark, shipped_db):
    """An attempt that saved only some Seismograms (records removed here, as a killed run leaves
    them missing) is completed by --resume: only the inputs no record covers are read again, and
    every input ends covered by exactly one record of the run."""
    args = [*ARGS, "--output-tag", "rtz3c_resume"]
    first = run(build_parser().parse_args(args), spark)
    lost = [d["_id"] for d in shipped_db.wf_Seismogram.find({"run_id": first.run_id}, {"_id": 1}).limit(4)]
    shipped_db.wf_Seismogram.delete_many({"_id": {"$in": lost}})
    shipped_db.cemetery.delete_many({"run_id": first.run_id})  # the dead Seismogram too
    shipped_db[RUNS].update_one({"_id": first.run_id}, {"$set": {"status": "failed"}})

    resumed = run(build_parser().parse_args([*args, "--resume"]), spark)
    assert resumed.run_id == first.run_id
    assert resumed.documents_read == 3 * 5 and (resumed.live, resumed.dead) == (4, 1)
    parents = [p for d in shipped_db.wf_Seismogram.find({"run_id": first.run_id}) for p in d["parent_ids"]]
    parents += [p for d in shipped_db.cemetery.find({"run_id": first.run_id}) for p in d["parent_ids"]]
    assert sorted(map(str, parents)) == sorted(str(d["_id"]) for d in shipped_db.wf_miniseed.find({}, {"_id": 1}))
    assert shipped_db[RUNS].find_one({"_id": first.run_id})["status"] == "succeeded"


def test_resume_refuses_a_run_whose_records_do_not_cover_its_inputs(spark, shipped_db):
    """A record of the run made of inputs it never planned breaks the count: the resume fails
    loudly instead of calling the run complete."""
    args = [*ARGS, "--output-tag", "rtz3c_badcount"]
    first = run(build_parser().parse_args(args), spark)
    extra = shipped_db.wf_Seismogram.find_one({"run_id": first.run_id})
    extra["_id"], extra["parent_id"], extra["parent_ids"] = "stray", "not-an-input", ["not-an-input"]
    shipped_db.wf_Seismogram.insert_one(extra)
    shipped_db[RUNS].update_one({"_id": first.run_id}, {"$set": {"status": "failed"}})
    with pytest.raises(AccountingError, match="standing for 46 inputs of this run, expected 45"):
        run(build_parser().parse_args([*args, "--resume"]), spark)
