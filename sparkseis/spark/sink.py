"""write_distributed_data: each partition saves its data in bulk and returns a small summary;
the run is checked by counting and replaces the tag's older outputs only after it succeeded."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pyspark import RDD, Accumulator, TaskContext

from sparkseis import config
from sparkseis.core.errors import ArgumentError, ArgumentTypeError
from sparkseis.core.seismic import BasicSeismic
from sparkseis.db.database import Database
from sparkseis.db.runs import RunRecord, outputs_of_other_runs, replace_older_outputs
from sparkseis.db.sink import DataTally, check_data_tag, check_storage_mode, describe_reason, merge_value_ranges

log = logging.getLogger(__name__)


class DataTagExistsError(RuntimeError):
    """The output data_tag already has saved data and overwrite was not asked for."""


class AccountingError(RuntimeError):
    """The records written do not add up to the data read: the run failed."""


class SavedIds(Sequence):
    """What write_distributed_data returns: as MsPASS, a sequence with one entry per datum saved,
    the wf document's ObjectId for live data and None for dead ones (in the cemetery), in input
    order; the ids are fetched from the database only when the sequence is first indexed or
    iterated, so a run of millions never pulls them onto the driver unasked. `report` holds the
    run's counts (live, dead, killed_by, stored, run_id, ...)."""

    def __init__(self, db: Database, collection: str, report: dict[str, Any]):
        self.report = report
        self._db, self._collection = db, collection
        self._ids: list | None = None

    def _fetch(self) -> list:
        if self._ids is None:
            query, run_id = {"run_id": self.report["run_id"]}, self.report["run_id"]
            rows = [(doc.get("parent_id"), doc["_id"]) for doc in self._db[self._collection].find(query, {"parent_id": 1})]
            rows += [(doc.get("parent_id"), None) for doc in self._db["cemetery"].find(query, {"parent_id": 1})]
            try:
                rows.sort(key=lambda row: row[0])  # input order: the reader plans in _id order
            except TypeError:  # parents of types that do not compare (or none: data made in memory)
                rows.sort(key=lambda row: str(row[0]))
            self._ids = [doc_id for _, doc_id in rows]
            expected = self.report["outputs"] - self.report.get("cremated", 0)
            if len(self._ids) != expected:
                raise AccountingError(f"run {run_id}: {len(self._ids)} records found, {expected} saved")
        return self._ids

    def __len__(self) -> int:
        return self.report["outputs"] - self.report.get("cremated", 0)

    def __getitem__(self, i):
        return self._fetch()[i]

    def __iter__(self) -> Iterator:
        return iter(self._fetch())

    def __repr__(self) -> str:
        r = self.report
        return f"SavedIds({r['outputs']} saved under run {r['run_id']}: {r['live']} live, {r['dead']} dead)"


def _merge(summaries: list[dict]) -> dict[str, Any]:
    total: dict[str, Any] = {"live": 0, "dead": 0, "acknowledged_live": 0, "acknowledged_dead": 0, "cremated": 0, "partitions": len(summaries)}
    killed, examples, ranges = Counter(), {}, {}
    for s in summaries:
        for key in ("live", "dead", "acknowledged_live", "acknowledged_dead", "cremated"):
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
    outputs, cremated = report["outputs"], report.get("cremated", 0)
    acknowledged = report["acknowledged_live"] + report["acknowledged_dead"]
    problems = []
    if documents_read is not None and documents_read != outputs:
        problems.append(f"{documents_read} documents read but {outputs} outputs")
    if acknowledged + cremated != outputs:
        problems.append(f"{outputs} outputs but the database acknowledged {acknowledged} records ({cremated} cremated)")
    recorded = (expected if expected is not None else outputs) - cremated
    if stored != recorded:
        problems.append(f"the database holds {stored} records of this run, expected {recorded}")
    if problems:
        raise AccountingError("; ".join(problems))


def run_counts(report: dict[str, Any]) -> dict[str, Any]:
    """The counts a run record keeps (reasons as a list: they may hold '.' or '$')."""
    counts = {k: report[k] for k in ("live", "dead", "outputs", "stored", "documents_read") if k in report}
    counts["killed_by"] = [{"reason": r, "count": n, "example": report.get("examples", {}).get(r),
                            "values": describe_reason(r, report.get("value_ranges", {}).get(r))} for r, n in report["killed_by"].items()]  # fmt: skip
    return counts


