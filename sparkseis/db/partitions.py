"""Plan a collection's matching documents as _id ranges in one streamed pass, holding a bounded
number of boundaries, and read one range back the way the server does it fastest."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

from pymongo.errors import OperationFailure

log = logging.getLogger(__name__)

# The planning pass keeps at most twice this many boundary candidates (flat driver memory
# whatever the collection size); it also bounds the number of partitions.
MAX_MARKS = 4096


@dataclass(frozen=True)
class IdRange:
    """Matches with lo <= _id < hi (None: open). offset and count say where the range sat among
    the matches, in the server's _id order, when it was planned."""

    lo: Any
    hi: Any
    offset: int = 0
    count: int = 0


@dataclass(frozen=True)
class PartitionPlan:
    """The ranges of a query's matches, how many matches there were, and how to read a range:
    by _id range (the server has an index for it) or by position (it would scan for one)."""

    ranges: list[IdRange]
    total: int
    by_position: bool

    def describe(self, collection: str) -> str:
        return f"{self.total:,} {collection} in {len(self.ranges)} ranges, read by {'position' if self.by_position else '_id range'}"


def default_partitions(total: int, cores: int, per_partition: int) -> int:
    """A multiple of the cores, at least two tasks per core (the progress bar moves), with at most
    per_partition documents each."""
    return cores * max(2, math.ceil(total / (cores * per_partition)))


def _marks(collection, query: dict) -> tuple[list[tuple[int, Any]], int]:
    """(position, _id) of every stride-th match in _id order, and the number of matches, from
    one pass over the ids; the stride doubles whenever the list would outgrow 2 * MAX_MARKS."""
    marks: list[tuple[int, Any]] = []
    stride, n = 1, 0
    for doc in collection.find(query, {"_id": 1}).sort("_id", 1).batch_size(10_000):
        if n % stride == 0:
            marks.append((n, doc["_id"]))
            if len(marks) > 2 * MAX_MARKS:
                marks = marks[::2]
                stride *= 2
        n += 1
    return marks, n


def uses_index(explain: dict) -> bool:
    """Whether an explain() answer shows the query answered through an index (MongoDB's IXSCAN,
    IDHACK or EXPRESS stages; SQLite-backed servers' 'USING INDEX') rather than a scan."""
    text = str(explain.get("queryPlanner", {}).get("winningPlan", explain)).upper()
    return any(word in text for word in ("IXSCAN", "IDHACK", "EXPRESS_IXSCAN", "USING INDEX", "USING PRIMARY KEY"))


def _ranges_use_index(collection, query: dict, lo: Any, hi: Any) -> bool:
    try:
        return uses_index(collection.find(range_query(query, (lo, hi))).explain())
    except OperationFailure:
        return True  # cannot tell: _id ranges are correct everywhere


def plan_partitions(collection, query: dict | None = None, npartitions: int | None = None, cores: int = 1,
                    per_partition: int = 1000) -> PartitionPlan:  # fmt: skip
    """Split the matches of query into npartitions _id ranges of near-equal size (default:
    default_partitions), from one streamed pass over the matching ids; driver memory is
    bounded by MAX_MARKS whatever the collection's size."""
    query = query or {}
    marks, total = _marks(collection, query)
    if npartitions is None:
        npartitions = default_partitions(total, cores, per_partition)
    n = max(1, min(int(npartitions), total or 1, len(marks) or 1))
    # boundary k: the mark nearest position k*total/n (mark i sits at position i * stride)
    stride = marks[1][0] if len(marks) > 1 else 1
    chosen = sorted({min(len(marks) - 1, round(k * total / n / stride)) for k in range(1, n)} - {0})
    bounds = [marks[i] for i in chosen]
    starts = [(0, marks[0][1] if marks else None)] + bounds
    ranges = []
    for i, (offset, lo) in enumerate(starts):
        end = bounds[i][0] if i < len(bounds) else total
        hi = bounds[i][1] if i < len(bounds) else None
        ranges.append(IdRange(lo, hi, offset, end - offset))
    middle = ranges[len(ranges) // 2]
    by_position = total > 0 and not _ranges_use_index(collection, query, middle.lo, middle.hi)
    return PartitionPlan(ranges, total, by_position)


def range_query(query: dict | None, id_range: IdRange | tuple[Any, Any], field: str = "_id") -> dict:
    """query restricted to lo <= field < hi (field: _id, or a field holding such ids)."""
    lo, hi = (id_range.lo, id_range.hi) if isinstance(id_range, IdRange) else id_range
    cond: dict[str, Any] = {}
    if lo is not None:
        cond["$gte"] = lo
    if hi is not None:
        cond["$lt"] = hi
    parts = [q for q in (query, {field: cond} if cond else None) if q]
    if not parts:
        return {}
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _by_position(collection, query: dict, r: IdRange, batch_size: int) -> list[dict] | None:
    """The range's documents read by position, or None if the collection changed since planning
    (the documents found there are not exactly lo.. up to hi)."""
    docs = list(collection.find(query).sort("_id", 1).skip(r.offset).limit(r.count + 1).batch_size(batch_size))
    extra = docs[r.count :]
    docs = docs[: r.count]
    try:
        intact = (len(docs) == r.count and (not docs or docs[0]["_id"] == r.lo)
                  and (extra[0]["_id"] == r.hi if extra else r.hi is None)
                  and (r.hi is None or all(d["_id"] < r.hi for d in docs)))  # fmt: skip
    except TypeError:  # _ids of types Python cannot order
        intact = False
    return docs if intact else None


def read_range(collection, query: dict, r: IdRange, by_position: bool, batch_size: int = 100) -> list[dict]:
    """Every document matching query in range r, in _id order.

    by_position: read from the planned offset (a server that scans for _id ranges answers this
    from its index), checked against the planned boundaries; if the collection changed, the
    range is read by _id after all, which is always correct.
    """
    if by_position:
        docs = _by_position(collection, query, r, batch_size)
        if docs is not None:
            return docs
        log.warning("%s changed since the read was planned: reading range starting at %s by _id", collection.name, r.lo)
    return list(collection.find(range_query(query, r)).sort("_id", 1).batch_size(batch_size))
