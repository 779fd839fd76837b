"""Matchers: find the one document of a collection that belongs to a datum and copy its
attributes into the datum ("normalization", MsPASS's term).

Cached matchers load their (small) collection once into plain Python structures indexed by
key, pickle compactly without any database handle, and answer in microseconds; they are what
a Spark job broadcasts. DB matchers query the database per datum.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sparkseis.core.decorator import seismic_function
from sparkseis.core.errors import ArgumentError, ArgumentTypeError, ErrorLogger, ErrorSeverity, SeismicError
from sparkseis.core.metadata import Metadata
from sparkseis.core.seismic import BasicSeismic


class Matcher:
    """Base: which collection, which attributes to copy, and how to name them.

    MsPASS's interface: `find(d)` -> [list of Metadata, ErrorLogger or None], `find_one(d)` ->
    [Metadata or None, ErrorLogger or None], `matcher(d)` is `find_one(d)`, and `find_doc(doc)`
    matches a plain document (a dict) and returns a dict or None. The Metadata hold the copied
    attributes under their output names (`channel_lat`, and `channel_id` for the link).
    Subclasses implement `_find(d)` -> (matching documents best first, or [] and why not).
    """

    def __init__(
        self,
        collection: str,
        attributes_to_load: Iterable[str] | None,
        load_if_defined: Iterable[str] = (),
        prepend_collection_name: bool = True,
        require_unique_match: bool = False,
    ):
        """attributes_to_load=None copies every field of the matched document; with
        require_unique_match several matches are an error (a Fatal SeismicError), not a Complaint."""
        self.collection = collection
        self.load_all = attributes_to_load is None
        self.attributes_to_load = [] if attributes_to_load is None else [k for k in attributes_to_load if k != "_id"]
        self.load_if_defined = [k for k in load_if_defined or () if k not in self.attributes_to_load]
        self.prepend_collection_name = prepend_collection_name
        self.require_unique_match = require_unique_match

    @property
    def name(self) -> str:
        return type(self).__name__

    def _find(self, d: Metadata) -> tuple[list[dict], str | None]:
        """All documents matching d (best first), or ([], why not)."""
        raise NotImplementedError

    def _matches(self, d: Metadata) -> tuple[list[dict], str | None]:
        try:
            return self._find(d)
        except KeyError as err:  # the datum lacks a key the match needs
            return [], f"cannot match: {str(err).strip(chr(39))}"

    def best_document(self, d: Metadata) -> tuple[dict | None, list[tuple[str, ErrorSeverity]]]:
        """The best matching document and log entries (a Complaint when there were several, the
        reason for none)."""
        docs, why = self._matches(d)
        if not docs:
            return None, [(why or "no match", ErrorSeverity.Invalid)]
        notes = []
        if len(docs) > 1:
            if self.require_unique_match:
                raise SeismicError(
                    f"{self.name}: {len(docs)} {self.collection} documents match and require_unique_match is set"
                )
            notes.append((f"{len(docs)} {self.collection} documents match; used the first", ErrorSeverity.Complaint))
        return docs[0], notes

    def output_key(self, key: str) -> str:
        return f"{self.collection}_{key.lstrip('_')}" if self.prepend_collection_name else key

    def projection(self) -> list[str] | None:
        """Fields to load (None: all)."""
        return None if self.load_all else ["_id"] + self.attributes_to_load + self.load_if_defined

    def attributes(self, doc: dict) -> dict:
        """What a match copies into a datum, under output names: attributes_to_load (missing ones
        are a KeyError), load_if_defined, and the link `<collection>_id`."""
        missing = [k for k in self.attributes_to_load if k not in doc]
        if missing:
            raise KeyError(f"{self.collection} document {doc.get('_id')} lacks required attributes {missing}")
        out = {}
        if "_id" in doc:
            out[f"{self.collection}_id"] = doc["_id"]  # the link saved with the datum
        for k in self.attributes_to_load:
            out[self.output_key(k)] = doc[k]
        for k in self.load_if_defined:
            if k in doc and doc[k] is not None:
                out[self.output_key(k)] = doc[k]
        if self.load_all:
            for k, v in doc.items():
                if k != "_id":
                    out[self.output_key(k)] = v
        return out

    def _log(self, notes: list[tuple[str, ErrorSeverity]]) -> ErrorLogger | None:
        if not notes:
            return None
        elog = ErrorLogger()
        for message, severity in notes:
            elog.log_error(self.name, message, severity)
        return elog

    def find(self, d: Metadata) -> list:
        """[every match as a Metadata of output attributes, best first (None if there is none),
        an ErrorLogger saying why (or None)]."""
        docs, why = self._matches(d)
        if not docs:
            return [None, self._log([(why or "no match", ErrorSeverity.Invalid)])]
        return [[Metadata(self.attributes(doc)) for doc in docs], None]

    def find_one(self, d: Metadata) -> list:
        """[the best match as a Metadata of output attributes, or None; an ErrorLogger or None]."""
        doc, notes = self.best_document(d)
        try:
            return [None if doc is None else Metadata(self.attributes(doc)), self._log(notes)]
        except KeyError as err:
            return [None, self._log([(str(err).strip("'\""), ErrorSeverity.Invalid)])]

    __call__ = find_one

    def find_doc(self, doc: dict) -> dict | None:
        """find_one for a plain document: the match's attributes as a dict, or None."""
        md, elog = self.find_one(Metadata(doc))
        return None if md is None else md.todict()


