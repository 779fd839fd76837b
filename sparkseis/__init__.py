"""sparkseis: MsPASS's seismic workflow on Apache Spark, with MongoDB for data and metadata."""

from sparkseis.core import (
    ArgumentError,
    BasicSeismic,
    ErrorLogger,
    ErrorSeverity,
    LogEntry,
    Metadata,
    MetadataKeyError,
    SeismicError,
    Seismogram,
    SeismogramEnsemble,
    TimeReferenceType,
    TimeSeries,
    TimeSeriesEnsemble,
)

__version__ = "0.1.0"


def __getattr__(name: str):
    # The database client pulls in pymongo; import it only when asked for.
    if name in ("Client", "Database"):
        from sparkseis.db import client

        return getattr(client, name)
    raise AttributeError(f"module 'sparkseis' has no attribute {name!r}")


__all__ = [
    "ArgumentError",
    "BasicSeismic",
    "Client",  # noqa: F822 - provided lazily by __getattr__
    "Database",  # noqa: F822
    "ErrorLogger",
    "ErrorSeverity",
    "LogEntry",
    "Metadata",
    "MetadataKeyError",
    "SeismicError",
    "Seismogram",
    "SeismogramEnsemble",
    "TimeReferenceType",
    "TimeSeries",
    "TimeSeriesEnsemble",
]
