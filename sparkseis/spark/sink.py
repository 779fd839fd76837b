"""write_distributed_data: each partition saves its data in bulk and returns a small summary;
the run is checked by counting and replaces the tag's older outputs only after it succeeded."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pyspark import RDD, Accumulator, TaskContext

from sparkseis.core.ensemble import members_of
from sparkseis.core.errors import AccountingError, ArgumentError, ArgumentTypeError, DataTagExistsError
from sparkseis.core.seismic import BasicSeismic
from sparkseis.db.database import Database
from sparkseis.db.runs import RunRecord, outputs_of_other_runs, replace_older_outputs
from sparkseis.db.writer import check_data_tag, check_storage_mode
from sparkseis.report import RunReport

log = logging.getLogger(__name__)


class SavedIds(Sequence):
    """What write_distributed_data returns: as MsPASS, a sequence with one entry per datum saved,
    the wf document's ObjectId for live data and None for dead ones (in the cemetery), in input
    order; the ids are fetched from the database only when the sequence is first indexed or
    iterated, so a run of millions never pulls them onto the driver unasked. `report` holds the
    run's counts (live, dead, killed_by, stored, run_id, ...)."""

    def __init__(self, db: Database, collection: str, report: RunReport):
        self.report = report
        self._db, self._collection = db, collection
        self._ids: list | None = None

    def _fetch(self) -> list:
        if self._ids is None:
            query, run_id = {"run_id": self.report.run_id}, self.report.run_id
            rows = [
                (doc.get("parent_id"), doc["_id"]) for doc in self._db[self._collection].find(query, {"parent_id": 1})
            ]
            rows += [(doc.get("parent_id"), None) for doc in self._db["cemetery"].find(query, {"parent_id": 1})]
            try:
                rows.sort(key=lambda row: row[0])  # input order: the reader plans in _id order
            except TypeError:  # parents of types that do not compare (or none: data made in memory)
                rows.sort(key=lambda row: str(row[0]))
            self._ids = [doc_id for _, doc_id in rows]
            expected = self.report.outputs - self.report.cremated
            if len(self._ids) != expected:
                raise AccountingError(f"run {run_id}: {len(self._ids)} records found, {expected} saved")
        return self._ids

    def __len__(self) -> int:
        return self.report.outputs - self.report.cremated

    def __getitem__(self, i):
        return self._fetch()[i]

    def __iter__(self) -> Iterator:
        return iter(self._fetch())

    def __repr__(self) -> str:
        r = self.report
        cremated = f", {r.cremated} cremated" if r.cremated else ""
        return f"SavedIds({r.outputs} saved under run {r.run_id}: {r.live} live, {r.dead} dead{cremated})"


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
        raise DataTagExistsError(
            f"data_tag {data_tag!r} already has {present} saved records in {db.name!r}; choose another tag, "
            "or overwrite (--overwrite) to replace them once this run succeeds"
        )