def _check_matcher(matcher: Any, kill_on_failure: bool = True) -> None:
    if not callable(getattr(matcher, "find_one", None)):
        raise ArgumentTypeError(f"normalize: expected a matcher (with find_one), got {type(matcher).__name__}")


@seismic_function(validate=_check_matcher)
def normalize(d: BasicSeismic, matcher: Any, kill_on_failure: bool = True) -> BasicSeismic:
    """Copy the matched attributes into d (with the matcher's log entries); no match kills d
    (or only logs, if asked). Any object with MsPASS's find_one serves as matcher.

    >>> import numpy as np
    >>> from sparkseis import TimeSeries
    >>> sites = [{"_id": 1, "net": "XX", "sta": "AB", "lat": 45.0, "lon": 7.0, "elev": 0.3}]
    >>> m = EqualityMatcher(collection="site", documents=sites, match_keys={"sta": "sta"})
    >>> d = normalize(TimeSeries(np.zeros(3), 0.0, 1.0, {"sta": "AB"}), m)
    >>> d["site_lat"], d["site_id"]
    (45.0, 1)
    >>> normalize(TimeSeries(np.zeros(3), 0.0, 1.0, {"sta": "ZZ"}), m).live
    False
    """
    md, elog = matcher.find_one(d)
    algorithm = getattr(matcher, "name", type(matcher).__name__)
    entries = list(elog) if elog is not None else []
    if md is None:
        message = "; ".join(e.message for e in entries) or f"{algorithm} found no match"
        if kill_on_failure:
            d.kill_with(algorithm, message)
        else:
            d.elog.log_error(algorithm, message, ErrorSeverity.Complaint)
        return d
    for e in entries:
        d.elog.log_error(e.algorithm, e.message, e.severity)
    for key, value in md.items():
        d[key] = value
    return d


def _datum_time(d: Metadata, key: str | None) -> float:
    """The time (s) a matcher compares: d[key] when given, a datum's t0, else a document's starttime."""
    if key:
        return float(d[key])
    return d.t0 if isinstance(d, BasicSeismic) else float(d["starttime"])


# --- cached matchers -----------------------------------------------------------------------


def _load(db, collection: str, query: dict | None, fields: list[str] | None) -> list[dict]:
    return list(db[collection].find(query or {}, None if fields is None else {f: 1 for f in fields}))


class _CachedMatcher(Matcher):
    """Loads the collection once from `db` (a sparkseis Database or pymongo Database), or takes `documents`."""

    key_fields: list[str] = []

    def __init__(self, db, collection, attributes_to_load, load_if_defined=(), query=None, documents=None, **kw):
        super().__init__(collection, attributes_to_load, load_if_defined, **kw)
        if documents is None:
            if db is None:
                raise ArgumentError(f"{self.name}: give a database or documents to load")
            fields = self.projection()
            documents = _load(db, collection, query, None if fields is None else fields + self.key_fields)
        self._build(list(documents))

    def _build(self, docs: list[dict]) -> None:
        raise NotImplementedError


class ObjectIdMatcher(_CachedMatcher):
    """Match d[id_key] (default "<collection>_id") to a document's _id.

    >>> m = ObjectIdMatcher(collection="channel", documents=[{"_id": 3, "lat": 1.0, "lon": 2.0, "elev": 0.0,
    ...                                                     "hang": 0.0, "vang": 0.0}])
    >>> md, elog = m(Metadata({"channel_id": 3}))
    >>> md["channel_lat"], elog
    (1.0, None)
    """

    def __init__(
        self,
        db=None,
        collection="channel",
        attributes_to_load=("lat", "lon", "elev", "hang", "vang"),
        load_if_defined=(),
        id_key: str | None = None,
        **kw,
    ):
        self.id_key = id_key or f"{collection}_id"
        super().__init__(db, collection, attributes_to_load, load_if_defined, **kw)

    def _build(self, docs):
        self._by_id = {doc["_id"]: doc for doc in docs}

    def _find(self, d):
        if not d.is_defined(self.id_key):
            return [], f"{self.id_key} is not defined"
        doc = self._by_id.get(d[self.id_key])
        return ([doc], None) if doc else ([], f"no {self.collection} document with _id {d[self.id_key]}")


