"""One MongoDB database of seismic data: import, indexes, read_data and save_data."""

from __future__ import annotations

import datetime
import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bson import ObjectId
from pymongo import ASCENDING, ReplaceOne

from sparkseis import config
from sparkseis.core.seismic import BasicSeismic, TimeSeries
from sparkseis.db import documents, metadata_import
from sparkseis.db.ids import stable_object_id
from sparkseis.db.mseed_index import scan_mseed, segment_documents
from sparkseis.db.normalize import Matcher
from sparkseis.db.normalize import normalize as apply_matcher
from sparkseis.db.waveform_store import (
    GridFSBatchWriter,
    SampleFileWriter,
    SampleReadError,
    delete_gridfs_files,
    read_file_samples,
    read_gridfs_samples,
    read_mseed_segment,
)

if TYPE_CHECKING:
    from sparkseis.db.client import Client

log = logging.getLogger(__name__)

INDEXES = {
    "wf_miniseed": [[("net", 1), ("sta", 1), ("chan", 1), ("starttime", 1)], [("dfile", 1), ("foff", 1)]],
    "wf_TimeSeries": [[("data_tag", 1)], [("net", 1), ("sta", 1), ("chan", 1), ("t0", 1)], [("wf_miniseed_id", 1)]],
    "channel": [[("net", 1), ("sta", 1), ("chan", 1), ("loc", 1), ("starttime", 1)]],
    "site": [[("net", 1), ("sta", 1), ("starttime", 1)]],
    "source": [[("time", 1)]],
    "cemetery": [[("data_tag", 1)]],
}


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
        self.db = database.mongo_db
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


