"""write_distributed_data: each partition saves its data in bulk and returns a small summary;
the run is checked by counting and replaces the tag's older outputs only after it succeeded."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pyspark import RDD, Accumulator, TaskContext

from sparkseis import config
from sparkseis.core.seismic import BasicSeismic
from sparkseis.db.database import Database
from sparkseis.db.runs import RunRecord, outputs_of_other_runs, replace_older_outputs
from sparkseis.db.sink import DataTally, check_data_tag, check_storage_mode, describe_reason, merge_value_ranges


class DataTagExistsError(RuntimeError):
    """The output data_tag already has saved data and overwrite was not asked for."""


class AccountingError(RuntimeError):
    """The records written do not add up to the data read: the run failed."""


def _merge(summaries: list[dict]) -> dict[str, Any]:
    total: dict[str, Any] = {"live": 0, "dead": 0, "acknowledged_live": 0, "acknowledged_dead": 0, "partitions": len(summaries)}
    killed, examples, ranges = Counter(), {}, {}
    for s in summaries:
        for key in ("live", "dead", "acknowledged_live", "acknowledged_dead"):
            total[key] += s.get(key, 0)
        killed.update(s["killed_by"])
        for reason, example in s.get("examples", {}).items():
            examples.setdefault(reason, example)
        for reason, values in s.get("value_ranges", {}).items():
            ranges[reason] = merge_value_ranges(ranges.get(reason, []), values)
    total["outputs"] = total["live"] + total["dead"]
    total["killed_by"] = dict(killed.most_common())
    total["examples"] = examples
    total["value_ranges"] = ranges
    return total


def _collect(rdd: RDD, what: str) -> list:
    """rdd's per-partition summaries, as a Spark job described by the chain that makes them."""
    sc = rdd.context
    sc.setJobDescription(rdd.name() or what)
    try:
        return rdd.collect()
    finally:
        sc.setJobDescription(None)


def refuse_other_outputs(db: Database, data_tag: str, run_id: str, collection: str = "wf_TimeSeries") -> None:
    """DataTagExistsError if another run's records are saved under data_tag."""
    present = outputs_of_other_runs(db, data_tag, run_id, collection)
    if present:
        raise DataTagExistsError(f"data_tag {data_tag!r} already has {present} saved records in {db.name!r}; choose another tag, "
                                 "or overwrite (--overwrite) to replace them once this run succeeds")  # fmt: skip


def check_counts(report: dict[str, Any], documents_read: int | None, stored: int, expected: int | None = None) -> None:
    """AccountingError unless data read == outputs == records acknowledged == records stored
    (stored may also hold what an earlier attempt of a resumed run wrote: then it must equal
    `expected`, the inputs the run covers)."""
    outputs = report["outputs"]
    acknowledged = report["acknowledged_live"] + report["acknowledged_dead"]
    problems = []
    if documents_read is not None and documents_read != outputs:
        problems.append(f"{documents_read} documents read but {outputs} outputs")
    if acknowledged != outputs:
        problems.append(f"{outputs} outputs but the database acknowledged {acknowledged} records")
    if stored != (expected if expected is not None else outputs):
        problems.append(f"the database holds {stored} records of this run, expected {expected if expected is not None else outputs}")
    if problems:
        raise AccountingError("; ".join(problems))


def run_counts(report: dict[str, Any]) -> dict[str, Any]:
    """The counts a run record keeps (reasons as a list: they may hold '.' or '$')."""
    counts = {k: report[k] for k in ("live", "dead", "outputs", "stored", "documents_read") if k in report}
    counts["killed_by"] = [{"reason": r, "count": n, "example": report.get("examples", {}).get(r),
                            "values": describe_reason(r, report.get("value_ranges", {}).get(r))} for r, n in report["killed_by"].items()]  # fmt: skip
    return counts


