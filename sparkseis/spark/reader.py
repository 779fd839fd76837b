"""read_distributed_data: an RDD of TimeSeries read in parallel from a snapshot of the matching _ids."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pymongo.cursor import Cursor
from pyspark import RDD, Accumulator, SparkContext

from sparkseis.core.errors import ArgumentError, ArgumentTypeError
from sparkseis.core.seismic import BasicSeismic
from sparkseis.db.database import Database, as_matchers
from sparkseis.db.decode import decode_waveform
from sparkseis.db.normalize import Matcher, normalize
from sparkseis.db.partitions import PartitionPlan, ReadPartition, plan_partitions, read_partition
from sparkseis.db.window_read import can_defer, deferred_timeseries
from sparkseis.io.documents import dead_timeseries

# With no count given, partitions hold up to this many waveforms, and their number is a
# multiple of the cores: every wave of tasks keeps every core busy, and few, large partitions
# cost less per waveform than many small ones (benchmarks/p_window_bench.py shows the figures).
WAVEFORMS_PER_PARTITION = 1000

# what the reader's own timers measure, in the order a datum meets them
READ_STEPS = ("query", "decode", "match")

# MsPASS keywords with nothing to do here, and why (anything else unknown is an error too).
_UNSUPPORTED = {
    "scratchfile": "the driver never holds the documents, so no scratch file is needed",
    "normalize_ensemble": "matching ensemble metadata is not supported; normalize the members",
    "container_to_merge": "merging another RDD is not supported; use rdd.zip",
    "container_merge_function": "merging another RDD is not supported; use rdd.zip",
    "aws_access_key_id": "reading from S3 is not supported",
    "aws_secret_access_key": "reading from S3 is not supported",
}


def done_parents(db: Database, run_id: str, output_collections: tuple[str, ...], ids: list) -> set:
    """The ids among parent ids that already have an output of run_id (what a resume skips):
    as an output's parent_id or among a bundle's parent_ids."""
    wanted = list(ids)
    query = {"run_id": run_id, "$or": [{"parent_id": {"$in": wanted}}, {"parent_ids": {"$in": wanted}}]}
    done = set()
    for coll in output_collections:
        for out in db[coll].find(query, {"parent_id": 1, "parent_ids": 1}):
            done.add(out.get("parent_id"))
            done.update(out.get("parent_ids") or ())
    return done.intersection(wanted)


def _read_partitions(
    db: Database,
    collection: str,
    matchers_bc,
    exclude_keys: list[str],
    documents_read,
    skip_outputs_of: tuple[str, tuple[str, ...]] | None,
    timer,
    defer_samples: bool = False,
) -> Callable[[Iterator], Iterator[BasicSeismic]]:
    clock = time.perf_counter

    def read(partitions: Iterator[ReadPartition]) -> Iterator[BasicSeismic]:
        matchers = matchers_bc.value if matchers_bc is not None else []
        times = {name: [0.0, 0] for name in READ_STEPS}
        for part in partitions:
            batches = read_partition(db[collection], part)
            while True:
                t = clock()
                planned = next(batches, None)  # documents are metadata only (samples stay in files/GridFS)
                if planned is None:
                    break
                docs = [doc for _, doc in planned if doc is not None]
                done = (
                    done_parents(db, *skip_outputs_of, [d["_id"] for d in docs]) if skip_outputs_of and docs else set()
                )
                times["query"][0] += clock() - t
                times["query"][1] += len(planned)
                for _id, doc in planned:
                    if doc is not None and doc["_id"] in done:
                        continue
                    if documents_read is not None:
                        documents_read.add(1)
                    t0 = clock()
                    if doc is None:  # planned, then deleted by someone: accounted as dead, never skipped
                        d = dead_timeseries(
                            {"_id": _id},
                            collection,
                            "read_distributed_data",
                            f"{collection} document {_id} was deleted after the read was planned",
                        )
                    else:
                        for key in exclude_keys:
                            doc.pop(key, None)
                        deferred = defer_samples and can_defer(doc)
                        d = deferred_timeseries(doc, collection) if deferred else decode_waveform(db, doc, collection)
                    t1 = clock()
                    for m in matchers:
                        d = normalize(d, m)
                    t2 = clock()
                    times["decode"][0] += t1 - t0
                    times["match"][0] += t2 - t1
                    times["decode"][1] += 1
                    times["match"][1] += 1
                    yield d
        if timer is not None:
            timer.add({k: tuple(v) for k, v in times.items()})

    return read


def _query_of(query_or_cursor: dict | Cursor | None, collection: str | None) -> tuple[dict, str]:
    """(filter, collection) from a query dict or a pymongo Cursor, whose documents are not pulled."""
    if isinstance(query_or_cursor, Cursor):
        cur = query_or_cursor
        if cur._limit or cur._skip:
            raise ArgumentError(
                "read_distributed_data reads every document a query matches: a cursor with limit() or skip() "
                "cannot be split into partitions; pass the query without them"
            )
        if collection is not None and collection != cur.collection.name:
            raise ArgumentError(
                f"read_distributed_data: the cursor reads {cur.collection.name!r} but collection={collection!r}"
            )
        return dict(cur._spec or {}), cur.collection.name
    if query_or_cursor is not None and not isinstance(query_or_cursor, dict):
        raise ArgumentError(
            f"read_distributed_data: query must be a dict or a pymongo Cursor, got {type(query_or_cursor).__name__}"
        )
    return dict(query_or_cursor or {}), collection or "wf_TimeSeries"


@dataclass(frozen=True)
class ReadHooks:
    """What a job threads through its read: an accumulator counting the documents read (the
    run's accounting), a step_timer given query/decode/match times, a run id whose inputs
    that already have an output (in output_collection or the cemetery) are skipped (resume),
    and whether indexed miniSEED segments are left unread for a later step to read in part."""

    documents_read: Accumulator | None = None
    timer: Accumulator | None = None
    skip_outputs_of: str | None = None
    output_collection: str = "wf_TimeSeries"
    defer_samples: bool = False  # indexed miniSEED: samples read later (window_read.read_for_window)


def plan_read(db: Database, collection: str, query: dict, npartitions: int | None, sc: SparkContext) -> PartitionPlan:
    """The read plan of query's matches in collection: a snapshot of their ids in npartitions
    (default: at least two per core, up to WAVEFORMS_PER_PARTITION each)."""
    return plan_partitions(db[collection], query, npartitions, sc.defaultParallelism, WAVEFORMS_PER_PARTITION)


def read_planned(
    db: Database,
    plan: PartitionPlan,
    matchers: list,
    sc: SparkContext,
    hooks: ReadHooks | None = None,
    exclude_keys: list[str] | None = None,
) -> RDD:
    """An RDD of the plan's documents as data, matchers applied (broadcast once)."""
    hooks = hooks or ReadHooks()
    matchers_bc = sc.broadcast(matchers) if matchers else None
    skip = (hooks.skip_outputs_of, (hooks.output_collection, "cemetery")) if hooks.skip_outputs_of else None
    reader = _read_partitions(
        db,
        plan.collection,
        matchers_bc,
        list(exclude_keys or []),
        hooks.documents_read,
        skip,
        hooks.timer,
        hooks.defer_samples,
    )
    rdd = sc.parallelize(plan.partitions, len(plan.partitions)).mapPartitions(reader, preservesPartitioning=True)
    matched = f" + match {', '.join(getattr(m, 'collection', type(m).__name__) for m in matchers)}" if matchers else ""
    return rdd.setName(f"read {plan.describe(plan.collection)}{matched}")


def read_distributed_data(
    data: Database | list[dict],
    query: dict | Cursor | list[dict] | None = None,
    collection: str | None = None,
    normalize: list[Matcher | str] | None = None,
    data_tag: str | None = None,
    npartitions: int | None = None,
    spark_context: SparkContext | None = None,
    batch_size: int = 100,
    scheduler: str | None = "spark",
    mode: str = "promiscuous",
    load_history: bool = False,
    exclude_keys: list[str] | None = None,
    db: Database | None = None,
    sort_clause: list | str | None = None,
    **kwargs: Any,
) -> RDD:
    """An RDD with one TimeSeries per document of `collection` matching `query` (and data_tag),
    or, given a list of queries, one ensemble per query.

    Parameters
    ----------
    data : Database, or a list of queries (dicts)
        The database (MsPASS's first argument); or, as MsPASS, a list of queries, each one
        ensemble's members (then db= is the database).
    query : dict, pymongo Cursor, list of dicts or None
        Which documents: a filter, a cursor (its collection and filter are used; the driver
        does not pull its documents) or None for all; a list of queries reads ensembles.
    db : Database, optional
        The database when data is a list of queries.
    sort_clause : optional
        The members' order within each ensemble (pymongo's sort argument); ensembles only.
    collection : str, optional
        Default: the cursor's, else wf_TimeSeries (as MsPASS).
    normalize : list of matchers or collection names, optional
        Applied to each datum on the workers (a name: ObjectId match on `<name>_id`).
    data_tag : str, optional
        Read only documents with this tag.
    npartitions : int, optional
        Read partitions (default: a multiple of the cores, up to 1,000 documents each).
    spark_context : SparkContext, optional
        Default: the active one.
    scheduler, mode, load_history, batch_size, exclude_keys
        MsPASS's; scheduler must be "spark", mode "promiscuous", load_history False.

    Returns
    -------
    RDD of TimeSeries (dead ones say why in their error log); with queries, an RDD of one
    TimeSeriesEnsemble (SeismogramEnsemble from wf_Seismogram) per query, in the list's order,
    dead when no member is live (MsPASS's rule; a query that matched nothing says so).

    Examples
    --------
    >>> rdd = read_distributed_data(db, db.wf_miniseed.find({"sta": "POKR"}), normalize=[MiniseedMatcher(db)],
    ...                             spark_context=spark.sparkContext)  # doctest: +SKIP
    >>> rdd.map(lambda d: d.live).countByValue()  # doctest: +SKIP
    defaultdict(<class 'int'>, {True: 3})

    The read sees the collection as it was when this call planned it: the driver snapshots the
    matching ids in one streamed pass and splits them into npartitions (default: at least two per
    core, up to 1,000 waveforms each); each task fetches exactly its planned documents through its
    worker's shared connection and applies the matchers, which are broadcast once. Documents
    written meanwhile (this job's own outputs included) are never read; a planned document deleted
    before its task runs comes back dead, saying so. Large snapshots are stored in the database's
    read_snapshots collection for a week. batch_size: accepted for MsPASS's signature (documents
    are fetched 500 ids at a time).
    """
    if isinstance(data, list) or isinstance(query, list):
        queries, db = (data, db) if isinstance(data, list) else (query, data)
    else:
        queries, db = None, data
    if not isinstance(db, Database):
        raise ArgumentTypeError(
            f"read_distributed_data: the first argument must be a sparkseis Database, got {type(db).__name__}"
        )
    for key in kwargs:
        why = _UNSUPPORTED.get(key, "not an argument of read_distributed_data")
        raise ArgumentError(f"read_distributed_data: {key}= is not supported ({why})")
    if scheduler not in (None, "spark"):
        raise ArgumentError(f"read_distributed_data: sparkseis runs on Spark; scheduler={scheduler!r} is not available")
    if mode != "promiscuous":
        raise ArgumentError(
            f"read_distributed_data: only mode='promiscuous' is supported (schema checks are not), got {mode!r}"
        )
    if load_history:
        raise ArgumentError(
            "read_distributed_data: load_history=True is not supported (sparkseis keeps no object history)"
        )
    matchers = as_matchers(db, normalize)
    sc = spark_context or SparkContext.getOrCreate()
    if queries is not None:
        return read_ensembles(
            db, queries, collection or "wf_TimeSeries", matchers, sc, data_tag, sort_clause, npartitions, exclude_keys
        )
    if sort_clause is not None:
        raise ArgumentError(
            "read_distributed_data: sort_clause orders the members of ensembles; give a list of queries"
        )
    query, collection = _query_of(query, collection)
    if data_tag is not None:
        query["data_tag"] = data_tag
    return read_planned(db, plan_read(db, collection, query, npartitions, sc), matchers, sc, exclude_keys=exclude_keys)


def read_ensembles(
    db: Database,
    queries: list[dict],
    collection: str,
    matchers: list,
    sc: SparkContext,
    data_tag: str | None = None,
    sort_clause: list | str | None = None,
    npartitions: int | None = None,
    exclude_keys: list[str] | None = None,
) -> RDD:
    """One ensemble per query (in the list's order), its members the query's documents of
    collection (and data_tag) as they were when this call planned it: the driver takes each
    query's ids (in sort_clause order), so documents written meanwhile, a job's own outputs
    included, are never members; the tasks read the documents. Dead when no member is live; a
    planned document deleted before its task runs is a dead member saying so. The ensemble's
    metadata are the query's plain equality keys (e.g. source_id)."""
    bad = [i for i, q in enumerate(queries) if not isinstance(q, dict)]
    if bad:
        raise ArgumentTypeError(
            f"read_distributed_data: a list of queries must hold only dicts; item {bad[0]} is "
            f"{type(queries[bad[0]]).__name__}"
        )
    planned = []
    for query in queries:
        cursor = db[collection].find(
            dict(query, **({"data_tag": data_tag} if data_tag is not None else {})), {"_id": 1}
        )
        if sort_clause is not None:
            cursor = cursor.sort(sort_clause)
        planned.append((query, [doc["_id"] for doc in cursor]))
    matchers_bc = sc.broadcast(matchers) if matchers else None
    keys = list(exclude_keys or [])

    def read(items: Iterator[tuple[dict, list]]) -> Iterator:
        matched = matchers_bc.value if matchers_bc is not None else None
        for query, ids in items:
            found = {doc["_id"]: doc for doc in db[collection].find({"_id": {"$in": ids}})} if ids else {}
            members = iter([found.get(i, i) for i in ids])  # a deleted id reads as a dead member
            plain = {k: v for k, v in query.items() if not k.startswith("$") and not isinstance(v, dict)}
            ensemble = db.read_ensemble_data(
                members, collection=collection, normalize=matched, exclude_keys=keys, ensemble_metadata=plain
            )
            if not any(m.live for m in ensemble.member):
                why = "no member is live" if ensemble.member else f"the query matched no {collection} documents"
                ensemble.elog.log_error("read_distributed_data", f"{why}: {query}")
                ensemble.kill()
            yield ensemble

    n = npartitions or max(1, min(len(queries), 2 * sc.defaultParallelism))
    return sc.parallelize(planned, n).mapPartitions(read).setName(f"read {len(queries)} ensembles of {collection}")
