"""Plan a collection's documents as _id ranges, holding only the boundaries (O(partitions))."""

from __future__ import annotations

from typing import Any

from pymongo.errors import OperationFailure

IdRange = tuple[Any, Any]  # [lo, hi): None means open


def count_matching(collection, query: dict) -> int:
    """Documents matching query (falls back to counting ids where the server cannot aggregate)."""
    try:
        return collection.count_documents(query)
    except OperationFailure:
        return sum(1 for _ in collection.find(query, {"_id": 1}))


def plan_id_ranges(collection, query: dict | None, npartitions: int, total: int | None = None) -> list[IdRange]:
    """npartitions contiguous _id ranges holding equal shares of the `total` matches (counted
    here if not given).

    Boundaries come from one indexed, skip-positioned lookup each (like the MongoDB Spark
    connector's paginate-by-count partitioner), so the caller never holds the documents.
    """
    query = query or {}
    if total is None:
        total = count_matching(collection, query)
    n = max(1, min(int(npartitions), total or 1))
    bounds: list[Any] = []
    for k in range(1, n):
        doc = next(collection.find(query, {"_id": 1}).sort("_id", 1).skip(k * total // n).limit(1), None)
        if doc is not None and (not bounds or doc["_id"] != bounds[-1]):
            bounds.append(doc["_id"])
    edges = [None] + bounds + [None]
    return [(edges[i], edges[i + 1]) for i in range(len(edges) - 1)]


def range_query(query: dict | None, id_range: IdRange, field: str = "_id") -> dict:
    """query restricted to lo <= field < hi (field: _id, or a field holding such ids)."""
    lo, hi = id_range
    cond: dict[str, Any] = {}
    if lo is not None:
        cond["$gte"] = lo
    if hi is not None:
        cond["$lt"] = hi
    parts = [q for q in (query, {field: cond} if cond else None) if q]
    if not parts:
        return {}
    return parts[0] if len(parts) == 1 else {"$and": parts}
