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

from sparkseis import defaults
from sparkseis.config import Settings
from sparkseis.core.errors import ArgumentError, ArgumentTypeError
from sparkseis.core.seismic import BasicSeismic, Seismogram
from sparkseis.db import metadata_import
from sparkseis.db.byte_store import S3Options, read_whole
from sparkseis.db.decode import decode_waveform
from sparkseis.db.ids import stable_object_id, time_ordered_id
from sparkseis.db.mseed_index import scan_mseed, segment_documents
from sparkseis.db.normalize import Matcher, ObjectIdDBMatcher, ObjectIdMatcher
from sparkseis.db.normalize import normalize as apply_matcher
from sparkseis.db.runs import delete_outputs
from sparkseis.db.writer import WaveformSink
from sparkseis.io.documents import dead_timeseries

log = logging.getLogger(__name__)

INDEXES = {
    # (net, sta, chan, loc, starttime): the matchers' lookups and the archive's interval lookup
    "wf_miniseed": [[("net", 1), ("sta", 1), ("chan", 1), ("loc", 1), ("starttime", 1)], [("dfile", 1), ("foff", 1)]],
    "wf_TimeSeries": [
        [("data_tag", 1)],
        [("net", 1), ("sta", 1), ("chan", 1), ("t0", 1)],
        [("wf_miniseed_id", 1)],
        [("run_id", 1), ("parent_id", 1)],
    ],
    "channel": [[("net", 1), ("sta", 1), ("chan", 1), ("loc", 1), ("starttime", 1)]],
    "site": [[("net", 1), ("sta", 1), ("starttime", 1)]],
    "source": [[("time", 1)]],
    # a bundle's record lists its inputs (parent_ids): what a resume of a bundling run looks up
    "wf_Seismogram": [[("data_tag", 1)], [("run_id", 1), ("parent_id", 1)], [("run_id", 1), ("parent_ids", 1)]],
    "cemetery": [[("data_tag", 1)], [("run_id", 1), ("parent_id", 1)], [("run_id", 1), ("parent_ids", 1)]],
    "jobs": [[("data_tag", 1), ("started", -1)]],
}
# what pymongo's GridFS creates before its first write; reads and deletes by file need them
GRIDFS_INDEXES = {
    "fs.chunks": ([("files_id", 1), ("n", 1)], True),
    "fs.files": ([("filename", 1), ("uploadDate", 1)], False),
}


def as_matchers(db: Any, normalize: Iterable[Any] | None, cached: bool = True) -> list[Matcher]:
    """Matchers from a normalize list: Matcher objects as they are, collection names as MsPASS
    reads them (ObjectId match of `<name>_id`, copying every field): the collection loaded once
    (cached, for a whole job) or one lookup by _id per datum (for a single read)."""
    if isinstance(normalize, (str, bytes, dict)) or (normalize is not None and not isinstance(normalize, Iterable)):
        raise ArgumentTypeError(
            f"normalize must be a list of matchers or collection names, got {type(normalize).__name__}"
        )
    out = []
    for item in normalize or []:
        if isinstance(item, Matcher) or callable(getattr(item, "find_one", None)):
            out.append(item)  # a duck-typed matcher too (find_one and normalize, as MsPASS's BasicMatcher)
        elif isinstance(item, str):
            out.append((ObjectIdMatcher if cached else ObjectIdDBMatcher)(db, item, attributes_to_load=None))
        else:
            raise ArgumentTypeError(
                f"normalize entries must be matchers or collection names, got {type(item).__name__}"
            )
    return out


