"""One MongoDB database of seismic data (MsPASS's Database): a pymongo Database with import,
indexes, read_data and save_data."""

from __future__ import annotations

import datetime
import logging
import operator
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pymongo import ASCENDING, ReplaceOne
from pymongo.database import Database as MongoDatabase
from pymongo.errors import OperationFailure

from sparkseis import config
from sparkseis.core.seismic import BasicSeismic, TimeSeries
from sparkseis.db import metadata_import
from sparkseis.db.decode import decode_waveform
from sparkseis.db.ids import stable_object_id, time_ordered_id
from sparkseis.db.mseed_index import scan_mseed, segment_documents
from sparkseis.db.normalize import Matcher, ObjectIdDBMatcher, ObjectIdMatcher
from sparkseis.db.normalize import normalize as apply_matcher
from sparkseis.db.runs import delete_outputs
from sparkseis.db.sink import WaveformSink

log = logging.getLogger(__name__)

INDEXES = {
    "wf_miniseed": [[("net", 1), ("sta", 1), ("chan", 1), ("starttime", 1)], [("dfile", 1), ("foff", 1)]],
    "wf_TimeSeries": [[("data_tag", 1)], [("net", 1), ("sta", 1), ("chan", 1), ("t0", 1)], [("wf_miniseed_id", 1)]],
    "channel": [[("net", 1), ("sta", 1), ("chan", 1), ("loc", 1), ("starttime", 1)]],
    "site": [[("net", 1), ("sta", 1), ("starttime", 1)]],
    "source": [[("time", 1)]],
    "cemetery": [[("data_tag", 1)], [("run_id", 1), ("parent_id", 1)]],
    "jobs": [[("data_tag", 1), ("started", -1)]],
}
INDEXES["wf_TimeSeries"].append([("run_id", 1), ("parent_id", 1)])
# what pymongo's GridFS creates before its first write; reads and deletes by file need them
GRIDFS_INDEXES = {"fs.chunks": ([("files_id", 1), ("n", 1)], True), "fs.files": ([("filename", 1), ("uploadDate", 1)], False)}


def as_matchers(db: Any, normalize: Iterable[Any] | None, cached: bool = True) -> list[Matcher]:
    """Matchers from a normalize list: Matcher objects as they are, collection names as MsPASS
    reads them (ObjectId match of `<name>_id`, copying every field): the collection loaded once
    (cached, for a whole job) or one lookup by _id per datum (for a single read)."""
    out = []
    for item in normalize or []:
        if isinstance(item, Matcher):
            out.append(item)
        elif isinstance(item, str):
            out.append((ObjectIdMatcher if cached else ObjectIdDBMatcher)(db, item, attributes_to_load=None))
        else:
            raise TypeError(f"normalize entries must be matchers or collection names, got {type(item).__name__}")
    return out

class Database(MongoDatabase):
    """MsPASS's Database: a pymongo Database (collections as attributes and items,
    list_collection_names, drop_collection, ...) plus import, read_data and save_data.

    `client.get_database("getting_started")`. Pickles to (its Client, name): in a Spark task it
    arrives on that worker's shared connection, so `db.save_data` works inside `map`.
    """

    def __repr__(self) -> str:
        return f"Database({self.name!r} on {self.client!r})"

    def __reduce__(self):
        # the client pickles to its URI and reconnects on arrival; client[name] gives us back
        return operator.getitem, (self.client, self.name)

    # --- indexes ------------------------------------------------------------
    def ensure_indexes(self, collections: Iterable[str] | None = None) -> None:
        """Create the indexes reads, matchers and GridFS use (safe to repeat)."""
        for coll in collections or INDEXES:
            for keys in INDEXES.get(coll, []):
                self[coll].create_index([(k, ASCENDING if v == 1 else v) for k, v in keys])
        if collections is None or "wf_TimeSeries" in collections:
            for coll, (keys, unique) in GRIDFS_INDEXES.items():
                try:
                    self[coll].create_index(keys, unique=unique)
                except OperationFailure:
                    log.debug("server manages %s itself; index not created", coll)

    # --- import -------------------------------------------------------------
    def _replace_all(self, collection: str, docs: list[dict]) -> int:
        if docs:
            self[collection].bulk_write([ReplaceOne({"_id": doc["_id"]}, doc, upsert=True) for doc in docs], ordered=False)
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
        if result and result.skipped_records:
            log.info("%s: %d records without a sampling rate (log channels) not indexed", path, result.skipped_records)
        for doc in docs:
            doc["_id"] = time_ordered_id(doc["starttime"], "wf_miniseed", doc["dir"], doc["dfile"], doc["foff"])
        # documents indexed before ids were time-ordered (sparkseis 0.1.0) are replaced too
        legacy = [stable_object_id("wf_miniseed", doc["dir"], doc["dfile"], doc["foff"]) for doc in docs]
        if legacy:
            self[collection].delete_many({"_id": {"$in": legacy}})
        self._replace_all(collection, docs)
        if problem:
            log.warning("%s: %s", path, problem)
            self["elog"].replace_one(
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
    def read_data(self, doc_or_id: Any, collection: str = "wf_miniseed", normalize: list[Matcher | str] | None = None,
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
            doc = self[collection].find_one(query)
            if doc is None:
                raise LookupError(f"no {collection} document with _id {doc_or_id}" + (f" and data_tag {data_tag!r}" if data_tag else ""))
        d = decode_waveform(self, doc, collection)
        for matcher in as_matchers(self, normalize, cached=False):
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

    def sink(self, data_tag: str, storage_mode: str = "gridfs", output_dir=None, collection="wf_TimeSeries", batch_size=64,
             run_id: str = "", file_name: str | None = None) -> WaveformSink:  # fmt: skip
        """A batch writer for many data (what the Spark sink uses per partition)."""
        return WaveformSink(self, data_tag, storage_mode, output_dir, collection, batch_size, run_id=run_id, file_name=file_name)

    def delete_data_tag(self, data_tag: str, collection: str = "wf_TimeSeries") -> dict[str, int]:
        """Remove a tag's outputs: its documents, their GridFS or file samples and its cemetery records."""
        return delete_outputs(self, {"data_tag": data_tag}, collection)
