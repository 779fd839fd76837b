"""The Spark engine: session, partitioned reader, map stages, bulk sink. Only here is pyspark imported."""

from sparkseis.algorithms.traveltime import register_taup_pickling
from sparkseis.core.errors import DataTagExistsError
from sparkseis.spark.reader import read_distributed_data
from sparkseis.spark.session import describe, session
from sparkseis.spark.sink import count_live, write_distributed_data
from sparkseis.spark.stages import stage

register_taup_pickling()  # Spark ships closures: a TauPyModel in one travels as its name

__all__ = [
    "DataTagExistsError",
    "count_live",
    "describe",
    "read_distributed_data",
    "session",
    "stage",
    "write_distributed_data",
]
