"""Turn data objects into MongoDB documents and back (metadata, time standard, error log)."""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from sparkseis.core.errors import ErrorLogger
from sparkseis.core.seismic import BasicSeismic, Seismogram, TimeReferenceType, TimeSeries

NORMALIZED_COLLECTIONS = ("site", "channel", "source")
# Where the input samples came from: never carried into an output document.
INPUT_STORAGE_KEYS = (
    "dir",
    "dfile",
    "foff",
    "nbytes",
    "format",
    "storage_mode",
    "gridfs_id",
    "file_nbytes",
    "s3_anonymous",
    # what an archive's index keeps to read part of a segment
    "record_index",
    "sample_sum",
    "sample_mean",
    "samples_deferred",
)
# the index of an input segment: never stored with a datum, live or dead
INDEX_KEYS = ("record_index", "sample_sum", "sample_mean", "samples_deferred")
# Written from the object's own attributes, never from its header.
DERIVED_KEYS = (
    "_id",
    "t0",
    "dt",
    "delta",
    "npts",
    "sampling_rate",
    "starttime",
    "endtime",
    "time_standard",
    "t0_shift",
    "utc_convertible",
    "data_tag",
    "elog",
    "live",
)


def bson_value(value: Any) -> Any:
    """A value pymongo can store: numpy scalars and arrays become Python ones; NaN stays a float."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {str(k): bson_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [bson_value(v) for v in value]
    if hasattr(value, "timestamp") and not isinstance(value, (datetime.datetime, int, float)):
        return float(value.timestamp)  # obspy UTCDateTime
    return value


def is_normalized_copy(key: str) -> bool:
    """True for attributes a matcher copied in (site_lat, source_time), but not their id links."""
    for coll in NORMALIZED_COLLECTIONS:
        if key.startswith(coll + "_"):
            return key != coll + "_id"
    return False


def _blank(value: Any) -> bool:
    return isinstance(value, str) and value != "" and not value.strip()


def header_document(d: BasicSeismic, exclude_keys: Iterable[str] = ()) -> dict[str, Any]:
    """The datum's metadata to store, without normalized copies, input storage fields, derived
    keys, exclude_keys, or values that are all blanks (MsPASS drops those too)."""
    excluded = set(exclude_keys)
    return {
        k: bson_value(v)
        for k, v in d.items()
        if not is_normalized_copy(k)
        and k not in INPUT_STORAGE_KEYS
        and k not in DERIVED_KEYS
        and k not in excluded
        and not _blank(v)
    }


def time_fields(d: BasicSeismic) -> dict[str, Any]:
    """t0/dt/npts and the time standard, so that a read restores relative time and its shift."""
    return {
        "t0": d.t0,
        "dt": d.dt,
        "npts": d.npts,
        "sampling_rate": d.samprate(),
        "starttime": d.t0,
        "endtime": d.endtime(),
        "time_standard": d.tref.value,
        "t0_shift": d.t0shift,
        "utc_convertible": d.time_is_UTC() or d.t0shift is not None,
    }


def restore_time(d: BasicSeismic, doc: dict) -> None:
    """Apply a stored document's time standard and shift to d."""
    if doc.get("time_standard") == TimeReferenceType.Relative.value:
        shift = doc.get("t0_shift")
        d.force_time_reference(
            TimeReferenceType.Relative,
            None if shift is None or (isinstance(shift, float) and math.isnan(shift)) else shift,
        )


def timeseries_from_document(doc: dict, samples: np.ndarray, collection: str) -> BasicSeismic:
    """A live TimeSeries (Seismogram for 3-row samples) from a stored document and its samples;
    `_id` and `<collection>_id` link back."""
    md = {k: v for k, v in doc.items() if k not in ("elog", "live", "tmatrix")}
    md[f"{collection}_id"] = doc["_id"]
    dt = float(doc["dt"]) if "dt" in doc else 1.0 / float(doc["sampling_rate"])
    t0 = float(doc["t0"]) if "t0" in doc else float(doc["starttime"])
    d = (TimeSeries if samples.ndim == 1 else Seismogram)(samples, t0, dt, md)
    if samples.ndim == 2 and doc.get("tmatrix") is not None:
        d.set_transformation_matrix(doc["tmatrix"])
    restore_time(d, doc)
    if doc.get("elog"):
        d.elog = ErrorLogger.from_list(doc["elog"])
    return d


def dead_timeseries(doc: dict, collection: str, algorithm: str, reason: str) -> TimeSeries:
    """A dead, empty TimeSeries carrying the document's metadata and why it could not be read."""

    md = {k: v for k, v in doc.items() if k not in ("elog", "live")}
    md[f"{collection}_id"] = doc.get("_id")
    dt = doc.get("dt") or (1.0 / doc["sampling_rate"] if doc.get("sampling_rate") else 1.0)
    d = TimeSeries(None, float(doc.get("t0", doc.get("starttime", 0.0)) or 0.0), float(dt), md)
    d.kill_with(algorithm, reason)
    return d
