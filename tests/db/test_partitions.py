"""Partition planning in one streamed pass with bounded memory, and range reads that take the
server's fast path (checked with explain) and stay correct when the collection changes."""

import pytest
from bson import ObjectId

from sparkseis.db import partitions
from sparkseis.db.partitions import plan_partitions, read_range, uses_index


def _oid(n: int) -> ObjectId:
    return ObjectId(f"{n:024x}")


@pytest.fixture
def numbered(fresh_db):
    coll = fresh_db["docs"]
    coll.insert_many([{"_id": _oid(10 * i + 10), "i": i, "even": i % 2 == 0} for i in range(1000)])
    return coll


def _read_all(coll, plan, query):
    return [doc["i"] for r in plan.ranges for doc in read_range(coll, query, r, plan.by_position)]


@pytest.mark.parametrize("query", [{}, {"even": True}])
@pytest.mark.parametrize("npartitions", [1, 3, 7, 50])
def test_ranges_cover_every_match_once_in_near_equal_shares(numbered, npartitions, query):
    plan = plan_partitions(numbered, query, npartitions)
    expected = [d["i"] for d in numbered.find(query).sort("_id", 1)]
    assert plan.total == len(expected) and len(plan.ranges) == npartitions
    assert _read_all(numbered, plan, query) == expected
    sizes = [r.count for r in plan.ranges]
    assert max(sizes) - min(sizes) <= 1


def test_planning_memory_is_bounded(numbered, monkeypatch):
    monkeypatch.setattr(partitions, "MAX_MARKS", 16)  # 1,000 matches: the stride doubles to keep <= 32 marks
    seen = []
    real = partitions._marks

    def spy(*args):
        marks, n = real(*args)
        seen.append(len(marks))
        return marks, n

    monkeypatch.setattr(partitions, "_marks", spy)
    plan = plan_partitions(numbered, {}, 10)
    assert seen[0] <= 2 * 16 and len(plan.ranges) == 10
    assert _read_all(numbered, plan, {}) == list(range(1000))
    sizes = [r.count for r in plan.ranges]
    assert max(sizes) - min(sizes) <= 1000 // 16  # shares equal within one stride


def test_default_partitions_are_a_multiple_of_the_cores():
    assert partitions.default_partitions(45, 2, 1000) == 4  # two per core: the progress bar moves
    assert partitions.default_partitions(20_000, 2, 1000) == 20
    assert partitions.default_partitions(21_000, 4, 1000) == 24


def test_read_strategy_follows_explain(numbered):
    # the embedded server answers _id ranges with a scan (its explain says so): read by position
    plan = plan_partitions(numbered, {}, 4)
    explained = numbered.find(partitions.range_query({}, plan.ranges[1])).explain()
    assert plan.by_position == (not uses_index(explained))
    # what a real MongoDB answers for an _id range (an index scan), and for an unindexed field
    mongodb_ixscan = {"queryPlanner": {"winningPlan": {"stage": "FETCH", "inputStage": {"stage": "IXSCAN", "indexName": "_id_"}}}}
    mongodb_collscan = {"queryPlanner": {"winningPlan": {"stage": "COLLSCAN", "filter": {"i": {"$gt": 3}}}}}
    assert uses_index(mongodb_ixscan) and not uses_index(mongodb_collscan)
    assert not uses_index({"queryPlanner": {"winningPlan": [{"detail": "SCAN docs"}]}})


@pytest.mark.parametrize("change", ["insert", "delete"])
def test_position_reads_notice_a_changed_collection(numbered, change):
    plan = plan_partitions(numbered, {}, 4)
    r = plan.ranges[2]
    if change == "insert":  # a document inside range 2, and one before it (positions shift)
        numbered.insert_one({"_id": _oid(10 * (r.offset + 1) + 15), "i": -1})
        numbered.insert_one({"_id": _oid(1), "i": -2})
    else:
        numbered.delete_one({"i": 5})
    expected = [d["i"] for d in numbered.find(partitions.range_query({}, r)).sort("_id", 1)]
    got = [d["i"] for d in read_range(numbered, {}, r, by_position=True)]
    assert got == expected
