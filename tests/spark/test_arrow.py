"""A saved data_tag as a Spark DataFrame and as Parquet, read back with pyarrow and pandas, and
back to TimeSeries without loss."""

import numpy as np
import pyarrow.parquet as pq
import pytest

from sparkseis.commands.p_window import build_parser
from sparkseis.io.arrow import timeseries_from_table
from sparkseis.spark.arrow import export_parquet, from_dataframe, tag_dataframe, to_dataframe
from sparkseis.spark.p_window import run
from sparkseis.spark.reader import read_distributed_data


@pytest.fixture(scope="module")
def saved(spark, shipped_db):
    r = run(
        build_parser().parse_args(
            [
                "--db",
                "shipped",
                "--output-tag",
                "arrow",
                "--t0offset",
                "0",
                "--tolerance",
                "400",
                "--window",
                "-30",
                "120",
                "--overwrite",
            ]
        ),
        spark,
    )
    assert r.live > 10
    return r


def test_parquet_export_has_one_row_per_live_window_with_gridfs_samples(spark, shipped_db, saved, tmp_path):
    rows = export_parquet(shipped_db, "arrow", tmp_path / "pq", spark)
    table = pq.read_table(tmp_path / "pq")
    assert rows == table.num_rows == saved.live == shipped_db.wf_TimeSeries.count_documents({"data_tag": "arrow"})
    frame = table.to_pandas()
    assert {"sta", "chan", "t0", "dt", "npts", "Ptime", "epicentral_distance", "samples"} <= set(frame.columns)
    for row in frame.itertuples():
        stored = shipped_db.read_data(
            shipped_db.wf_TimeSeries.find_one(
                {"data_tag": "arrow", "sta": row.sta, "chan": row.chan, "Ptime": row.Ptime}
            ),
            collection="wf_TimeSeries",
        )
        assert np.array_equal(np.asarray(row.samples), stored.data)
        assert (
            row.t0 == stored.t0 and row.dt == stored.dt and row.npts == stored.npts and row.time_standard == "Relative"
        )
    # and back to TimeSeries straight from the Parquet table, without Spark
    back = timeseries_from_table(table)
    assert len(back) == rows and all(d.time_is_relative() and d.npts == len(s) for d, s in zip(back, frame["samples"]))


def test_dataframe_round_trip_keeps_samples_and_times(spark, shipped_db, saved):
    original = {d["wf_TimeSeries_id"]: d for d in read_distributed_data(shipped_db, {"data_tag": "arrow"}).collect()}
    df = tag_dataframe(shipped_db, "arrow", spark)
    # Spark SQL on seismic metadata: windows per station, ordered by distance
    per_station = {r["sta"]: r["n"] for r in df.groupBy("sta").count().withColumnRenamed("count", "n").collect()}
    assert sum(per_station.values()) == len(original)
    back = from_dataframe(df).collect()
    assert len(back) == len(original)
    for d in back:
        o = original[_oid(d["wf_TimeSeries_id"])]
        assert np.array_equal(d.data, o.data) and d.t0 == o.t0 and d.dt == o.dt and d.npts == o.npts
        assert d.time_is_relative() and d.t0shift == o.t0shift and d["sta"] == o["sta"]


def test_an_rdd_of_processed_data_becomes_a_dataframe(spark, shipped_db):
    rdd = read_distributed_data(shipped_db, {"sta": "POKR"}, collection="wf_miniseed", spark_context=spark.sparkContext)
    df = to_dataframe(rdd, spark)
    rows = df.select("sta", "chan", "npts", "samples").collect()
    assert len(rows) == 3 and all(len(r["samples"]) == r["npts"] > 100_000 for r in rows)


def _oid(text):
    from bson import ObjectId

    return ObjectId(text)
