"""The Spark engine: session, partitioned reader, map stages, bulk sink. Only here is pyspark imported."""

# first: which pyspark the imports below load (the installed one, not spark-submit's zip of it)
from sparkseis.spark.pyspark_path import prefer_installed_pyspark

prefer_installed_pyspark()

# ruff: noqa: E402
from sparkseis.core.errors import DataTagExistsError
from sparkseis.spark.ensembles import group_ensembles
from sparkseis.spark.reader import read_distributed_data
from sparkseis.spark.session import describe, session, spark_context
from sparkseis.spark.sink import count_live, write_distributed_data
from sparkseis.spark.stages import stage

__all__ = [
    "DataTagExistsError",
    "count_live",
    "describe",
    "group_ensembles",
    "read_distributed_data",
    "session",
    "spark_context",
    "stage",
    "write_distributed_data",
]
