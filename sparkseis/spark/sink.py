"""write_distributed_data: each partition saves its data in bulk and returns a small summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from pyspark import RDD

from sparkseis.core.seismic import BasicSeismic
from sparkseis.db.database import Database
from sparkseis.db.sink import DataTally, check_storage_mode


class DataTagExistsError(RuntimeError):
    """The output data_tag already has saved data and overwrite was not asked for."""


def _merge(summaries: list[dict]) -> dict[str, Any]:
    total = {"live": 0, "dead": 0, "killed_by": Counter(), "partitions": len(summaries)}
    for s in summaries:
        total["live"] += s["live"]
        total["dead"] += s["dead"]
        total["killed_by"].update(s["killed_by"])
    total["inputs"] = total["live"] + total["dead"]
    total["killed_by"] = dict(total["killed_by"].most_common())
    return total


def existing_outputs(db: Database, data_tag: str, collection: str = "wf_TimeSeries") -> int:
    return db[collection].count_documents({"data_tag": data_tag}) + db["cemetery"].count_documents({"data_tag": data_tag})


def write_distributed_data(
    rdd: RDD,
    db: Database,
    data_tag: str,
    storage_mode: str = "gridfs",
    overwrite: bool = False,
    output_dir: str | None = None,
    collection: str = "wf_TimeSeries",
    batch_size: int = 64,
) -> dict[str, Any]:
    """Save every datum of rdd under data_tag: live ones to collection (samples to GridFS or new
    files), dead ones to cemetery. Returns {inputs, live, dead, killed_by, partitions}.

    Ids derive from data_tag and each input's id, so a retried task replaces what its failed
    attempt wrote. A data_tag that already holds outputs is refused unless overwrite=True,
    which first deletes them.
    """
    if not data_tag:
        raise ValueError("write_distributed_data needs a data_tag naming this run's outputs")
    check_storage_mode(storage_mode)
    present = existing_outputs(db, data_tag, collection)
    if present and not overwrite:
        raise DataTagExistsError(
            f"data_tag {data_tag!r} already has {present} saved records in {db.name!r}; "
            "choose another tag, or overwrite (--overwrite) to replace them"
        )
    if present:
        db.delete_data_tag(data_tag, collection)
    db.ensure_indexes([collection, "cemetery"])
    out_dir = str(output_dir) if output_dir else None

    def save_partition(data: Iterator[BasicSeismic]) -> Iterator[dict]:
        sink = db.sink(data_tag, storage_mode, out_dir, collection, batch_size)
        for d in data:
            sink.add(d)
        yield sink.close()

    return _merge(rdd.mapPartitions(save_partition).collect())


def count_live(rdd: RDD) -> dict[str, Any]:
    """The tutorial's terminator: reduce each datum to its live flag (and reason) and count."""

    def summarize(data: Iterator[BasicSeismic]) -> Iterator[dict]:
        tally = DataTally()
        for d in data:
            tally.add(d)
        yield tally.as_dict()

    return _merge(rdd.mapPartitions(summarize).collect())
