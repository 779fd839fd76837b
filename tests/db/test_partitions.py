"""Read plans: a snapshot of the matching _ids in near-equal partitions, held in the plan or in
the database, read back as exactly the planned documents whatever is written meanwhile."""

import pytest
from bson import ObjectId

from sparkseis.db import partitions
from sparkseis.db.partitions import (
    SNAPSHOT_COLLECTION,
    SnapshotMissingError,
    plan_partitions,
    read_partition,
    release_snapshot,
)


def _oid(n: int) -> ObjectId:
    return ObjectId(f"{n:024x}")


@pytest.fixture
def numbered(fresh_db):
    coll = fresh_db["docs"]
    coll.insert_many([{"_id": _oid(10 * i + 10), "i": i, "even": i % 2 == 0} for i in range(1000)])
    return coll


def _read_all(coll, plan) -> list:
    """The i of every planned document (None for one deleted since planning), partition by partition."""
    return [doc["i"] if doc else None for p in plan.partitions for batch in read_partition(coll, p) for _, doc in batch]


# (inline_ids, chunk_ids): ids kept in the plan, and stored in the database in chunks of 7
STORAGES = {"inline": (10**6, 1000), "stored": (10, 7)}


@pytest.mark.parametrize("storage", STORAGES)
@pytest.mark.parametrize("query", [{}, {"even": True}])
@pytest.mark.parametrize("npartitions", [1, 3, 7, 50])
def test_partitions_cover_every_match_once_in_near_equal_shares(numbered, npartitions, query, storage):
    inline, chunk = STORAGES[storage]
    plan = plan_partitions(numbered, query, npartitions, inline_ids=inline, chunk_ids=chunk)
    expected = [d["i"] for d in numbered.find(query).sort("_id", 1)]
    assert plan.total == len(expected) and len(plan.partitions) == npartitions
    assert (plan.snapshot is not None) == (storage == "stored")
    assert _read_all(numbered, plan) == expected
    sizes = [p.count for p in plan.partitions]
    assert sum(sizes) == len(expected)
    assert max(sizes) - min(sizes) <= (1 if storage == "inline" else chunk)
    release_snapshot(numbered.database, plan)
    assert numbered.database[SNAPSHOT_COLLECTION].count_documents({"snapshot": plan.snapshot}) == 0


def test_stored_snapshot_bounds_driver_memory(numbered, monkeypatch):
    """Beyond inline_ids the plan holds no ids: chunks go to the database as the pass streams."""
    plan = plan_partitions(numbered, {}, 4, inline_ids=100, chunk_ids=50)
    assert all(p.ids == () for p in plan.partitions)
    assert numbered.database[SNAPSHOT_COLLECTION].count_documents({"snapshot": plan.snapshot}) == 20
    assert _read_all(numbered, plan) == list(range(1000))


def test_default_partitions_are_a_multiple_of_the_cores():
    assert partitions.default_partitions(45, 2, 1000) == 4  # two per core: the progress bar moves
    assert partitions.default_partitions(20_000, 2, 1000) == 20
    assert partitions.default_partitions(21_000, 4, 1000) == 24


@pytest.mark.parametrize("storage", STORAGES)
def test_documents_written_after_planning_are_not_read(numbered, storage):
    """Inserted inside, before and after the planned ids (as a job saving into the collection it
    reads does): the read is still exactly the planned documents; a deleted one comes back as None."""
    inline, chunk = STORAGES[storage]
    plan = plan_partitions(numbered, {}, 4, inline_ids=inline, chunk_ids=chunk)
    numbered.insert_many([{"_id": _oid(10 * i + 15), "i": -1} for i in range(0, 1000, 3)])
    numbered.insert_many([{"_id": _oid(1), "i": -2}, {"_id": _oid(10**6), "i": -3}])
    numbered.delete_one({"i": 5})
    got = _read_all(numbered, plan)
    assert got == [None if i == 5 else i for i in range(1000)]


def test_a_released_snapshot_is_a_clear_error(numbered):
    plan = plan_partitions(numbered, {}, 2, inline_ids=10, chunk_ids=100)
    release_snapshot(numbered.database, plan)
    with pytest.raises(SnapshotMissingError, match="read the data again"):
        _read_all(numbered, plan)


def test_empty_query_plans_one_empty_partition(numbered):
    plan = plan_partitions(numbered, {"i": -99}, 4)
    assert plan.total == 0 and len(plan.partitions) == 1 and _read_all(numbered, plan) == []
