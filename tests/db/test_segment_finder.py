"""The archive's interval lookup on the server under test: SegmentFinder finds exactly the
segments a brute-force scan finds, long segments included, with few queries."""

from __future__ import annotations

import numpy as np

from sparkseis.db.segment_finder import DAY_S, SegmentFinder, longest_segment_s

CHANNEL = ("XX", "STA", "", "BHZ")


def _segments(rng) -> list[dict]:
    docs, t = [], 1.6e9
    for i in range(60):
        length = float(rng.choice([600.0, DAY_S, 3.5 * DAY_S]))  # records, day files, one long run
        docs.append(
            {"_id": i, "net": "XX", "sta": "STA", "loc": "", "chan": "BHZ", "starttime": t, "endtime": t + length}
        )
        t += length + float(rng.choice([0.025, 30.0, 7200.0]))
    docs.append(
        {"_id": 99, "net": "XX", "sta": "OTHER", "loc": "", "chan": "BHZ", "starttime": 1.6e9, "endtime": 1.7e9}
    )
    return docs


def test_lookups_equal_a_scan_and_the_longest_segment_is_measured(fresh_db):
    rng = np.random.default_rng(1)
    docs = _segments(rng)
    fresh_db.wf_miniseed.insert_many([dict(d) for d in docs])
    fresh_db.ensure_indexes(["wf_miniseed"])
    mine = [d for d in docs if d["sta"] == "STA"]
    longest = longest_segment_s(fresh_db.wf_miniseed, {"sta": "STA"})
    assert longest == max(d["endtime"] - d["starttime"] for d in mine)
    finder = SegmentFinder(fresh_db.wf_miniseed, longest, cache_days=8)
    spans = sorted(rng.uniform(mine[0]["starttime"] - DAY_S, mine[-1]["endtime"] + DAY_S, 200))
    for t1 in spans:
        t2 = t1 + float(rng.uniform(1.0, 2000.0))
        found = [d["_id"] for d in finder.overlapping(CHANNEL, t1, t2)]
        assert found == [d["_id"] for d in mine if d["starttime"] <= t2 and d["endtime"] >= t1]
    assert finder.queries <= 2 * len({int(t // DAY_S) for t in spans}) + 2  # by the day, not per span
