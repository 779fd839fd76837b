"""read_distributed_data and write_distributed_data as MsPASS scripts call them (a real local Spark)."""

import numpy as np
import pytest

from sparkseis import ErrorSeverity, TimeSeries
from sparkseis.spark import read_distributed_data, write_distributed_data


@pytest.fixture
def five(fresh_db, tmp_path):
    """Five saved TimeSeries, the second of which will die on the way."""
    for i in range(5):
        fresh_db.save_data(
            TimeSeries(np.full(30, float(i)), 1000.0 + i, 0.1, {"sta": f"S{i}", "i": i}),
            data_tag="in",
            storage_mode="file",
            dir=tmp_path,
        )
    return fresh_db


def _killing_the_second():
    """A step that kills the datum with i == 1 (made here so Spark pickles it by value)."""

    def kill_second(d):
        if d["i"] == 1:
            d.kill()
            d.elog.log_error("test", "chosen to die", ErrorSeverity.Invalid)
        return d

    return kill_second


def test_write_distributed_data_takes_mspass_arguments_and_returns_the_saved_ids(spark, five):
    rdd = read_distributed_data(five, collection="wf_TimeSeries", data_tag="in", spark_context=spark.sparkContext).map(
        _killing_the_second()
    )
    ids = write_distributed_data(
        rdd,
        five,
        data_are_atomic=True,
        mode="promiscuous",
        scheduler="spark",
        data_tag="out",
        cremate=False,
        alg_name="write_distributed_data",
        alg_id="0",
    )
    assert len(ids) == 5 and sum(i is None for i in ids) == 1
    saved = {d["_id"]: d for d in five.wf_TimeSeries.find({"data_tag": "out"})}
    assert set(i for i in ids if i is not None) == set(saved)
    inputs = [d["i"] for d in five.wf_TimeSeries.find({"data_tag": "in"}).sort("_id", 1) if d["i"] != 1]
    assert [saved[i]["i"] for i in ids if i is not None] == inputs  # input order: the reader's, by _id
    assert ids.report.live == 4 and ids.report.dead == 1
    assert five.cemetery.find_one({"data_tag": "out"})["logdata"][0]["error_message"] == "chosen to die"


def test_cremate_leaves_no_record_of_dead_data_but_counts_them(spark, five):
    rdd = read_distributed_data(five, collection="wf_TimeSeries", data_tag="in", spark_context=spark.sparkContext).map(
        _killing_the_second()
    )
    ids = write_distributed_data(rdd, five, data_tag="ashes", cremate=True)
    assert len(ids) == 4 and None not in ids and ids.report.cremated == 1 and ids.report.dead == 1
    assert five.cemetery.count_documents({"data_tag": "ashes"}) == 0
    assert five.jobs.find_one({"data_tag": "ashes"})["status"] == "succeeded"


def test_mspass_argument_errors(spark, five):
    rdd = read_distributed_data(five, collection="wf_TimeSeries", spark_context=spark.sparkContext)
    with pytest.raises(TypeError, match="sparkseis Database"):
        write_distributed_data(rdd, "not a db", data_tag="x")
    with pytest.raises(TypeError, match="storage_mode"):
        write_distributed_data(rdd, five, storage_mode="s3", data_tag="x")
    with pytest.raises(ValueError, match="collection"):
        write_distributed_data(rdd, five, collection="illegal_collection", data_tag="x")
    with pytest.raises(ValueError, match="scheduler"):
        write_distributed_data(rdd, five, scheduler="dask", data_tag="x")
    with pytest.raises(TypeError, match="sparkseis Database"):
        read_distributed_data({"sta": "S1"})
    with pytest.raises(TypeError, match="normalize must be a list"):
        read_distributed_data(five, collection="wf_TimeSeries", normalize="channel", spark_context=spark.sparkContext)
    assert five.wf_TimeSeries.count_documents({"data_tag": "x"}) == 0
