"""Partition planning, broadcast stages and sink idempotence on a real local Spark."""

import pytest
from pyspark import TaskContext

from sparkseis.algorithms import WindowData, detrend
from sparkseis.spark import read_distributed_data, stage, write_distributed_data


@pytest.mark.parametrize("npartitions", [1, 3, 7, 50])
@pytest.mark.parametrize("query", [None, {"sta": "PB01"}, {"chan": "BHZ"}])
def test_every_document_read_exactly_once(spark, shipped_db, npartitions, query):
    expected = sorted(str(d["_id"]) for d in shipped_db["wf_miniseed"].find(query or {}, {"_id": 1}))
    rdd = read_distributed_data(shipped_db, query, npartitions=npartitions, spark_context=spark.sparkContext)
    assert rdd.getNumPartitions() == min(npartitions, len(expected))
    got = sorted(rdd.map(lambda d: str(d["wf_miniseed_id"])).collect())
    assert got == expected


def test_stage_resolves_broadcast_once_per_worker(spark, shipped_db):
    bc = spark.sparkContext.broadcast(("window", -10.0))

    def shifted_window(d, spec):
        return WindowData(d, d.t0 + 60.0 + spec[1], d.t0 + 60.0)

    rdd = read_distributed_data(shipped_db, {"sta": "POKR"}, npartitions=2, spark_context=spark.sparkContext)
    out = rdd.map(stage(detrend, type="constant")).map(stage(shifted_window, bc)).collect()
    assert len(out) == 3 and all(d.live and d.npts == 401 for d in out)


def test_retried_task_leaves_no_duplicates(spark, shipped_db, tmp_path):
    marker = tmp_path / "failed-once"

    def fail_first_attempt(d):
        ctx = TaskContext.get()
        if ctx.partitionId() == 0 and ctx.attemptNumber() == 0 and d["wf_miniseed_id"] == first_id:
            marker.write_text("failed")
            raise RuntimeError("injected task failure after earlier batches were written")
        return d

    ids = sorted(d["_id"] for d in shipped_db["wf_miniseed"].find({}, {"_id": 1}))
    first_id = ids[8]  # in partition 0, after several flushed batches of 2
    rdd = read_distributed_data(shipped_db, npartitions=2, spark_context=spark.sparkContext)
    rdd = rdd.map(stage(WindowData, 0.0, 1.0, t0shift=None, short_segment_handling="kill")).map(fail_first_attempt)
    # windows [0, 1] s epoch are outside every trace: all die, so all go to the cemetery
    r = write_distributed_data(rdd, shipped_db, "retry-dead", batch_size=2)
    assert marker.exists()
    assert r["inputs"] == 45 and shipped_db["cemetery"].count_documents({"data_tag": "retry-dead"}) == 45

    marker.unlink()
    live = read_distributed_data(shipped_db, npartitions=2, spark_context=spark.sparkContext).map(fail_first_attempt)
    r = write_distributed_data(live, shipped_db, "retry-live", batch_size=2)
    assert marker.exists() and r["live"] == 45
    docs = list(shipped_db["wf_TimeSeries"].find({"data_tag": "retry-live"}))
    assert len(docs) == 45 and len({d["wf_miniseed_id"] for d in docs}) == 45
    for doc in docs[:10]:
        assert shipped_db.read_data(doc["_id"], collection="wf_TimeSeries").live
