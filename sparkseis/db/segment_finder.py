"""Find the wf_miniseed segments of one channel that overlap a time span: the interval lookup
of an archive (continuous day files, or any segments), answered from the (net, sta, chan, loc,
starttime) index a day at a time and cached, so neighbouring windows share their queries."""

from __future__ import annotations

from collections import OrderedDict

from pymongo.errors import OperationFailure

DAY_S = 86400.0

Channel = tuple[str, str, str, str]


def channel_query(channel: Channel) -> dict:
    """The wf_miniseed filter of one (net, sta, loc, chan)."""
    net, sta, loc, chan = channel
    return {"net": net, "sta": sta, "chan": chan, "loc": loc}


class SegmentFinder:
    """Segments of a channel overlapping [t1, t2] (epoch s), sorted by start time. The documents
    of each (channel, UTC day) are fetched once and kept for the last `cache_days` such days
    (a partition's windows are planned in time order, so this bounds memory and queries).
    longest_s: no segment lasts longer (s; longest_segment_s measures it), which bounds how
    far before a day a segment covering it can start."""

    def __init__(self, collection, longest_s: float, cache_days: int = 512, query: dict | None = None):
        self.collection, self.longest_s = collection, float(longest_s)
        self.cache_days, self.query = cache_days, dict(query or {})
        self._days: OrderedDict[tuple[Channel, int], list[dict]] = OrderedDict()
        self.queries = 0

    def _day(self, channel: Channel, day: int) -> list[dict]:
        key = (channel, day)
        docs = self._days.get(key)
        if docs is not None:
            self._days.move_to_end(key)
            return docs
        start, end = day * DAY_S, (day + 1) * DAY_S
        query = {**self.query, **channel_query(channel), "starttime": {"$gte": start - self.longest_s, "$lt": end}}
        docs = [d for d in self.collection.find(query) if d["endtime"] >= start]
        self.queries += 1
        self._days[key] = docs
        if len(self._days) > self.cache_days:
            self._days.popitem(last=False)
        return docs

    def overlapping(self, channel: Channel, t1: float, t2: float) -> list[dict]:
        """The channel's segments with a sample in [t1, t2], sorted by start time."""
        found: dict = {}
        for day in range(int(t1 // DAY_S), int(t2 // DAY_S) + 1):
            for doc in self._day(channel, day):
                if doc["starttime"] <= t2 and doc["endtime"] >= t1:
                    found[doc["_id"]] = doc
        return sorted(
            found.values(), key=lambda d: (d["starttime"], str(d.get("dir")), str(d.get("dfile")), d.get("foff", 0))
        )


def longest_segment_s(collection, query: dict | None = None) -> float:
    """The longest segment's duration (s) among the documents matching query: one pass over
    their start and end times on the server's side where it can aggregate."""
    try:
        rows = list(
            collection.aggregate(
                [
                    {"$match": dict(query or {})},
                    {"$group": {"_id": None, "longest": {"$max": {"$subtract": ["$endtime", "$starttime"]}}}},
                ]
            )
        )
        if rows and rows[0].get("longest") is not None:
            return float(rows[0]["longest"])
    except OperationFailure:
        pass  # a server without $group arithmetic: read the times
    longest = 0.0
    for doc in collection.find(query or {}, {"starttime": 1, "endtime": 1, "_id": 0}).batch_size(10_000):
        longest = max(longest, float(doc["endtime"]) - float(doc["starttime"]))
    return longest
