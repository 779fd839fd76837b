"""Seismic data objects: TimeSeries, Seismogram, ensembles, metadata and error logs."""

from sparkseis.core.ensemble import SeismogramEnsemble, TimeSeriesEnsemble
from sparkseis.core.errors import (
    ArgumentError,
    ErrorLogger,
    ErrorSeverity,
    LogEntry,
    MetadataKeyError,
    SeismicError,
)
from sparkseis.core.metadata import Metadata
from sparkseis.core.seismic import BasicSeismic, Seismogram, TimeReferenceType, TimeSeries
from sparkseis.core.timewindow import TimeWindow

__all__ = [
    "ArgumentError",
    "BasicSeismic",
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
    "TimeWindow",
]
