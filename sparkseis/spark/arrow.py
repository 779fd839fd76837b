"""TimeSeries RDDs as Spark DataFrames through Arrow (metadata columns, samples as an array
column), a saved data_tag as a DataFrame, and Parquet export."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
from pyspark import RDD
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.pandas.types import from_arrow_schema

from sparkseis.core.seismic import BasicSeismic
from sparkseis.db.database import Database
from sparkseis.io.arrow import record_batch, row_of, schema_of, timeseries_from_row
from sparkseis.spark.reader import read_distributed_data

# data per Arrow batch: a batch travels as one value, so keep it a few MB (64 windows of 14,001 samples: 7 MB)
BATCH = 64


def _encode(schema: pa.Schema, batch: int):
    def encode(data: Iterator[BasicSeismic]) -> Iterator[tuple[bytes]]:
        rows: list[dict[str, Any]] = []
        for d in data:
            rows.append(row_of(d))
            if len(rows) == batch:
                yield (_ipc(record_batch(rows, schema)),)
                rows = []
        if rows:
            yield (_ipc(record_batch(rows, schema)),)

    return encode


def _ipc(batch: pa.RecordBatch) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return sink.getvalue().to_pybytes()


def _decode(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    for outer in batches:
        for blob in outer.column(0).to_pylist():
            yield from pa.ipc.open_stream(blob)


def to_dataframe(
    rdd: RDD, spark: SparkSession | None = None, keys: Iterable[str] | None = None, sample: int = 100
) -> DataFrame:
    """An RDD of TimeSeries as a DataFrame: one row per datum, metadata columns, t0/dt/npts/
    time_standard/live, and `samples` (array<double>). Columns: keys, default the metadata keys
    of the first `sample` data (numbers as double, text, booleans; other values as JSON text)."""
    spark = spark or SparkSession.builder.getOrCreate()
    schema = schema_of((row_of(d) for d in rdd.take(sample)), keys)
    blobs = rdd.mapPartitions(_encode(schema, BATCH)).setName(f"{rdd.name() or 'data'} → Arrow batches")
    seed = spark.createDataFrame(blobs, "ipc binary")
    return seed.mapInArrow(_decode, from_arrow_schema(schema))


def tag_dataframe(
    db: Database,
    data_tag: str,
    spark: SparkSession | None = None,
    collection: str = "wf_TimeSeries",
    keys: Iterable[str] | None = None,
) -> DataFrame:
    """The live data saved under data_tag as a DataFrame (see to_dataframe)."""
    spark = spark or SparkSession.builder.getOrCreate()
    rdd = read_distributed_data(db, {"data_tag": data_tag}, collection=collection, spark_context=spark.sparkContext)
    return to_dataframe(rdd, spark, keys)


def from_dataframe(df: DataFrame) -> RDD:
    """The TimeSeries a DataFrame made by to_dataframe (or read from its Parquet) holds."""
    return df.rdd.map(lambda row: timeseries_from_row(row.asDict()))


def export_parquet(
    db: Database,
    data_tag: str,
    folder: str | Path,
    spark: SparkSession | None = None,
    collection: str = "wf_TimeSeries",
) -> int:
    """Write the data saved under data_tag as Parquet files in folder (replaced); returns rows written."""
    df = tag_dataframe(db, data_tag, spark, collection)
    df.write.mode("overwrite").parquet(str(Path(folder).resolve()))
    return df.sparkSession.read.parquet(str(Path(folder).resolve())).count()