class Database(MongoDatabase):
    """MsPASS's Database: a pymongo Database (collections as attributes and items,
    list_collection_names, drop_collection, ...) plus import, read_data and save_data.

    `client.get_database("getting_started")`. Pickles to (its Client, name): in a Spark task it
    arrives on that worker's shared connection, so `db.save_data` works inside `map`.

    >>> d = db.read_data(db.wf_miniseed.find_one({})["_id"], collection="wf_miniseed")  # doctest: +SKIP
    >>> db.save_data(d, data_tag="copy")["is_live"]  # doctest: +SKIP
    True
    """

    def __repr__(self) -> str:
        return f"Database({self.name!r} on {self.client!r})"

    @property
    def settings(self) -> Settings:
        """The settings of the client this database came from (the defaults for a plain
        pymongo client): where saves go when a call does not say."""
        return getattr(self.client, "settings", None) or Settings()

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
            self[collection].bulk_write(
                [ReplaceOne({"_id": doc["_id"]}, doc, upsert=True) for doc in docs], ordered=False
            )
        return len(docs)

    def index_mseed_file(
        self,
        dfile: str | os.PathLike,
        dir: str | os.PathLike | None = None,
        collection: str = "wf_miniseed",
        segment_time_tears: bool = True,
        elog_collection: str = "elog",
        return_ids: bool = False,
        normalize_channel: bool = False,
        verbose: bool = False,
    ) -> dict[str, Any]:
        """One document per contiguous segment of the miniSEED file dfile (in folder dir, as
        MsPASS); a corrupt file is reported in `elog` and what precedes the damage is still
        indexed. Re-indexing replaces. Segments always end at time tears; return_ids adds the
        documents' ids under "ids"."""
        if not segment_time_tears or normalize_channel or elog_collection != "elog":
            raise ArgumentError(
                "index_mseed_file: segment_time_tears=False, normalize_channel=True and another "
                "elog_collection are not supported (normalize with a matcher when reading)"
            )
        path = (Path(dir) / dfile if dir is not None else Path(dfile)).resolve()
        result = self._index_scanned(path, collection)
        if verbose:
            log.info(
                "%s: %d segments indexed%s",
                path,
                result["segments"],
                f" ({result['problem']})" if result["problem"] else "",
            )
        if not return_ids:
            result.pop("ids")
        return result

    def index_mseed_object(
        self, uri: str, s3: S3Options | None = None, collection: str = "wf_miniseed"
    ) -> dict[str, Any]:
        """index_mseed_file for an object in an S3-compatible store (s3://bucket/key): the object is
        fetched once to scan its records; the documents say where its bytes are in the store
        (and that it is read anonymously, for s3.anonymous), so readers take byte ranges from it."""
        import tempfile

        s3 = s3 or self.settings.s3_options()
        with tempfile.NamedTemporaryFile(prefix="sparkseis-index-", suffix=".mseed") as tmp:
            try:
                tmp.write(read_whole(uri, s3))
                tmp.flush()
            except OSError as err:
                return self._index_scanned(None, collection, uri, f"cannot read object: {err}")
            return self._index_scanned(Path(tmp.name), collection, uri, anonymous=s3.anonymous)

    def _index_scanned(
        self,
        path: Path | None,
        collection: str,
        location: str | None = None,
        problem: str | None = None,
        anonymous=False,
    ) -> dict[str, Any]:
        """Scan path (holding the bytes of location, if given) and replace its documents."""
        result = None
        if path is not None:
            try:
                result = scan_mseed(path)
                problem = result.problem
            except OSError as err:
                problem = f"cannot read file: {err.strerror}"
        where = location or str(path)
        docs = segment_documents(path, result.segments, location) if result else []
        if result and result.skipped_records:
            log.info("%s: %d records without a sampling rate (log channels) not indexed", where, result.skipped_records)
        for doc in docs:
            doc["_id"] = time_ordered_id(doc["starttime"], "wf_miniseed", doc["dir"], doc["dfile"], doc["foff"])
            if anonymous:
                doc["s3_anonymous"] = True
        self._replace_all(collection, docs)
        if problem:
            log.warning("%s: %s", where, problem)
            self["elog"].replace_one(
                {"_id": stable_object_id("elog", "index_mseed_file", where)},
                {
                    "algorithm": "index_mseed_file",
                    "file": where,
                    "problem": problem,
                    "segments_indexed": len(docs),
                    "time": datetime.datetime.now(datetime.UTC),
                },
                upsert=True,
            )
        return {"file": where, "segments": len(docs), "problem": problem, "ids": [doc["_id"] for doc in docs]}

    def save_inventory(self, inventory_or_path: Any) -> dict[str, int]:
        """site and channel documents from an ObsPy Inventory or a StationXML file."""
        sites, channels = metadata_import.inventory_documents(inventory_or_path)
        return {"site": self._replace_all("site", sites), "channel": self._replace_all("channel", channels)}

    def save_catalog(self, catalog_or_path: Any, origin: Any = defaults.ORIGIN) -> dict[str, Any]:
        """source documents from an ObsPy Catalog or a QuakeML file; origin picks which origin
        ("hypocentre", the default: the earliest non-centroid origin, where P starts;
        "preferred"; "first"; or a function of the event)."""
        docs, skipped = metadata_import.catalog_documents(catalog_or_path, origin)
        for s in skipped:
            log.warning("save_catalog skipped %s", s)
        return {"source": self._replace_all("source", docs), "skipped": skipped}

    # --- read ---------------------------------------------------------------
    def read_data(
        self,
        id_doc_or_cursor: Any,
        mode: str = "promiscuous",
        normalize: list[Matcher | str] | None = None,
        normalize_ensemble: Any = None,
        load_history: bool = False,
        exclude_keys: list[str] | None = None,
        collection: str | None = None,
        data_tag: str | None = None,
        **unused: Any,
    ) -> BasicSeismic:
        """A TimeSeries from one document (or its _id) of collection ("wf" means wf_TimeSeries, as in
        MsPASS; by default wf_TimeSeries, or wf_miniseed for a miniSEED index document given as a
        dict). The datum's header holds the document's fields, `_id` included, less exclude_keys.

        Unreadable samples, or an id that is not there (or not under data_tag), give a dead datum
        whose log says why, as MsPASS does.
        """
        if normalize_ensemble is not None or load_history:
            raise ArgumentError("read_data: ensembles and object history are not supported")
        doc = id_doc_or_cursor if isinstance(id_doc_or_cursor, dict) else None
        if collection is None:
            collection = "wf_miniseed" if doc is not None and doc.get("format") == "mseed" else "wf_TimeSeries"
        collection = "wf_TimeSeries" if collection == "wf" else collection
        if doc is None:
            query = {"_id": id_doc_or_cursor}
            if data_tag is not None:
                query["data_tag"] = data_tag
            doc = self[collection].find_one(query)
            if doc is None:
                why = f"no {collection} document with _id {id_doc_or_cursor}" + (
                    f" and data_tag {data_tag!r}" if data_tag else ""
                )
                return dead_timeseries({"_id": id_doc_or_cursor}, collection, "read_data", why)
        doc = {k: v for k, v in doc.items() if k not in (exclude_keys or ())}
        d = decode_waveform(self, doc, collection)
        for matcher in as_matchers(self, normalize, cached=False):
            d = apply_matcher(d, matcher)
        return d

    def read_ensemble_data(
        self,
        cursor: Any,
        collection: str | None = None,
        normalize: list[Matcher | str] | None = None,
        ensemble_metadata: dict | None = None,
        exclude_keys: list[str] | None = None,
        data_tag: str | None = None,
        **unused: Any,
    ):
        """One ensemble of the documents of a cursor, a query (dict) or a list of ids
        (MsPASS's read_ensemble_data): a TimeSeriesEnsemble, or a SeismogramEnsemble from
        wf_Seismogram; unreadable members come back dead, saying why; ensemble_metadata
        becomes the ensemble's."""
        from sparkseis.core.ensemble import SeismogramEnsemble, TimeSeriesEnsemble

        if isinstance(cursor, dict):
            query = dict(cursor, **({"data_tag": data_tag} if data_tag else {}))
            cursor = self[collection or "wf_TimeSeries"].find(query)
        elif isinstance(cursor, (list, tuple)):
            cursor = [self[collection or "wf_TimeSeries"].find_one({"_id": i}) or i for i in cursor]
        if collection is None:
            collection = getattr(getattr(cursor, "collection", None), "name", None) or "wf_TimeSeries"
        members = [
            self.read_data(doc, normalize=normalize, exclude_keys=exclude_keys, collection=collection) for doc in cursor
        ]
        kind = SeismogramEnsemble if collection == "wf_Seismogram" else TimeSeriesEnsemble
        return kind(members, ensemble_metadata or {})

    def save_ensemble_data(self, ensemble_object: Any, data_tag: str | None = None, **kwargs: Any) -> list:
        """Save every member (with the ensemble's metadata where a member lacks it) as save_data
        does: live ones to the collection, dead ones to the cemetery; returns their ids."""
        from sparkseis.core.ensemble import members_of

        return [self.save_data(m, data_tag=data_tag, **kwargs)["_id"] for m in members_of([ensemble_object])]

    # --- save ---------------------------------------------------------------
    def save_data(
        self,
        mspass_object: BasicSeismic,
        return_data: bool = False,
        return_list: Iterable[str] = ("_id",),
        mode: str = "promiscuous",
        storage_mode: str | None = None,
        dir: str | os.PathLike | None = None,
        dfile: str | None = None,
        format: str | None = None,
        overwrite: bool = False,
        exclude_keys: Iterable[str] | None = None,
        collection: str | None = None,
        data_tag: str | None = None,
        cremate: bool = False,
        **unused: Any,
    ) -> Any:
        """Save one datum: samples to GridFS or a new file in dir, metadata to collection; a dead
        datum goes to cemetery (nowhere with cremate=True). MsPASS's returns: the datum itself
        with its new `_id` (return_data=True), else {"is_live", and the return_list keys} (plus
        "collection" and "live")."""
        if format is not None or dfile is not None:
            raise ArgumentError(
                "save_data: samples are saved as float64 (GridFS or sample files); format= and dfile= are not supported"
            )
        settings = self.settings
        if storage_mode is None:
            storage_mode = settings.storage_mode
        if collection is None:
            collection = "wf_Seismogram" if isinstance(mspass_object, Seismogram) else "wf_TimeSeries"
        sink = WaveformSink(
            self,
            data_tag or "",
            storage_mode,
            dir or settings.output_dir,
            collection,
            batch_size=1,
            exclude_keys=exclude_keys,
            cremate=cremate,
        )
        doc_id = sink.add(mspass_object)
        sink.close()
        live = mspass_object.live
        if return_data:
            if live:
                mspass_object["_id"] = doc_id
            return mspass_object
        out: dict[str, Any] = {
            "is_live": live,
            "live": live,
            "collection": collection if live else "cemetery",
            "_id": doc_id,
        }
        for key in return_list if live else ():
            if key != "_id" and mspass_object.is_defined(key):
                out[key] = mspass_object[key]
        return out

    def sink(
        self,
        data_tag: str,
        storage_mode: str = "gridfs",
        output_dir=None,
        collection="wf_TimeSeries",
        batch_size=64,
        run_id: str = "",
        file_name: str | None = None,
        exclude_keys=None,
        cremate: bool = False,
        background: bool = True,
    ) -> WaveformSink:
        """A batch writer for many data (what the Spark sink uses per partition); each batch is
        written while the next is made (background=False: before add returns)."""
        return WaveformSink(
            self,
            data_tag,
            storage_mode,
            output_dir,
            collection,
            batch_size,
            run_id=run_id,
            file_name=file_name,
            exclude_keys=exclude_keys,
            cremate=cremate,
            background=background,
        )

    def delete_data_tag(self, data_tag: str, collection: str = "wf_TimeSeries") -> dict[str, int]:
        """Remove a tag's outputs: its documents, their GridFS or file samples and its cemetery records."""
        return delete_outputs(self, {"data_tag": data_tag}, collection)