class _EpochIndex:
    """Documents grouped by key, each group sorted by starttime, searched by bisection."""

    def __init__(self):
        self.starts: dict[tuple, list[float]] = {}
        self.docs: dict[tuple, list[dict]] = {}

    def build(self, groups: dict[tuple, list[dict]]) -> None:
        for key, group in groups.items():
            group.sort(key=lambda doc: doc.get("starttime", float("-inf")))
            self.docs[key] = group
            self.starts[key] = [doc.get("starttime", float("-inf")) for doc in group]

    def find(self, key: tuple, t: float) -> list[dict] | None:
        """Documents of key whose [starttime, endtime] holds t; None if the key is unknown."""
        if key not in self.docs:
            return None
        i = bisect.bisect_right(self.starts[key], t)
        return [doc for doc in self.docs[key][:i] if t <= doc.get("endtime", float("inf"))][::-1]


class MiniseedMatcher(_CachedMatcher):
    """Match net, sta, chan and loc (when d defines it) with starttime <= time <= endtime.

    time is d.t0, or d[time_key] when given. The newest epoch that holds the time wins;
    several matches also log a Complaint.

    >>> chans = [{"_id": 5, "net": "XX", "sta": "AB", "chan": "BHZ", "loc": "", "lat": 1.0, "lon": 2.0, "elev": 0.0,
    ...           "hang": 0.0, "vang": 0.0, "starttime": 0.0, "endtime": 1e10}]
    >>> import numpy as np
    >>> from sparkseis import TimeSeries
    >>> d = TimeSeries(np.zeros(3), 1.5e9, 1.0, {"net": "XX", "sta": "AB", "chan": "BHZ", "loc": ""})
    >>> MiniseedMatcher(documents=chans).find_one(d)[0]["channel_id"]
    5
    """

    key_fields = ["net", "sta", "chan", "loc", "starttime", "endtime"]

    def __init__(
        self,
        db=None,
        collection="channel",
        attributes_to_load=("lat", "lon", "elev", "hang", "vang"),
        load_if_defined=("edepth",),
        time_key: str | None = None,
        **kw,
    ):
        self.time_key = time_key
        super().__init__(db, collection, attributes_to_load, load_if_defined, **kw)

    def _build(self, docs):
        full, noloc = defaultdict(list), defaultdict(list)
        for doc in docs:
            full[(doc["net"], doc["sta"], doc.get("chan"), doc.get("loc", ""))].append(doc)
            noloc[(doc["net"], doc["sta"], doc.get("chan"))].append(doc)
        self._full, self._noloc = _EpochIndex(), _EpochIndex()
        self._full.build(full)
        self._noloc.build(noloc)

    def _find(self, d):
        try:
            net, sta = d["net"], d["sta"]
            chan = d["chan"] if self.collection != "site" else None
        except KeyError as err:
            return [], f"cannot match: {err}"
        t = _datum_time(d, self.time_key)
        if d.is_defined("loc"):
            key, index = (net, sta, chan, d["loc"]), self._full
        else:
            key, index = (net, sta, chan), self._noloc
        found = index.find(key, t)
        ident = ".".join(str(k) for k in key if k is not None)
        if found is None:
            return [], f"no {self.collection} document for {ident}"
        if not found:
            return [], f"no {self.collection} epoch of {ident} holds time {t}"
        return found, None


