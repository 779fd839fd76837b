"""The waveform sink: live data to a wf collection (samples to GridFS or files), dead data to
the cemetery, in batches, with ids that make a rewrite replace instead of duplicate."""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from bson import ObjectId
from pymongo import ReplaceOne
from pymongo.database import Database
from pymongo.write_concern import WriteConcern

from sparkseis.config import Settings
from sparkseis.core.errors import ArgumentError, ArgumentTypeError
from sparkseis.core.seismic import BasicSeismic, TimeSeries
from sparkseis.db.ids import stable_object_id
from sparkseis.db.waveform_store import GridFSBatchWriter, SampleFileWriter
from sparkseis.io import documents
from sparkseis.report import RunReport, kill_reason

# Keys a datum read from the database carries for the document it came from; the first one
# defined names its immediate parent (a re-read window's own document before its miniSEED).
# An event window's parent is its (event, channel) pair, which no collection holds.
PARENT_KEYS = ("wf_TimeSeries_id", "wf_Seismogram_id", "wf_miniseed_id", "pair_id", "_source_key")


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
    return stable_object_id("wf", data_tag, run_id, origin, index), stable_object_id(
        "samples", data_tag, run_id, origin, index
    )


STORAGE_MODES = ("gridfs", "file")
_TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def check_storage_mode(storage_mode: str) -> None:
    """ArgumentTypeError (a TypeError, as MsPASS raises) unless storage_mode is one we write."""
    if storage_mode not in STORAGE_MODES:
        raise ArgumentTypeError(f"storage_mode must be one of {STORAGE_MODES}, got {storage_mode!r}")


def logdata(d: BasicSeismic) -> list[dict]:
    """d's error log as the `logdata` entries MsPASS's cemetery documents hold."""
    return [
        {"algorithm": e.algorithm, "badness": f"ErrorSeverity.{e.severity.name}", "error_message": e.message}
        for e in d.elog
    ]


def check_data_tag(data_tag: str) -> str:
    """data_tag if it is a name (letters, digits, _ . -; no path parts); else ValueError."""
    if not isinstance(data_tag, str) or not _TAG.match(data_tag) or ".." in data_tag:
        raise ArgumentError(f"data_tag must be a name of letters, digits, '_', '.' or '-' (no path), got {data_tag!r}")
    return data_tag


def durable_write_concern(settings: Settings) -> WriteConcern:
    """What the writer asks of the server: acknowledged by `settings.mongodb_w` members (1, or
    "majority" on a replica set) and journaled (j), so that a record it counts survives a crash
    of the server; the server's default (j false) may lose the last writes before a crash."""
    w = settings.mongodb_w
    return WriteConcern(w=int(w) if str(w).isdigit() else w, j=True)


