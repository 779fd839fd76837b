"""MsPASS's standard pattern: read wf_TimeSeries and save back into it under a new tag. Every
planned input gives exactly one output, whatever the job or another process writes meanwhile."""

import subprocess
import sys
import time

import numpy as np
import pytest

from sparkseis import TimeSeries
from sparkseis.algorithms import detrend
from sparkseis.spark import read_distributed_data, stage, write_distributed_data


def _save_inputs(db, n: int, tmp_path) -> None:
    """n short TimeSeries saved as wf_TimeSeries (file storage) under tag 'input'."""
    rng = np.random.default_rng(n)
    sink = db.sink("input", "file", str(tmp_path), batch_size=500)
    for i in range(n):
        d = TimeSeries(
            rng.normal(size=50), 1.0e9 + i, 0.05, {"net": "XX", "sta": f"S{i:04d}", "chan": "BHZ", "_source_key": i}
        )
        sink.add(d)
    sink.close()


def _outputs_by_parent(db, tag: str) -> list:
    return sorted(
        str(d["parent_id"])
        for coll in ("wf_TimeSeries", "cemetery")
        for d in db[coll].find({"data_tag": tag}, {"parent_id": 1})
    )


@pytest.mark.parametrize("n, npartitions", [(5, 5), (2000, 16)])
def test_reading_and_saving_one_collection_gives_one_output_per_input(spark, fresh_db, tmp_path, n, npartitions):
    db = fresh_db
    _save_inputs(db, n, tmp_path)
    for run in range(3):  # each run reads everything there is, its predecessors' outputs included
        planned = sorted(str(d["_id"]) for d in db.wf_TimeSeries.find({}, {"_id": 1}))
        rdd = read_distributed_data(
            db, collection="wf_TimeSeries", npartitions=npartitions, spark_context=spark.sparkContext
        )
        saved = write_distributed_data(
            rdd.map(stage(detrend)),
            db,
            data_tag=f"save_number_{run}",
            storage_mode="file",
            output_dir=str(tmp_path),
            batch_size=7,
        )
        assert _outputs_by_parent(db, f"save_number_{run}") == planned
        assert saved.report.live == len(planned) and saved.report.dead == 0
        assert len(saved) == len(planned) and len(set(saved)) == len(planned) and None not in saved
        back = read_distributed_data(
            db, collection="wf_TimeSeries", data_tag=f"save_number_{run}", spark_context=spark.sparkContext
        )
        assert back.count() == len(planned)


INSERTER = """
import sys, time, pymongo
coll = pymongo.MongoClient(sys.argv[1])[sys.argv[2]]["wf_TimeSeries"]
i = 0
while True:
    coll.insert_one({"net": "ZZ", "sta": f"Z{i}", "chan": "BHZ", "t0": 0.0, "dt": 1.0, "npts": 1, "data_tag": "foreign"})
    i += 1
    if i == 1:
        open(sys.argv[3], "w").write("started")
"""


def test_another_process_inserting_during_the_read_changes_nothing(spark, fresh_db, tmp_path, embedded_server):
    db = fresh_db
    _save_inputs(db, 400, tmp_path)
    planned = sorted(str(d["_id"]) for d in db.wf_TimeSeries.find({}, {"_id": 1}))
    rdd = read_distributed_data(db, collection="wf_TimeSeries", npartitions=8, spark_context=spark.sparkContext)
    started = tmp_path / "inserter-started"
    inserter = subprocess.Popen([sys.executable, "-c", INSERTER, embedded_server.uri, db.name, str(started)])
    try:
        deadline = time.monotonic() + 60
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert started.exists(), "the inserting process did not start"

        def slow(d):
            time.sleep(0.002)  # keep the read going while the other process inserts
            return d

        write_distributed_data(
            rdd.map(slow), db, data_tag="while_inserting", storage_mode="file", output_dir=str(tmp_path)
        )
    finally:
        inserter.kill()
        inserter.wait()
    assert db.wf_TimeSeries.count_documents({"data_tag": "foreign"}) > 0
    assert _outputs_by_parent(db, "while_inserting") == planned
