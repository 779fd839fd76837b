"""Plan a read as a snapshot of the _ids a query matches, split into partitions, and read a
partition back as exactly those documents.

A read sees the collection as it was planned: a task fetches the planned ids (`_id $in`, which
every MongoDB answers from the `_id` index), never "whatever lies in a range or at a position
now", so documents inserted meanwhile (the job's own outputs saved into the collection it
reads, or another process's) are never inputs, and each planned input is read exactly once.
A planned document deleted before its task ran comes back as None, for the caller to account.

Small plans keep their ids in the plan itself; larger ones store them in the database
(`read_snapshots`, chunks of CHUNK_IDS ids), so the driver holds O(partitions) whatever the
collection's size.
"""

from __future__ import annotations

import datetime
import logging
import math
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pymongo.errors import OperationFailure

from sparkseis.core.errors import SnapshotMissingError

log = logging.getLogger(__name__)

SNAPSHOT_COLLECTION = "read_snapshots"
# ids per snapshot chunk document (about 17 bytes each in BSON: far below the 16 MB limit)
CHUNK_IDS = 1000
# plans of at most this many ids keep them inline (about 1 MB pickled with the tasks)
INLINE_IDS = 50_000
# snapshots are kept this long for RDDs computed again later, then expire
SNAPSHOT_LIFETIME = datetime.timedelta(days=7)
# ids per `$in` query when reading a partition
FETCH_IDS = 500


@dataclass(frozen=True)
class ReadPartition:
    """The planned ids of one partition: inline in `ids`, or chunks [first, last) of a stored
    snapshot; `count` is how many."""

    index: int
    count: int
    ids: tuple = ()
    snapshot: str | None = None
    chunks: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class PartitionPlan:
    """A query's matches as planned: the partitions, how many matches, and the stored snapshot
    holding their ids (None when they are inline)."""

    partitions: list[ReadPartition]
    total: int
    snapshot: str | None = None
    collection: str = ""  # the collection the ids are of

    def describe(self, collection: str) -> str:
        held = f"snapshot {self.snapshot}" if self.snapshot else "ids in the plan"
        return f"{self.total:,} {collection} in {len(self.partitions)} partitions ({held})"


def default_partitions(total: int, cores: int, per_partition: int) -> int:
    """A multiple of the cores, at least two tasks per core (the progress bar moves), with at most
    per_partition documents each."""
    return cores * max(2, math.ceil(total / (cores * per_partition)))


def _split(n_items: int, n_parts: int) -> list[tuple[int, int]]:
    """[start, end) of n_parts contiguous shares of n_items whose sizes differ by at most one."""
    return [(k * n_items // n_parts, (k + 1) * n_items // n_parts) for k in range(n_parts)]


class _SnapshotWriter:
    """Writes planned ids to the snapshot collection in chunks, as the planning pass streams them."""

    def __init__(self, db, collection: str, chunk_ids: int):
        self.coll = db[SNAPSHOT_COLLECTION]
        self.id = f"{collection}-{uuid.uuid4().hex}"
        self.collection, self.chunk_ids, self.chunks = collection, chunk_ids, 0
        self.created = datetime.datetime.now(datetime.UTC)
        _prepare(self.coll, self.created)

    def write(self, ids: list) -> None:
        self.coll.insert_one(
            {
                "_id": f"{self.id}:{self.chunks:09d}",
                "snapshot": self.id,
                "seq": self.chunks,
                "collection": self.collection,
                "created": self.created,
                "ids": ids,
            }
        )
        self.chunks += 1


def _prepare(coll, now: datetime.datetime) -> None:
    """Index the snapshot collection (a TTL index where the server has them) and drop snapshots
    older than SNAPSHOT_LIFETIME (servers without TTL indexes keep them otherwise)."""
    try:
        coll.create_index("created", expireAfterSeconds=int(SNAPSHOT_LIFETIME.total_seconds()))
    except OperationFailure:
        log.debug("no TTL index on %s: expired snapshots are removed by the next plan", coll.name)
    coll.create_index([("snapshot", 1), ("seq", 1)])
    coll.delete_many({"created": {"$lt": now - SNAPSHOT_LIFETIME}})


def plan_partitions(
    collection,
    query: dict | None = None,
    npartitions: int | None = None,
    cores: int = 1,
    per_partition: int = 1000,
    inline_ids: int = INLINE_IDS,
    chunk_ids: int = CHUNK_IDS,
) -> PartitionPlan:
    """Snapshot the _ids matching query (in _id order, one streamed pass) and split them into
    npartitions near-equal contiguous partitions (default: default_partitions). At most
    inline_ids ids stay in the plan; beyond that they go to the database in chunks of
    chunk_ids, and a partition is a run of whole chunks (so at most one partition per chunk)."""
    ids: list = []
    writer: _SnapshotWriter | None = None
    total = 0
    for doc in collection.find(query or {}, {"_id": 1}).sort("_id", 1).batch_size(10_000):
        ids.append(doc["_id"])
        total += 1
        if writer is None and total > inline_ids:
            writer = _SnapshotWriter(collection.database, collection.name, chunk_ids)
        if writer is not None:
            while len(ids) >= chunk_ids:
                writer.write(ids[:chunk_ids])
                ids = ids[chunk_ids:]
    if npartitions is None:
        npartitions = default_partitions(total, cores, per_partition)
    if writer is None:
        n = max(1, min(int(npartitions), total or 1))
        parts = [ReadPartition(k, b - a, tuple(ids[a:b])) for k, (a, b) in enumerate(_split(total, n))]
        return PartitionPlan(parts, total, None, collection.name)
    if ids:
        writer.write(ids)
    n = max(1, min(int(npartitions), writer.chunks))
    parts = []
    for k, (a, b) in enumerate(_split(writer.chunks, n)):
        count = min(b * chunk_ids, total) - a * chunk_ids
        parts.append(ReadPartition(k, count, snapshot=writer.id, chunks=(a, b)))
    return PartitionPlan(parts, total, writer.id, collection.name)


def _planned_ids(db, part: ReadPartition) -> Iterator[list]:
    """The partition's ids, in planned order, a chunk at a time."""
    if part.snapshot is None:
        yield list(part.ids)
        return
    first, last = part.chunks
    seen = first
    for chunk in (
        db[SNAPSHOT_COLLECTION].find({"snapshot": part.snapshot, "seq": {"$gte": first, "$lt": last}}).sort("seq", 1)
    ):
        if chunk["seq"] != seen:
            break
        seen += 1
        yield chunk["ids"]
    if seen != last:
        raise SnapshotMissingError(
            f"read snapshot {part.snapshot} lacks chunk {seen} (released, or expired after "
            f"{SNAPSHOT_LIFETIME.days} days): read the data again"
        )


def read_partition(collection, part: ReadPartition) -> Iterator[list[tuple[Any, dict | None]]]:
    """The partition's documents in planned order, in batches of up to FETCH_IDS: (planned _id,
    its document now, or None if it was deleted since planning)."""
    for ids in _planned_ids(collection.database, part):
        for i in range(0, len(ids), FETCH_IDS):
            wanted = ids[i : i + FETCH_IDS]
            found = {doc["_id"]: doc for doc in collection.find({"_id": {"$in": wanted}}).batch_size(len(wanted))}
            yield [(_id, found.get(_id)) for _id in wanted]


def release_snapshot(db, plan: PartitionPlan) -> None:
    """Delete the plan's stored snapshot, once nothing will read it again (no-op for inline plans)."""
    if plan.snapshot is not None:
        db[SNAPSHOT_COLLECTION].delete_many({"snapshot": plan.snapshot})