class WaveformSink:
    """Saves data in batches: live data to wf_TimeSeries (+ samples), dead data to cemetery.

    Every datum becomes exactly one document in one of the two collections, carrying the run id
    and its parent's id; documents are replaced by id, so writing the same datum twice leaves one
    copy. `acknowledged` counts the records the server confirmed (complete once close() returns).

    background=True writes each full batch from a thread of the sink's own while the caller
    goes on making the next one (one batch in flight): the database's work overlaps the
    processing instead of following it. A failed write is raised by the next flush or by close().
    """

    def __init__(
        self,
        database: Database,
        data_tag: str,
        storage_mode: str = "gridfs",
        output_dir: str | os.PathLike | None = None,
        collection: str = "wf_TimeSeries",
        batch_size: int = 64,
        run_id: str = "",
        file_name: str | None = None,
        exclude_keys: Iterable[str] | None = None,
        cremate: bool = False,
        background: bool = False,
    ):
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
        self.output_dir = output_dir or getattr(database, "settings", Settings()).output_dir
        self.file_name = file_name
        self.write_concern = durable_write_concern(getattr(database, "settings", Settings()))
        self._gridfs = GridFSBatchWriter(self.db, write_concern=self.write_concern)
        self._file: SampleFileWriter | None = None
        self._docs: list[ReplaceOne] = []
        self._dead: list[ReplaceOne] = []
        self.tally = RunReport()
        self.acknowledged = {"live": 0, "dead": 0}
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="sink-write") if background else None
        self._in_flight: Future | None = None

    def add(self, d: BasicSeismic) -> ObjectId:
        """Queue d for writing; returns the id its document will have."""
        doc_id, file_id = output_ids(self.data_tag, d, self.run_id)
        self.tally.add(d)
        links = {"_id": doc_id, "data_tag": self.data_tag, "run_id": self.run_id, "parent_id": parent_id(d)}
        parents = d.get("parent_ids")
        if isinstance(parents, (list, tuple)):  # a bundle's inputs, at the top of its record or tombstone
            links["parent_ids"] = list(parents)
        if d.live:
            doc = documents.header_document(d, self.exclude_keys)
            doc.update(documents.time_fields(d))
            doc.update(links, storage_mode=self.storage_mode, elog=d.elog.to_list())
            if not isinstance(d, TimeSeries):
                doc["ncomponents"] = int(d.data.shape[0])
                doc["tmatrix"] = d.tmatrix.tolist()
            if self.storage_mode == "gridfs":
                self._gridfs.add(
                    file_id, d.data, filename=str(doc_id), metadata={"data_tag": self.data_tag, "run_id": self.run_id}
                )
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
            for key in documents.INDEX_KEYS:  # where the input is stays; how to read part of it goes
                doc.pop(key, None)
            doc.update(documents.time_fields(d))  # where in time the datum was when it died
            doc = {
                **links,
                "tombstone": doc,
                "logdata": logdata(d),
                "reason": kill_reason(d, mask_numbers=False),
                "time": datetime.datetime.now(datetime.UTC),
            }
            self._dead.append(ReplaceOne({"_id": doc_id}, doc, upsert=True))
        if len(self._docs) + len(self._dead) >= self.batch_size:
            self.flush()
        return doc_id

    def flush(self) -> None:
        """Write what is queued (with background writes: hand it to the writer thread, once the
        batch before it is written)."""
        # samples go to the file now, and to GridFS before the documents that point at them
        if self._file is not None:
            self._file.flush()
        batch = (*self._gridfs.take(), self._docs, self._dead)
        self._docs, self._dead = [], []
        if not any(batch):
            return
        if self._writer is None:
            self._write(*batch)
            return
        self._wait()
        self._in_flight = self._writer.submit(self._write, *batch)

    def _wait(self) -> None:
        if self._in_flight is not None:
            in_flight, self._in_flight = self._in_flight, None
            try:
                in_flight.result()  # a failed write is raised here, in the caller's thread
            except BaseException:
                self._writer.shutdown(wait=True)  # the sink is done: nothing after a failed batch is written
                raise

    def _write(self, files: list[dict], chunks: list[dict], docs: list[ReplaceOne], dead: list[ReplaceOne]) -> None:
        self._gridfs.write(files, chunks)
        for key, coll, ops in (("live", self.collection, docs), ("dead", "cemetery", dead)):
            if ops:
                result = self.db.get_collection(coll, write_concern=self.write_concern).bulk_write(ops, ordered=False)
                self.acknowledged[key] += result.upserted_count + result.matched_count

    def abandon(self) -> None:
        """Stop without writing what is queued (the caller failed): the batch in flight ends
        and the writer thread is stopped; what was written stays, as a failed task leaves it."""
        self._docs, self._dead = [], []
        self._gridfs.take()
        if self._writer is not None:
            self._writer.shutdown(wait=True)
        if self._file is not None:
            self._file.close()

    def close(self) -> RunReport:
        """Write what is left; returns this sink's counts (live, dead by reason, records acknowledged, cremated)."""
        try:
            self.flush()
            self._wait()
        finally:
            if self._writer is not None:
                self._writer.shutdown(wait=True)
        if self._file is not None:
            self._file.close()
        self.tally.acknowledged_live, self.tally.acknowledged_dead = (
            self.acknowledged["live"],
            self.acknowledged["dead"],
        )
        self.tally.cremated = self.cremated
        return self.tally
