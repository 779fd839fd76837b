"""The waveform sink: live data to a wf collection (samples to GridFS or files), dead data to
the cemetery, in batches, with ids that make a rewrite replace instead of duplicate."""

from __future__ import annotations

import datetime
import os
import re
from typing import TYPE_CHECKING, Any

from bson import ObjectId
from pymongo import ReplaceOne

from sparkseis import config
from sparkseis.core.seismic import BasicSeismic, TimeSeries
from sparkseis.db import documents
from sparkseis.db.ids import stable_object_id
from sparkseis.db.waveform_store import GridFSBatchWriter, SampleFileWriter

if TYPE_CHECKING:
    from sparkseis.db.database import Database

_NUMBER = re.compile(r"-?\d+(\.\d+)?(e[-+]?\d+)?")


def kill_reason(d: BasicSeismic, mask_numbers: bool = True) -> str:
    """Why a datum died: its worst log entry, with numbers masked so that reasons group."""
    worst = d.elog.worst_errors()
    if not worst:
        return "killed without a logged reason"
    message = _NUMBER.sub("#", worst[0].message) if mask_numbers else worst[0].message
    return f"{worst[0].algorithm}: {message}"


class DataTally:
    """Live and dead counts, and dead data by kill_reason: what a save or count reports."""

    def __init__(self):
        self.live, self.dead, self.killed_by = 0, 0, {}

    def add(self, d: BasicSeismic) -> None:
        if d.live:
            self.live += 1
        else:
            self.dead += 1
            reason = kill_reason(d)
            self.killed_by[reason] = self.killed_by.get(reason, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        return {"live": self.live, "dead": self.dead, "killed_by": dict(self.killed_by)}


def output_ids(data_tag: str, d: BasicSeismic) -> tuple[ObjectId, ObjectId]:
    """(document id, GridFS file id) of d's output under data_tag: stable across retries.

    Derived from the input document's id when d was read from the database (or from its
    `_source_key` metadata, for data made in memory), so a retried task or an overwrite
    rewrites the same records instead of adding new ones.
    """
    origin = d.get("wf_miniseed_id") or d.get("wf_TimeSeries_id") or d.get("_source_key")
    if origin is None:
        origin = ObjectId()  # a datum built in memory: nothing to be idempotent against
    return stable_object_id("wf", data_tag, origin), stable_object_id("samples", data_tag, origin)


STORAGE_MODES = ("gridfs", "file")


def check_storage_mode(storage_mode: str) -> None:
    if storage_mode not in STORAGE_MODES:
        raise ValueError(f"storage_mode must be one of {STORAGE_MODES}, got {storage_mode!r}")


class WaveformSink:
    """Saves data in batches: live data to wf_TimeSeries (+ samples), dead data to cemetery.

    Every datum becomes exactly one document in one of the two collections; documents are
    replaced by id, so writing the same datum twice leaves one copy.
    """

    def __init__(self, database: Database, data_tag: str, storage_mode: str = "gridfs",
                 output_dir: str | os.PathLike | None = None, collection: str = "wf_TimeSeries", batch_size: int = 64):  # fmt: skip
        check_storage_mode(storage_mode)
        self.db = database
        self.data_tag = data_tag
        self.storage_mode = storage_mode
        self.collection = collection
        self.batch_size = batch_size
        self.output_dir = output_dir or config.project_path(config.get("storage", "output_dir", "var/waveforms"))
        self._gridfs = GridFSBatchWriter(self.db)
        self._file: SampleFileWriter | None = None
        self._docs: list[ReplaceOne] = []
        self._dead: list[ReplaceOne] = []
        self.tally = DataTally()

    def add(self, d: BasicSeismic) -> ObjectId:
        """Queue d for writing; returns the id its document will have."""
        doc_id, file_id = output_ids(self.data_tag, d)
        self.tally.add(d)
        if d.live:
            doc = documents.header_document(d)
            doc.update(documents.time_fields(d))
            doc.update(_id=doc_id, data_tag=self.data_tag, storage_mode=self.storage_mode, elog=documents.error_log_document(d))
            if not isinstance(d, TimeSeries):
                doc["ncomponents"] = int(d.data.shape[0])
            if self.storage_mode == "gridfs":
                self._gridfs.add(file_id, d.data, filename=str(doc_id))
                doc["gridfs_id"] = file_id
            else:
                if self._file is None:
                    self._file = SampleFileWriter(self.output_dir, self.data_tag)
                doc["foff"], doc["nbytes"] = self._file.add(d.data)
                doc["dir"], doc["dfile"] = self._file.dir, self._file.dfile
            self._docs.append(ReplaceOne({"_id": doc_id}, doc, upsert=True))
        else:
            doc = documents.bson_value(d.todict())
            doc.pop("_id", None)
            doc.update(documents.time_fields(d))  # where in time the datum was when it died
            doc = {"_id": doc_id, "data_tag": self.data_tag, "tombstone": doc, "elog": documents.error_log_document(d),
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
        if self._docs:
            self.db[self.collection].bulk_write(self._docs, ordered=False)
        if self._dead:
            self.db["cemetery"].bulk_write(self._dead, ordered=False)
        self._docs, self._dead = [], []

    def close(self) -> dict[str, Any]:
        """Write what is left; returns {live, dead, killed_by: {reason: count}}."""
        self.flush()
        if self._file is not None:
            self._file.close()
        return self.tally.as_dict()