class Database:
    """MsPASS's Database, on one MongoDB database: `client.get_database("getting_started")`."""

    def __init__(self, client: Client, name: str):
        self.client = client
        self.name = name
        self.mongo_db = client.mongo[name]

    def ref(self) -> tuple[str, str]:
        """(uri, name): what a Spark task needs to open this database itself."""
        return self.client.uri, self.name

    @classmethod
    def from_ref(cls, ref: tuple[str, str]) -> Database:
        """The database named by ref, on this process's shared connection."""
        from sparkseis.db.client import Client

        return cls(Client.shared(ref[0]), ref[1])

    def __getitem__(self, collection: str):
        return self.mongo_db[collection]

    def __repr__(self) -> str:
        return f"Database({self.name!r} on {self.client!r})"

    # --- indexes ------------------------------------------------------------
    def ensure_indexes(self, collections: Iterable[str] | None = None) -> None:
        """Create the indexes reads and matchers query (safe to repeat)."""
        for coll in collections or INDEXES:
            for keys in INDEXES.get(coll, []):
                self.mongo_db[coll].create_index([(k, ASCENDING if v == 1 else v) for k, v in keys])

    # --- import -------------------------------------------------------------
    def _replace_all(self, collection: str, docs: list[dict]) -> int:
        if docs:
            self.mongo_db[collection].bulk_write([ReplaceOne({"_id": doc["_id"]}, doc, upsert=True) for doc in docs], ordered=False)
        return len(docs)

    def index_mseed_file(self, path: str | os.PathLike, collection: str = "wf_miniseed") -> dict[str, Any]:
        """One document per contiguous segment of a miniSEED file; a corrupt file is reported
        in `elog` and what precedes the damage is still indexed. Re-indexing replaces."""
        path = Path(path).resolve()
        try:
            result = scan_mseed(path)
        except OSError as err:
            result = None
            problem = f"cannot read file: {err.strerror}"
        else:
            problem = result.problem
        docs = segment_documents(path, result.segments) if result else []
        for doc in docs:
            doc["_id"] = stable_object_id("wf_miniseed", doc["dir"], doc["dfile"], doc["foff"])
        self._replace_all(collection, docs)
        if problem:
            log.warning("%s: %s", path, problem)
            self.mongo_db["elog"].replace_one(
                {"_id": stable_object_id("elog", "index_mseed_file", path)},
                {"algorithm": "index_mseed_file", "file": str(path), "problem": problem, "segments_indexed": len(docs),
                 "time": datetime.datetime.now(datetime.UTC)},  # fmt: skip
                upsert=True,
            )
        return {"file": str(path), "segments": len(docs), "problem": problem}

    def index_mseed_directory(self, folder: str | os.PathLike, pattern: str = "*.mseed", collection: str = "wf_miniseed") -> list[dict]:
        """index_mseed_file over every file matching pattern below folder (sorted, recursive)."""
        return [self.index_mseed_file(p, collection) for p in sorted(Path(folder).rglob(pattern)) if p.is_file()]

    def save_inventory(self, inventory_or_path: Any) -> dict[str, int]:
        """site and channel documents from an ObsPy Inventory or a StationXML file."""
        sites, channels = metadata_import.inventory_documents(inventory_or_path)
        return {"site": self._replace_all("site", sites), "channel": self._replace_all("channel", channels)}

    def save_catalog(self, catalog_or_path: Any, origin: Any = "preferred") -> dict[str, Any]:
        """source documents from an ObsPy Catalog or a QuakeML file; origin picks which origin
        ("preferred", "hypocentre", "first", or a function of the event)."""
        docs, skipped = metadata_import.catalog_documents(catalog_or_path, origin)
        for s in skipped:
            log.warning("save_catalog skipped %s", s)
        return {"source": self._replace_all("source", docs), "skipped": skipped}

    # --- read ---------------------------------------------------------------
    def read_data(self, doc_or_id: Any, collection: str = "wf_miniseed", normalize: list[Matcher] | None = None,
                  data_tag: str | None = None) -> TimeSeries:  # fmt: skip
        """A TimeSeries from one wf_miniseed or wf_TimeSeries document (or its _id).

        Unreadable samples give a dead datum whose log says why. An id that is not there
        (or not under data_tag) is a LookupError.
        """
        doc = doc_or_id if isinstance(doc_or_id, dict) else None
        if doc is None:
            query = {"_id": doc_or_id}
            if data_tag is not None:
                query["data_tag"] = data_tag
            doc = self.mongo_db[collection].find_one(query)
            if doc is None:
                raise LookupError(f"no {collection} document with _id {doc_or_id}" + (f" and data_tag {data_tag!r}" if data_tag else ""))
        d = decode_waveform(self.mongo_db, doc, collection)
        for matcher in normalize or []:
            d = apply_matcher(d, matcher)
        return d

    # --- save ---------------------------------------------------------------
    def save_data(self, d: BasicSeismic, data_tag: str | None = None, storage_mode: str | None = None,
                  collection: str = "wf_TimeSeries", output_dir: str | os.PathLike | None = None) -> dict[str, Any]:  # fmt: skip
        """Save one datum: samples to GridFS or a new file, metadata to collection; a dead datum
        goes to cemetery. Returns {"collection", "_id", "live"}."""
        sink = WaveformSink(self, data_tag or "", storage_mode or config.get("storage", "mode", "gridfs"), output_dir, collection, batch_size=1)
        doc_id = sink.add(d)
        sink.close()
        return {"collection": collection if d.live else "cemetery", "_id": doc_id, "live": d.live}

    def sink(self, data_tag: str, storage_mode: str = "gridfs", output_dir=None, collection="wf_TimeSeries", batch_size=64) -> WaveformSink:
        """A batch writer for many data (what the Spark sink uses per partition)."""
        return WaveformSink(self, data_tag, storage_mode, output_dir, collection, batch_size)

    def delete_data_tag(self, data_tag: str, collection: str = "wf_TimeSeries") -> dict[str, int]:
        """Remove a run's outputs: its documents, their GridFS samples and its cemetery records."""
        docs = list(self.mongo_db[collection].find({"data_tag": data_tag}, {"_id": 1, "gridfs_id": 1}))
        files = delete_gridfs_files(self.mongo_db, [doc["gridfs_id"] for doc in docs if doc.get("gridfs_id")])
        removed = self.mongo_db[collection].delete_many({"data_tag": data_tag}).deleted_count
        buried = self.mongo_db["cemetery"].delete_many({"data_tag": data_tag}).deleted_count
        return {"documents": removed, "gridfs_files": files, "cemetery": buried}


def decode_waveform(mongo_db, doc: dict, collection: str) -> TimeSeries:
    """Samples for one document, as a live TimeSeries, or a dead one saying why they are unreadable."""
    try:
        if doc.get("format") == "mseed" or collection == "wf_miniseed":
            tr = read_mseed_segment(doc["dir"], doc["dfile"], doc["foff"], doc["nbytes"])
            if tr.stats.npts != doc.get("npts", tr.stats.npts):
                raise SampleReadError(f"segment decodes to {tr.stats.npts} samples, document says {doc['npts']}")
            d = documents.timeseries_from_document(doc, tr.data, collection)
            d.t0, d.dt = float(tr.stats.starttime.timestamp), float(tr.stats.delta)
            return d
        if doc.get("storage_mode") == "gridfs":
            samples = read_gridfs_samples(mongo_db, doc["gridfs_id"], int(doc["npts"]), int(doc.get("ncomponents", 1)))
        else:
            samples = read_file_samples(doc["dir"], doc["dfile"], doc["foff"], int(doc["npts"]), int(doc.get("ncomponents", 1)))
    except (SampleReadError, KeyError) as err:
        return documents.dead_timeseries(doc, collection, "read_data", str(err) if isinstance(err, SampleReadError) else f"document lacks {err}")
    return documents.timeseries_from_document(doc, samples, collection)
