"""The Spark engine: session, partitioned reader, map stages, bulk sink. Only here is pyspark imported.

The names below load their modules on first use: a process that needs one small module of
this package (the worker daemon Spark launches, see worker_zygote) does not import pyspark,
the reader and the sink with it.
"""

# first: which pyspark any later import loads (the installed one, not spark-submit's zip of it)
from sparkseis.spark.pyspark_path import prefer_installed_pyspark

prefer_installed_pyspark()

# ruff: noqa: E402
import importlib
import sys
import types

_EXPORTS = {
    "DataTagExistsError": "sparkseis.core.errors",
    "count_live": "sparkseis.spark.sink",
    "describe": "sparkseis.spark.session",
    "group_ensembles": "sparkseis.spark.ensembles",
    "read_distributed_data": "sparkseis.spark.reader",
    "session": "sparkseis.spark.session",
    "spark_context": "sparkseis.spark.session",
    "stage": "sparkseis.spark.stages",
    "write_distributed_data": "sparkseis.spark.sink",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sparkseis.spark' has no attribute {name!r}")


class _Package(types.ModuleType):
    def __setattr__(self, name: str, value) -> None:
        # importing the submodule sparkseis.spark.session binds the module here, where the
        # package's `session` is the function session() (as it was when imported eagerly)
        if name == "session" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
