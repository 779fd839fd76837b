"""The Spark engine: session, partitioned reader, map stages, bulk sink. Only here is pyspark imported."""

from sparkseis.spark.reader import read_distributed_data
from sparkseis.spark.session import describe, session
from sparkseis.spark.sink import DataTagExistsError, count_live, write_distributed_data
from sparkseis.spark.stages import stage

__all__ = ["DataTagExistsError", "count_live", "describe", "read_distributed_data", "session", "stage", "write_distributed_data"]