def write_distributed_data(
    data: RDD,
    db: Database,
    data_are_atomic: bool = True,
    mode: str = "promiscuous",
    storage_mode: str = "gridfs",
    scheduler: str | None = None,
    file_format: str | None = None,
    overwrite: bool = False,
    exclude_keys: list[str] | None = None,
    collection: str = "wf_TimeSeries",
    data_tag: str | None = None,
    post_elog: bool = False,
    save_history: bool = False,
    post_history: bool = False,
    cremate: bool = False,
    normalizing_collections: Any = None,
    alg_name: str = "write_distributed_data",
    alg_id: str = "0",
    dask_client: Any = None,
    *,
    output_dir: str | None = None,
    batch_size: int = 64,
    run: RunRecord | None = None,
    documents_read: Accumulator | None = None,
    expected_records: int | None = None,
    timer: Accumulator | None = None,
) -> SavedIds:
    """Save every datum of `data` (an RDD) under data_tag as one run: live ones to collection
    (samples to GridFS or files in output_dir), dead ones to cemetery (or nowhere, counted,
    with cremate=True), every record carrying the run id. Returns, as MsPASS, the saved ids
    (None for dead data), fetched only when used; `.report` holds the run's counts
    {outputs, live, dead, killed_by, examples, acknowledged_*, partitions, run_id, replaced}.

    MsPASS's signature: data_are_atomic, mode, scheduler ("spark"), file_format, post_elog,
    save_history, post_history and dask_client accept their defaults only; alg_name and
    alg_id are accepted and unused. A data_tag holding other runs' outputs is refused unless
    overwrite=True; those outputs are deleted only after this run succeeded and its counts
    agree (data read, records acknowledged, records stored), so a failed run leaves them
    intact. Ids derive from the run and each datum's parent, so a retried task replaces what
    its failed attempt wrote. run: the job's RunRecord (default: this call records and locks
    its own run). timer: a step_timer (sparkseis.spark.stages) given the save time per datum.
    """
    rdd = data
    if not isinstance(rdd, RDD):
        raise ArgumentTypeError(f"write_distributed_data: data must be a Spark RDD, got {type(rdd).__name__}")
    if not isinstance(db, Database):
        raise ArgumentTypeError(f"write_distributed_data: db must be a sparkseis Database, got {type(db).__name__}")
    check_storage_mode(storage_mode)
    if scheduler not in (None, "spark"):
        raise ArgumentError(f"write_distributed_data: sparkseis runs on Spark; scheduler={scheduler!r} is not available")
    if mode not in ("promiscuous", "cautious", "pedantic"):
        raise ArgumentError(f"write_distributed_data: mode must be promiscuous, cautious or pedantic, got {mode!r}")
    if mode != "promiscuous":
        log.warning("write_distributed_data: mode=%r: sparkseis has no schema, data are saved as in promiscuous mode", mode)
    if collection not in ("wf_TimeSeries", "wf_Seismogram"):
        raise ArgumentError(f"write_distributed_data: collection must be wf_TimeSeries or wf_Seismogram, got {collection!r}")
    refused = {"data_are_atomic": (data_are_atomic, True), "file_format": (file_format, None), "post_elog": (post_elog, False),
               "save_history": (save_history, False), "post_history": (post_history, False), "dask_client": (dask_client, None)}  # fmt: skip
    for key, (value, default) in refused.items():
        if value != default:
            raise ArgumentError(f"write_distributed_data: {key}={value!r} is not supported (ensembles, other formats, "
                                "separate elog and history collections and dask are not)")  # fmt: skip
    if data_tag is None:
        raise ArgumentError("write_distributed_data: sparkseis saves every run under a data_tag; give data_tag=")
    check_data_tag(data_tag)
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
            sink = db.sink(data_tag, storage_mode, out_dir, collection, batch_size, run_id=run_id, file_name=name,
                           exclude_keys=exclude_keys, cremate=cremate)  # fmt: skip
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
    return SavedIds(db, collection, report)


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
