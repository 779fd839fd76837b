"""The waveform sink: live data to a wf collection (samples to GridFS or files), dead data to
the cemetery, in batches, with ids that make a rewrite replace instead of duplicate."""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from bson import ObjectId
from pymongo import ReplaceOne

from sparkseis import config
from sparkseis.core.errors import ArgumentError, ArgumentTypeError
from sparkseis.core.seismic import BasicSeismic, TimeSeries
from sparkseis.db import documents
from sparkseis.db.ids import stable_object_id
from sparkseis.db.waveform_store import GridFSBatchWriter, SampleFileWriter

if TYPE_CHECKING:
    from sparkseis.db.database import Database

_NUMBER = re.compile(r"-?\d+(\.\d+)?(e[-+]?\d+)?")


def _worst(d: BasicSeismic):
    worst = d.elog.worst_errors()
    return worst[0] if worst else None


def _reason(worst, mask_numbers: bool) -> str:
    if worst is None:
        return "killed without a logged reason"
    message = _NUMBER.sub("#", worst.message) if mask_numbers else worst.message
    return f"{worst.algorithm}: {message}"


def kill_reason(d: BasicSeismic, mask_numbers: bool = True) -> str:
    """Why a datum died: its worst log entry, with numbers masked so that reasons group."""
    return _reason(_worst(d), mask_numbers)


def merge_value_ranges(into: list[list[float]], other: list[list[float]]) -> list[list[float]]:
    """Widen into's [min, max] per masked number by other's (the same reason's)."""
    if not into:
        return [list(r) for r in other]
    for mine, theirs in zip(into, other):
        mine[0], mine[1] = min(mine[0], theirs[0]), max(mine[1], theirs[1])
    return into


def describe_reason(reason: str, ranges: list[list[float]] | None) -> str:
    """reason with each masked number shown as its value, or its range over the data (lo..hi)."""
    if not ranges or reason.count("#") != len(ranges):
        return reason
    shown = iter(f"{lo:g}" if lo == hi else f"{lo:g}..{hi:g}" for lo, hi in ranges)
    return re.sub("#", lambda _: next(shown), reason)


class DataTally:
    """Live and dead counts, and dead data by kill_reason with the range of every number in
    the reason's messages: what a save or count reports."""

    def __init__(self):
        self.live, self.dead, self.killed_by = 0, 0, {}
        self.examples: dict[str, str] = {}  # one unmasked message per reason, to show real values
        self.value_ranges: dict[str, list[list[float]]] = {}

    def add(self, d: BasicSeismic) -> None:
        if d.live:
            self.live += 1
            return
        self.dead += 1
        worst = _worst(d)
        reason = _reason(worst, mask_numbers=True)
        self.killed_by[reason] = self.killed_by.get(reason, 0) + 1
        if reason not in self.examples:
            self.examples[reason] = _reason(worst, mask_numbers=False)
        if worst is not None:
            values = [float(m.group()) for m in _NUMBER.finditer(worst.message)]
            self.value_ranges[reason] = merge_value_ranges(self.value_ranges.get(reason, []), [[v, v] for v in values])

    def as_dict(self) -> dict[str, Any]:
        return {"live": self.live, "dead": self.dead, "killed_by": dict(self.killed_by), "examples": dict(self.examples),
                "value_ranges": {k: [list(r) for r in v] for k, v in self.value_ranges.items()}}  # fmt: skip


# Keys a datum read from the database carries for the document it came from; the first one
# defined names its immediate parent (a re-read window's own document before its miniSEED).
PARENT_KEYS = ("wf_TimeSeries_id", "wf_Seismogram_id", "wf_miniseed_id", "_source_key")


def parent_id(d: BasicSeismic) -> Any:
    """The id of the record d was made from, or None for data built in memory."""
    for key in PARENT_KEYS:
        value = d.get(key)
        if value is not None:
            return value
    return None


def output_ids(data_tag: str, d: BasicSeismic, run_id: str = "") -> tuple[ObjectId, ObjectId]:
    """(document id, GridFS file id) of d's output in one run under data_tag: stable across retries.

    Derived from the run, the immediate parent's id and d's `output_index` (set it when one input
    gives several outputs, e.g. P and S windows), so a retried task rewrites the same records.
    """
    origin = parent_id(d)
    if origin is None:
        origin = ObjectId()  # a datum built in memory: nothing to be idempotent against
    index = d.get("output_index", 0)
    return stable_object_id("wf", data_tag, run_id, origin, index), stable_object_id("samples", data_tag, run_id, origin, index)


STORAGE_MODES = ("gridfs", "file")
_TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def check_storage_mode(storage_mode: str) -> None:
    """ArgumentTypeError (a TypeError, as MsPASS raises) unless storage_mode is one we write."""
    if storage_mode not in STORAGE_MODES:
        raise ArgumentTypeError(f"storage_mode must be one of {STORAGE_MODES}, got {storage_mode!r}")


