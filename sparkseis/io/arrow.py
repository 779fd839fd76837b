"""TimeSeries as Arrow rows: metadata columns, time fields and the samples as a list column;
and back, without loss of samples or times (what Parquet export and Spark DataFrames hold)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa
from bson import ObjectId

from sparkseis.core.seismic import BasicSeismic, TimeSeries
from sparkseis.io.documents import INPUT_STORAGE_KEYS, bson_value, restore_time, time_fields

SAMPLES = "samples"
# always present, with these types; everything else is typed from the data
FIXED = {
    "live": pa.bool_(),
    "t0": pa.float64(),
    "dt": pa.float64(),
    "npts": pa.int64(),
    "sampling_rate": pa.float64(),
    "starttime": pa.float64(),
    "endtime": pa.float64(),
    "time_standard": pa.string(),
    "t0_shift": pa.float64(),
    "utc_convertible": pa.bool_(),
}


def _scalar(value: Any) -> Any:
    """A value one Arrow column can hold: numbers, text, booleans; anything else as JSON text."""
    value = bson_value(value)
    if isinstance(value, ObjectId):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    try:
        return json.dumps(value, default=str)
    except (TypeError, ValueError):
        return str(value)


def row_of(d: BasicSeismic) -> dict[str, Any]:
    """d as one row: its metadata (ids as text), its time fields, live flag and samples."""
    row = {k: _scalar(v) for k, v in d.items() if k not in INPUT_STORAGE_KEYS and k not in FIXED}
    row.update(time_fields(d))
    row["live"] = bool(d.live)
    row[SAMPLES] = d.data
    return row


def _type_of(values: list[Any]) -> pa.DataType:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return pa.bool_()
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return pa.float64()  # one type for numbers: a key that is 3 in one datum may be 3.5 in the next
    return pa.string()


def schema_of(rows: Iterable[dict[str, Any]], keys: Iterable[str] | None = None) -> pa.Schema:
    """The Arrow schema for rows (keys: the metadata columns; default every key in rows)."""
    rows = list(rows)
    names = list(keys) if keys is not None else sorted({k for r in rows for k in r} - set(FIXED) - {SAMPLES})
    fields = [pa.field(k, FIXED[k]) for k in FIXED]
    fields += [pa.field(k, _type_of([r.get(k) for r in rows])) for k in names if k not in FIXED and k != SAMPLES]
    return pa.schema([*fields, pa.field(SAMPLES, pa.list_(pa.float64()))])


def _cell(value: Any, kind: pa.DataType) -> Any:
    if value is None:
        return None
    if kind == pa.string():
        return value if isinstance(value, str) else json.dumps(value, default=str)
    if kind == pa.float64():
        return float(value) if isinstance(value, (int, float)) else math.nan
    return value


def record_batch(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.RecordBatch:
    """rows as one RecordBatch of schema (missing keys are null; samples kept as float64)."""
    arrays = []
    for field in schema:
        if field.name == SAMPLES:
            offsets = np.concatenate([[0], np.cumsum([len(r[SAMPLES]) for r in rows])]).astype(np.int32)
            flat = (
                np.concatenate([np.asarray(r[SAMPLES], dtype=np.float64).ravel() for r in rows])
                if rows
                else np.empty(0)
            )
            arrays.append(pa.ListArray.from_arrays(pa.array(offsets), pa.array(flat, pa.float64())))
        else:
            arrays.append(pa.array([_cell(r.get(field.name), field.type) for r in rows], field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def timeseries_from_row(row: dict[str, Any]) -> TimeSeries:
    """The TimeSeries a row holds: samples, t0, dt and time standard exactly as stored."""
    samples = np.asarray(row[SAMPLES] if row[SAMPLES] is not None else [], dtype=np.float64)
    md = {k: v for k, v in row.items() if k not in FIXED and k != SAMPLES and v is not None}
    d = TimeSeries(samples, float(row["t0"]), float(row["dt"]), md)
    restore_time(d, row)
    if row.get("live") is False:
        d.kill()
    return d


def timeseries_from_table(table: pa.Table | pa.RecordBatch) -> list[TimeSeries]:
    """Every row of an Arrow table (or a Parquet file read with pyarrow) as a TimeSeries."""
    return [timeseries_from_row(r) for r in table.to_pylist()]
