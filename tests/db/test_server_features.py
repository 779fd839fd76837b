"""The MongoDB features sparkseis relies on, checked on the server under test (nx-27017,
SecantusDB, or a real MongoDB given by SPARKSEIS_MONGODB_URI). Each names the code that needs it;
a server failing one here would make that code wrong, so the suite says which."""

import gridfs
import pytest
from bson import ObjectId
from pymongo import ASCENDING, ReplaceOne
from pymongo.errors import DuplicateKeyError

IDS = [ObjectId() for _ in range(6)]


@pytest.fixture
def coll(fresh_db):
    c = fresh_db["features"]
    c.insert_many([{"_id": i, "parent_id": i, "n": k, "tag": "a" if k % 2 else "b"} for k, i in enumerate(IDS)])
    return c


def test_find_by_id_in(coll):
    """read partitions fetch their planned documents by _id $in (db/partitions.py)."""
    assert sorted(d["n"] for d in coll.find({"_id": {"$in": IDS[1:4]}})) == [1, 2, 3]


def test_find_by_objectid_field_in(coll):
    """a resumed run skips inputs whose parent_id already has an output (spark/reader.py)."""
    assert sorted(d["n"] for d in coll.find({"parent_id": {"$in": IDS[:2]}}, {"parent_id": 1, "n": 1})) == [0, 1]


def test_sort_by_id_with_projection(coll):
    """planning streams the matching _ids in _id order (db/partitions.py)."""
    assert [d["_id"] for d in coll.find({"tag": "a"}, {"_id": 1}).sort("_id", 1)] == sorted(IDS[1::2])


def test_count_by_string_field(coll):
    """runs count their records by run_id and data_tag (spark/sink.py, db/runs.py)."""
    assert coll.count_documents({"tag": "a"}) == 3 and coll.count_documents({"tag": {"$ne": "a"}}) == 3


def test_bulk_replace_counts_what_it_wrote(coll):
    """the writer counts acknowledged records from bulk_write results (db/writer.py)."""
    result = coll.bulk_write([ReplaceOne({"_id": IDS[0]}, {"n": 10}, upsert=True),
                              ReplaceOne({"_id": ObjectId()}, {"n": 11}, upsert=True)], ordered=False)  # fmt: skip
    assert (result.matched_count, result.upserted_count) == (1, 1)
    assert coll.find_one({"_id": IDS[0]})["n"] == 10


def test_unique_index_refuses_a_second_holder(fresh_db):
    """tag locks are documents keyed by the tag: a second run's insert must fail (db/runs.py)."""
    fresh_db["locks"].insert_one({"_id": "tag", "run_id": "one"})
    with pytest.raises(DuplicateKeyError):
        fresh_db["locks"].insert_one({"_id": "tag", "run_id": "two"})


def test_ascending_compound_index(coll):
    """Database.ensure_indexes creates ascending compound indexes."""
    name = coll.create_index([("tag", ASCENDING), ("n", ASCENDING)])
    coll.drop_index(name)


def test_gridfs_round_trip(fresh_db):
    """samples of saved windows live in GridFS (db/waveform_store.py)."""
    fs = gridfs.GridFS(fresh_db)
    payload = bytes(range(256)) * 2000  # 512 kB: two chunks
    file_id = fs.put(payload, metadata={"data_tag": "x"})
    assert fs.get(file_id).read() == payload


def test_delete_many_by_in(coll):
    """older outputs are removed in batches by _id $in (db/runs.py)."""
    assert coll.delete_many({"_id": {"$in": IDS[:3]}}).deleted_count == 3