def write_distributed_data(
    rdd: RDD,
    db: Database,
    data_tag: str,
    storage_mode: str = "gridfs",
    overwrite: bool = False,
    output_dir: str | None = None,
    collection: str = "wf_TimeSeries",
    batch_size: int = 64,
    run: RunRecord | None = None,
    documents_read: Accumulator | None = None,
    expected_records: int | None = None,
    timer: Accumulator | None = None,
) -> dict[str, Any]:
    """Save every datum of rdd under data_tag as one run: live ones to collection (samples to
    GridFS or files), dead ones to cemetery, every record carrying the run id. Returns
    {outputs, live, dead, killed_by, examples, acknowledged_*, partitions, run_id, replaced}.

    A data_tag holding other runs' outputs is refused unless overwrite=True; those outputs are
    deleted only after this run succeeded and its counts agree (data read, records
    acknowledged, records stored), so a failed run leaves them intact. Ids derive from the run
    and each datum's parent, so a retried task replaces what its failed attempt wrote.
    run: the job's RunRecord (default: this call records and locks its own run). timer: a
    step_timer (sparkseis.spark.stages) given the save time per datum.
    """
    check_data_tag(data_tag)
    check_storage_mode(storage_mode)
    own = run is None
    if own:
        run = RunRecord.begin(db, "write_distributed_data", data_tag, {"storage_mode": storage_mode, "overwrite": overwrite})
    run_id = run.run_id
    try:
        if not overwrite:
            refuse_other_outputs(db, data_tag, run_id, collection)
        db.ensure_indexes([collection, "cemetery"])
        # resolved here, once: an executor's own conf or working folder must not decide where samples go
        out_dir = str(Path(output_dir or config.project_path(config.get("storage", "output_dir", "var/waveforms"))).resolve())

        def save_partition(data: Iterator[BasicSeismic]) -> Iterator[dict]:
            ctx = TaskContext.get()
            name = f"{run_id}-p{ctx.partitionId() if ctx else 0:05d}.f8"
            sink = db.sink(data_tag, storage_mode, out_dir, collection, batch_size, run_id=run_id, file_name=name)
            spent, count = 0.0, 0
            for d in data:
                started = time.perf_counter()
                sink.add(d)
                spent += time.perf_counter() - started
                count += 1
            started = time.perf_counter()
            summary = sink.close()
            if timer is not None:
                timer.add({"save": (spent + time.perf_counter() - started, count)})
            yield summary

        what = f"save to {collection} data_tag={data_tag} ({storage_mode}), run {run_id}"
        saving = rdd.mapPartitions(save_partition).setName(f"{rdd.name() or 'data'} → {what}")
        report = _merge(_collect(saving, what))
        stored = db[collection].count_documents({"run_id": run_id}) + db["cemetery"].count_documents({"run_id": run_id})
        check_counts(report, documents_read.value if documents_read is not None else None, stored, expected_records)
        report["stored"] = stored
        report["replaced"] = replace_older_outputs(db, data_tag, run_id, collection)
        report["run_id"] = run_id
    except BaseException as err:
        if own:
            run.finish("failed", error=f"{type(err).__name__}: {err}")
        raise
    if own:
        run.finish("succeeded", counts=run_counts(report))
    return report


def count_live(rdd: RDD, documents_read: Accumulator | None = None) -> dict[str, Any]:
    """The tutorial's terminator: reduce each datum to its live flag (and reason) and count;
    checks that every document read was counted."""

    def summarize(data: Iterator[BasicSeismic]) -> Iterator[dict]:
        tally = DataTally()
        for d in data:
            tally.add(d)
        out = tally.as_dict()
        out["acknowledged_live"], out["acknowledged_dead"] = out["live"], out["dead"]  # nothing to store
        yield out

    report = _merge(_collect(rdd.mapPartitions(summarize).setName(f"{rdd.name() or 'data'} → count live/dead"), "count live/dead"))
    if documents_read is not None and documents_read.value != report["outputs"]:
        raise AccountingError(f"{documents_read.value} documents read but {report['outputs']} data counted")
    return report
