"""Ensembles through a Spark shuffle on the shipped data: every input is a member of exactly one
ensemble, a dead member is saved once (in the cemetery), and the three-component chain (group
by event, bundle_seed_data, transform_to_RTZ) saves Seismograms that read back equal."""

from __future__ import annotations

import numpy as np

from sparkseis.algorithms import bundle_seed_data, transform_to_RTZ
from sparkseis.algorithms.traveltime import set_Ptime
from sparkseis.db.normalize import MiniseedMatcher, OriginTimeMatcher
from sparkseis.spark import group_ensembles, read_distributed_data, write_distributed_data


def _read(db, spark):
    matchers = [MiniseedMatcher(db, "channel"), OriginTimeMatcher(db, "source", t0offset=0.0, tolerance=400.0)]
    return read_distributed_data(
        db, db.wf_miniseed.find({}), normalize=matchers, npartitions=4, spark_context=spark.sparkContext
    )


def test_grouping_by_event_puts_every_input_in_one_ensemble(spark, shipped_db):
    ensembles = group_ensembles(_read(shipped_db, spark), "source_id", ensemble_keys=["source_lat"]).collect()
    members = [m["wf_miniseed_id"] for e in ensembles for m in e.member]
    assert sorted(map(str, members)) == sorted(str(d["_id"]) for d in shipped_db.wf_miniseed.find({}, {"_id": 1}))
    assert len({e["source_id"] for e in ensembles}) == len(ensembles) == shipped_db.source.count_documents({})
    for e in ensembles:
        assert all(m["source_id"] == e["source_id"] for m in e.member) and e["source_lat"] == e.member[0]["source_lat"]
        codes = [(m["sta"], m["chan"]) for m in e.member]
        assert codes == sorted(codes)  # members in a stable order


def test_a_dead_member_is_saved_once_in_the_cemetery(spark, shipped_db):
    def kill_one(d):
        if d["sta"] == "POKR" and d["chan"] == "BHN":
            d.kill_with("test", "killed before grouping")
        return d

    gathers = group_ensembles(_read(shipped_db, spark).map(kill_one), "source_id")
    saved = write_distributed_data(gathers, shipped_db, data_tag="ensembles_flat", overwrite=True).report
    assert saved.outputs == shipped_db.wf_miniseed.count_documents({}) and saved.dead == 1
    assert shipped_db.cemetery.count_documents({"data_tag": "ensembles_flat"}) == 1


def test_bundled_and_rotated_seismograms_are_saved_and_read_back(spark, shipped_db):
    def rotated(ensemble):
        seismograms = bundle_seed_data(ensemble)
        for s in seismograms.member:
            set_Ptime(s, "iasp91", use_pdiff=True)  # its seaz (back azimuth) for the rotation
        return transform_to_RTZ(seismograms)

    by_event = group_ensembles(_read(shipped_db, spark), "source_id").map(rotated)
    expected = by_event.flatMap(lambda e: [(s["sta"], s["source_id"], s.live, s.tmatrix) for s in e.member]).collect()
    # Okhotsk: 113A and POKR; rf: one event each at CX.PB01 (three components each)
    assert len(expected) == 2 + 13 and all(live for _, _, live, _ in expected)
    ids = write_distributed_data(by_event, shipped_db, data_tag="rtz", collection="wf_Seismogram", overwrite=True)
    assert ids.report.live == 15 and ids.report.dead == 0
    doc = shipped_db.wf_Seismogram.find_one({"data_tag": "rtz", "sta": "113A"})
    back = shipped_db.read_data(doc["_id"], collection="wf_Seismogram")
    mine = next(t for sta, _, _, t in expected if sta == "113A")
    assert back.live and back.data.shape == (3, back.npts) and np.array_equal(back.tmatrix, mine)
    ensemble = shipped_db.read_ensemble_data({"data_tag": "rtz"}, collection="wf_Seismogram")
    assert len(ensemble) == 15 and all(m.live for m in ensemble.member)


def test_a_list_of_queries_reads_one_ensemble_per_query(spark, shipped_db):
    """MsPASS's ensemble read: read_distributed_data(list of queries, db=...) gives one ensemble
    per query, in the list's order, its members that query's documents (sorted by sort_clause);
    a query that matches nothing is a dead ensemble that says so."""
    queries = [{"sta": "POKR"}, {"sta": "113A", "chan": {"$in": ["BHZ", "BHN"]}}, {"sta": "NOPE"}]
    rdd = read_distributed_data(
        queries,
        db=shipped_db,
        collection="wf_miniseed",
        normalize=[MiniseedMatcher(shipped_db, "channel")],
        sort_clause=[("chan", 1)],
        spark_context=spark.sparkContext,
    )
    pokr, station, nothing = rdd.collect()
    for ensemble, query in ((pokr, queries[0]), (station, queries[1])):
        expected = [str(d["_id"]) for d in shipped_db.wf_miniseed.find(query).sort([("chan", 1)])]
        assert [str(m["wf_miniseed_id"]) for m in ensemble.member] == expected and expected
        assert ensemble.live and ensemble["sta"] == query["sta"] and "chan" not in ensemble
        assert all(m.live and m["channel_hang"] is not None for m in ensemble.member)
    assert nothing.dead() and not nothing.member
    assert "matched no wf_miniseed documents" in nothing.elog.worst_errors()[0].message
    # the same with the database first, as sparkseis' own form
    again = read_distributed_data(shipped_db, queries[:1], collection="wf_miniseed", spark_context=spark.sparkContext)
    assert [len(e) for e in again.collect()] == [len(pokr)]


def test_a_list_of_queries_reads_the_documents_as_they_were_planned(spark, shipped_db):
    """A document written after the call (a job writing where it reads) is never a member."""
    rdd = read_distributed_data(
        [{"sta": "POKR"}], db=shipped_db, collection="wf_miniseed", spark_context=spark.sparkContext
    )
    planned = sorted(str(d["_id"]) for d in shipped_db.wf_miniseed.find({"sta": "POKR"}, {"_id": 1}))
    late = dict(shipped_db.wf_miniseed.find_one({"sta": "POKR"}), _id="written-after-planning")
    shipped_db.wf_miniseed.insert_one(late)
    try:
        (ensemble,) = rdd.collect()
    finally:
        shipped_db.wf_miniseed.delete_one({"_id": late["_id"]})
    assert sorted(str(m["wf_miniseed_id"]) for m in ensemble.member) == planned