def logdata(d: BasicSeismic) -> list[dict]:
    """d's error log as the `logdata` entries MsPASS's cemetery documents hold."""
    return [{"algorithm": e.algorithm, "badness": f"ErrorSeverity.{e.severity.name}", "error_message": e.message} for e in d.elog]


def check_data_tag(data_tag: str) -> str:
    """data_tag if it is a name (letters, digits, _ . -; no path parts); else ValueError."""
    if not isinstance(data_tag, str) or not _TAG.match(data_tag) or ".." in data_tag:
        raise ArgumentError(f"data_tag must be a name of letters, digits, '_', '.' or '-' (no path), got {data_tag!r}")
    return data_tag


class WaveformSink:
    """Saves data in batches: live data to wf_TimeSeries (+ samples), dead data to cemetery.

    Every datum becomes exactly one document in one of the two collections, carrying the run id
    and its parent's id; documents are replaced by id, so writing the same datum twice leaves one
    copy. `acknowledged` counts the records the server confirmed.
    """

    def __init__(self, database: Database, data_tag: str, storage_mode: str = "gridfs",
                 output_dir: str | os.PathLike | None = None, collection: str = "wf_TimeSeries", batch_size: int = 64,
                 run_id: str = "", file_name: str | None = None, exclude_keys: Iterable[str] | None = None,
                 cremate: bool = False):  # fmt: skip
        check_storage_mode(storage_mode)
        self.exclude_keys = tuple(exclude_keys or ())
        self.cremate = cremate  # dead data are counted but leave no record (MsPASS's cremate)
        self.cremated = 0
        self.db = database
        self.data_tag = data_tag
        self.run_id = run_id
        self.storage_mode = storage_mode
        self.collection = collection
        self.batch_size = batch_size
        self.output_dir = output_dir or config.project_path(config.get("storage", "output_dir", "var/waveforms"))
        self.file_name = file_name
        self._gridfs = GridFSBatchWriter(self.db)
        self._file: SampleFileWriter | None = None
        self._docs: list[ReplaceOne] = []
        self._dead: list[ReplaceOne] = []
        self.tally = DataTally()
        self.acknowledged = {"live": 0, "dead": 0}

    def add(self, d: BasicSeismic) -> ObjectId:
        """Queue d for writing; returns the id its document will have."""
        doc_id, file_id = output_ids(self.data_tag, d, self.run_id)
        self.tally.add(d)
        links = {"_id": doc_id, "data_tag": self.data_tag, "run_id": self.run_id, "parent_id": parent_id(d)}
        if d.live:
            doc = documents.header_document(d, self.exclude_keys)
            doc.update(documents.time_fields(d))
            doc.update(links, storage_mode=self.storage_mode, elog=d.elog.to_list())
            if not isinstance(d, TimeSeries):
                doc["ncomponents"] = int(d.data.shape[0])
            if self.storage_mode == "gridfs":
                self._gridfs.add(file_id, d.data, filename=str(doc_id), metadata={"data_tag": self.data_tag, "run_id": self.run_id})
                doc["gridfs_id"] = file_id
            else:
                if self._file is None:
                    self._file = SampleFileWriter(self.output_dir, self.data_tag, self.file_name)
                doc["foff"], doc["nbytes"] = self._file.add(d.data)
                doc["dir"], doc["dfile"] = self._file.dir, self._file.dfile
            self._docs.append(ReplaceOne({"_id": doc_id}, doc, upsert=True))
        elif self.cremate:
            self.cremated += 1
        else:
            doc = documents.bson_value(d.todict())
            doc.pop("_id", None)
            doc.update(documents.time_fields(d))  # where in time the datum was when it died
            doc = {**links, "tombstone": doc, "logdata": logdata(d),
                   "reason": kill_reason(d, mask_numbers=False), "time": datetime.datetime.now(datetime.UTC)}  # fmt: skip
            self._dead.append(ReplaceOne({"_id": doc_id}, doc, upsert=True))
        if len(self._docs) + len(self._dead) >= self.batch_size:
            self.flush()
        return doc_id

    def flush(self) -> None:
        # samples first: a document never points at samples that are not written yet
        self._gridfs.flush()
        if self._file is not None:
            self._file.flush()
        for key, coll, ops in (("live", self.collection, self._docs), ("dead", "cemetery", self._dead)):
            if ops:
                result = self.db[coll].bulk_write(ops, ordered=False)
                self.acknowledged[key] += result.upserted_count + result.matched_count
        self._docs, self._dead = [], []

    def close(self) -> dict[str, Any]:
        """Write what is left; returns {live, dead, killed_by, examples, acknowledged_live, acknowledged_dead}."""
        self.flush()
        if self._file is not None:
            self._file.close()
        return {**self.tally.as_dict(), "acknowledged_live": self.acknowledged["live"], "acknowledged_dead": self.acknowledged["dead"],
                "cremated": self.cremated}  # fmt: skip