class OriginTimeMatcher(_CachedMatcher):
    """Match the source whose origin time is nearest (d.t0 or d[data_time_key]) - t0offset,
    within tolerance (s). Several within tolerance: the nearest wins, with a Complaint.

    >>> sources = [{"_id": 9, "time": 1000.0, "lat": 0.0, "lon": 0.0, "depth": 10.0}]
    >>> OriginTimeMatcher(documents=sources, t0offset=-300.0, tolerance=4.0).find_doc({"starttime": 701.0})["source_id"]
    9
    """

    def __init__(
        self,
        db=None,
        collection="source",
        t0offset: float = 0.0,
        tolerance: float = 4.0,
        attributes_to_load=("lat", "lon", "depth", "time"),
        load_if_defined=("magnitude",),
        data_time_key: str | None = None,
        source_time_key: str = "time",
        **kw,
    ):
        if tolerance < 0:
            raise ArgumentError(f"OriginTimeMatcher: tolerance must be >= 0 s, got {tolerance}")
        self.t0offset, self.tolerance = float(t0offset), float(tolerance)
        self.data_time_key, self.source_time_key = data_time_key, source_time_key
        self.key_fields = [source_time_key]
        super().__init__(db, collection, attributes_to_load, load_if_defined, **kw)

    def _build(self, docs):
        docs = [doc for doc in docs if doc.get(self.source_time_key) is not None]
        docs.sort(key=lambda doc: doc[self.source_time_key])
        self._docs = docs
        self._times = [float(doc[self.source_time_key]) for doc in docs]

    def _find(self, d):
        t = _datum_time(d, self.data_time_key) - self.t0offset
        lo = bisect.bisect_left(self._times, t - self.tolerance)
        hi = bisect.bisect_right(self._times, t + self.tolerance)
        if lo == hi:
            return [], f"no {self.collection} with {self.source_time_key} within {self.tolerance} s of {t}"
        candidates = sorted(range(lo, hi), key=lambda i: abs(self._times[i] - t))
        return [self._docs[i] for i in candidates], None


class EqualityMatcher(_CachedMatcher):
    """Match documents whose fields equal the datum's: match_keys maps datum key -> document key.

    >>> m = EqualityMatcher(collection="site", documents=[{"_id": 1, "sta": "AB", "lat": 4.0, "lon": 5.0, "elev": 0.0}],
    ...                     match_keys={"station": "sta"})
    >>> m.find_one(Metadata({"station": "AB"}))[0]["site_lat"]
    4.0
    """

    def __init__(
        self,
        db=None,
        collection="site",
        match_keys: dict[str, str] | None = None,
        attributes_to_load=("lat", "lon", "elev"),
        load_if_defined=(),
        **kw,
    ):
        if not match_keys:
            raise ArgumentError("EqualityMatcher: match_keys must name at least one datum key -> document key")
        self.match_keys = dict(match_keys)
        self.key_fields = list(self.match_keys.values())
        super().__init__(db, collection, attributes_to_load, load_if_defined, **kw)

    def _build(self, docs):
        self._index: dict[tuple, list[dict]] = defaultdict(list)
        for doc in docs:
            self._index[tuple(doc.get(k) for k in self.match_keys.values())].append(doc)
        self._index = dict(self._index)

    def _find(self, d):
        try:
            key = tuple(d[k] for k in self.match_keys)
        except KeyError as err:
            return [], f"cannot match: {err}"
        docs = self._index.get(key)
        return (docs, None) if docs else ([], f"no {self.collection} document with {dict(zip(self.match_keys, key))}")


# --- database matchers (one query per datum) -----------------------------------------------


class _DBMatcher(Matcher):
    def __init__(self, db, collection, attributes_to_load, load_if_defined=(), **kw):
        super().__init__(collection, attributes_to_load, load_if_defined, **kw)
        self._coll = db[collection]

    def query(self, d) -> dict:
        raise NotImplementedError

    def _find(self, d):
        try:
            q = self.query(d)
        except KeyError as err:
            return [], f"cannot match: {err}"
        docs = list(self._coll.find(q))
        return (docs, None) if docs else ([], f"no {self.collection} document matches {q}")

    def __getstate__(self):
        raise TypeError(f"{self.name} holds a database connection; use the cached matcher in Spark jobs")


class ObjectIdDBMatcher(_DBMatcher):
    def __init__(
        self, db, collection="channel", attributes_to_load=("lat", "lon", "elev", "hang", "vang"), id_key=None, **kw
    ):
        self.id_key = id_key or f"{collection}_id"
        super().__init__(db, collection, attributes_to_load, **kw)

    def query(self, d):
        return {"_id": d[self.id_key]}


class MiniseedDBMatcher(_DBMatcher):
    def __init__(self, db, collection="channel", attributes_to_load=("lat", "lon", "elev", "hang", "vang"), **kw):
        super().__init__(db, collection, attributes_to_load, **kw)

    def query(self, d):
        t = _datum_time(d, None)
        q = {"net": d["net"], "sta": d["sta"], "starttime": {"$lte": t}, "endtime": {"$gte": t}}
        if self.collection != "site":
            q["chan"] = d["chan"]
        if d.is_defined("loc"):
            q["loc"] = d["loc"]
        return q
