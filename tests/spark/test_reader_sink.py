"""Partition planning, broadcast stages and sink idempotence on a real local Spark."""

import pytest
from pyspark import TaskContext

from sparkseis.algorithms import WindowData, detrend
from sparkseis.spark import read_distributed_data, stage, write_distributed_data


@pytest.mark.parametrize("npartitions", [1, 3, 7, 50])
@pytest.mark.parametrize("query", [None, {"sta": "PB01"}, {"chan": "BHZ"}])
def test_every_document_read_exactly_once(spark, shipped_db, npartitions, query):
    expected = sorted(str(d["_id"]) for d in shipped_db["wf_miniseed"].find(query or {}, {"_id": 1}))
    rdd = read_distributed_data(
        shipped_db, query, collection="wf_miniseed", npartitions=npartitions, spark_context=spark.sparkContext
    )
    assert rdd.getNumPartitions() == min(npartitions, len(expected))
    got = sorted(rdd.map(lambda d: str(d["wf_miniseed_id"])).collect())
    assert got == expected


def test_stage_resolves_a_broadcast_once_per_worker_process(spark, shipped_db):
    import os

    bc = spark.sparkContext.broadcast({"window": -10.0})

    def shifted_window(d, spec, _held=[]):  # noqa: B006 - holds what it saw, so no address is reused within a task
        _held.append(spec)
        out = WindowData(d, d.t0 + 60.0 + spec["window"], d.t0 + 60.0)
        out["seen"] = (os.getpid(), id(spec))  # the object this process resolved the broadcast to
        return out

    rdd = read_distributed_data(shipped_db, collection="wf_miniseed", npartitions=6, spark_context=spark.sparkContext)
    out = rdd.map(stage(detrend, type="constant")).map(stage(shifted_window, bc)).collect()
    assert len(out) == 45 and all(d.live and d.npts == round(10.0 / d.dt) + 1 for d in out)
    objects = {}
    for d in out:
        pid, obj = d["seen"]
        objects.setdefault(pid, set()).add(obj)
    # six tasks over a few worker processes: each process resolved the broadcast to one object, once
    assert all(len(ids) == 1 for ids in objects.values()), objects
    assert len(objects) <= 6


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
    rdd = read_distributed_data(shipped_db, collection="wf_miniseed", npartitions=2, spark_context=spark.sparkContext)
    rdd = rdd.map(stage(WindowData, 0.0, 1.0, t0shift=None, short_segment_handling="kill")).map(fail_first_attempt)
    # windows [0, 1] s epoch are outside every trace: all die, so all go to the cemetery
    r = write_distributed_data(rdd, shipped_db, data_tag="retry-dead", batch_size=2).report
    assert marker.exists()
    assert r.outputs == r.stored == 45 and shipped_db["cemetery"].count_documents({"data_tag": "retry-dead"}) == 45

    marker.unlink()
    live = read_distributed_data(
        shipped_db, collection="wf_miniseed", npartitions=2, spark_context=spark.sparkContext
    ).map(fail_first_attempt)
    r = write_distributed_data(live, shipped_db, data_tag="retry-live", batch_size=2).report
    assert marker.exists() and r.live == 45
    docs = list(shipped_db["wf_TimeSeries"].find({"data_tag": "retry-live"}))
    assert len(docs) == 45 and len({d["wf_miniseed_id"] for d in docs}) == 45
    for doc in docs[:10]:
        assert shipped_db.read_data(doc["_id"], collection="wf_TimeSeries").live


def test_cursor_query_and_collection_names_as_mspass(spark, shipped_db):
    """The tutorial's forms: a pymongo cursor as the query, normalize by collection name."""
    # give every POKR record the ObjectId of its channel document, as MsPASS's import does
    for doc in shipped_db.wf_miniseed.find({"sta": "POKR"}):
        chan = shipped_db.channel.find_one({"sta": "POKR", "chan": doc["chan"]})
        shipped_db.wf_miniseed.update_one({"_id": doc["_id"]}, {"$set": {"channel_id": chan["_id"]}})
    cursor = shipped_db.wf_miniseed.find({"sta": "POKR"})
    rdd = read_distributed_data(shipped_db, cursor, normalize=["channel"], spark_context=spark.sparkContext)
    assert cursor.retrieved == 0  # the driver did not pull the documents
    out = rdd.collect()
    assert len(out) == 3 and all(d.live for d in out)
    for d in out:
        chan = shipped_db.channel.find_one({"_id": d["channel_id"]})
        assert d["channel_lat"] == chan["lat"] and d["channel_chan"] == d["chan"]
    shipped_db.wf_miniseed.update_many({}, {"$unset": {"channel_id": ""}})


def test_mspass_only_arguments_get_one_clear_error(spark, shipped_db):
    from sparkseis import ArgumentError

    with pytest.raises(ArgumentError, match="scheduler='dask'"):
        read_distributed_data(shipped_db, {}, scheduler="dask")
    with pytest.raises(ArgumentError, match="scratchfile"):
        read_distributed_data(shipped_db, {}, scratchfile="/tmp/x")
    with pytest.raises(ArgumentError, match="limit"):
        read_distributed_data(shipped_db, shipped_db.wf_miniseed.find({}).limit(3))
    with pytest.raises(ArgumentError, match="sparkseis Database"):
        read_distributed_data({"sta": "POKR"})


def test_database_methods_inside_map(spark, shipped_db):
    """db.read_data and db.save_data in a lambda: the Database travels and reconnects."""
    db = shipped_db
    ids = [d["_id"] for d in db.wf_miniseed.find({"sta": "113A"}, {"_id": 1})]
    saved = (
        spark.sparkContext.parallelize(ids, 2)
        .map(lambda i: db.read_data(i, collection="wf_miniseed"))
        .map(lambda d: WindowData(d, d.t0 + 10.0, d.t0 + 20.0))
        .map(lambda d: db.save_data(d, data_tag="in_map"))
        .collect()
    )
    assert len(saved) == 3 and all(s["live"] for s in saved)
    assert db.wf_TimeSeries.count_documents({"data_tag": "in_map"}) == 3
