"""Seismic data objects: TimeSeries, Seismogram, ensembles, metadata and error logs."""

from sparkseis.core.ensemble import SeismogramEnsemble, TimeSeriesEnsemble
from sparkseis.core.errors import (
    ArgumentError,
    ArgumentTypeError,
    ErrorLogger,
    ErrorSeverity,
    LogEntry,
    MetadataKeyError,
    SeismicError,
    SparkseisError,
    UserMistake,
)
from sparkseis.core.metadata import Metadata
from sparkseis.core.seismic import BasicSeismic, Seismogram, TimeReferenceType, TimeSeries
from sparkseis.core.timewindow import TimeWindow

__all__ = [
    "ArgumentError",
    "ArgumentTypeError",
    "BasicSeismic",
    "ErrorLogger",
    "ErrorSeverity",
    "LogEntry",
    "Metadata",
    "MetadataKeyError",
    "SeismicError",
    "Seismogram",
    "SparkseisError",
    "SeismogramEnsemble",
    "TimeReferenceType",
    "TimeSeries",
    "TimeSeriesEnsemble",
    "TimeWindow",
    "UserMistake",
]