def write_distributed_data(
    data: RDD,
    db: Database,
    data_are_atomic: bool = True,
    mode: str = "promiscuous",
    storage_mode: str | None = None,
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
    expected_records: int | Accumulator | None = None,
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

    Examples
    --------
    >>> ids = write_distributed_data(rdd, db, data_tag="my_windows", overwrite=True)  # doctest: +SKIP
    >>> len(ids), ids.report.live, ids.report.dead, ids.report.killed_by  # doctest: +SKIP
    (45, 42, 3, {'WindowData: window [#, #] s is partly outside the data span [#, #] s': 3})
    """
    rdd = data
    if not isinstance(rdd, RDD):
        raise ArgumentTypeError(f"write_distributed_data: data must be a Spark RDD, got {type(rdd).__name__}")
    if not isinstance(db, Database):
        raise ArgumentTypeError(f"write_distributed_data: db must be a sparkseis Database, got {type(db).__name__}")
    storage_mode = storage_mode or db.settings.storage_mode  # the driver's: tasks get the value
    check_storage_mode(storage_mode)
    if scheduler not in (None, "spark"):
        raise ArgumentError(
            f"write_distributed_data: sparkseis runs on Spark; scheduler={scheduler!r} is not available"
        )
    if mode not in ("promiscuous", "cautious", "pedantic"):
        raise ArgumentError(f"write_distributed_data: mode must be promiscuous, cautious or pedantic, got {mode!r}")
    if mode != "promiscuous":
        log.warning(
            "write_distributed_data: mode=%r: sparkseis has no schema, data are saved as in promiscuous mode", mode
        )
    if collection not in ("wf_TimeSeries", "wf_Seismogram"):
        raise ArgumentError(
            f"write_distributed_data: collection must be wf_TimeSeries or wf_Seismogram, got {collection!r}"
        )
    refused = {
        "data_are_atomic": (data_are_atomic, True),
        "file_format": (file_format, None),
        "post_elog": (post_elog, False),
        "save_history": (save_history, False),
        "post_history": (post_history, False),
        "dask_client": (dask_client, None),
    }
    for key, (value, default) in refused.items():
        if value != default:
            raise ArgumentError(
                f"write_distributed_data: {key}={value!r} is not supported (ensembles, other formats, "
                "separate elog and history collections and dask are not)"
            )
    if data_tag is None:
        raise ArgumentError("write_distributed_data: sparkseis saves every run under a data_tag; give data_tag=")
    check_data_tag(data_tag)
    own = run is None
    record = (
        RunRecord.begin(db, "write_distributed_data", data_tag, {"storage_mode": storage_mode, "overwrite": overwrite})
        if own
        else run
    )
    with record if own else contextlib.nullcontext(record):
        run_id = record.run_id
        if not overwrite:
            refuse_other_outputs(db, data_tag, run_id, collection)
        db.ensure_indexes([collection, "cemetery"])
        # resolved here, once: an executor's own conf or working folder must not decide where samples go
        out_dir = str(Path(output_dir or db.settings.output_dir).resolve())

        def save_partition(data: Iterator[BasicSeismic]) -> Iterator[RunReport]:
            ctx = TaskContext.get()
            name = f"{run_id}-p{ctx.partitionId() if ctx else 0:05d}.f8"
            sink = db.sink(
                data_tag,
                storage_mode,
                out_dir,
                collection,
                batch_size,
                run_id=run_id,
                file_name=name,
                exclude_keys=exclude_keys,
                cremate=cremate,
            )
            spent, count = 0.0, 0
            try:
                for d in members_of(data):  # an ensemble's members are saved one by one
                    started = time.perf_counter()
                    sink.add(d)
                    spent += time.perf_counter() - started
                    count += 1
            except BaseException:
                sink.abandon()  # the task fails; a reused worker keeps no writer thread of it
                raise
            started = time.perf_counter()
            summary = sink.close()
            if timer is not None:
                timer.add({"save": (spent + time.perf_counter() - started, count)})
            yield summary

        what = f"save to {collection} data_tag={data_tag} ({storage_mode}), run {run_id}"
        saving = rdd.mapPartitions(save_partition).setName(f"{rdd.name() or 'data'} → {what}")
        report = RunReport.merge(_collect(saving, what))
        report.stored = db[collection].count_documents({"run_id": run_id}) + db["cemetery"].count_documents(
            {"run_id": run_id}
        )
        report.documents_read = documents_read.value if documents_read is not None else None
        if isinstance(expected_records, Accumulator):  # counted by the tasks (what a resume covers)
            expected_records = expected_records.value
        covered = inputs_stored(db, (collection, "cemetery"), run_id) if expected_records is not None else None
        report.check_counts(report.documents_read, report.stored, expected_records, covered)
        report.replaced = replace_older_outputs(db, data_tag, run_id, collection)
        report.run_id, report.storage_mode, report.output_collection = run_id, storage_mode, collection
        if own:
            record.succeed(report.to_record())
    return SavedIds(db, collection, report)


def inputs_stored(db: Database, collections: tuple[str, ...], run_id: str) -> int:
    """The inputs the run's records stand for: one each, or a bundle's parent_ids."""
    total = 0
    for coll in collections:
        total += db[coll].count_documents({"run_id": run_id, "parent_ids": {"$exists": False}})
        for doc in db[coll].find({"run_id": run_id, "parent_ids": {"$exists": True}}, {"parent_ids": 1}):
            total += len(doc["parent_ids"])
    return total


def count_live(rdd: RDD, documents_read: Accumulator | None = None) -> RunReport:
    """The tutorial's terminator: reduce each datum to its live flag (and reason) and count;
    checks that every document read was counted.

    >>> count_live(rdd).live  # doctest: +SKIP
    42
    """

    def summarize(data: Iterator[BasicSeismic]) -> Iterator[RunReport]:
        tally = RunReport()
        for d in members_of(data):
            tally.add(d)
        tally.acknowledged_live, tally.acknowledged_dead = tally.live, tally.dead  # nothing to store
        yield tally

    report = RunReport.merge(
        _collect(rdd.mapPartitions(summarize).setName(f"{rdd.name() or 'data'} → count live/dead"), "count live/dead")
    )
    report.documents_read = documents_read.value if documents_read is not None else None
    report.check_counts(report.documents_read, None)
    report.count_only = True
    return report
