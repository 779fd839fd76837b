"""Import a large folder as a Spark job: miniSEED files are recognised and indexed on the
executors, each writing its files' wf_miniseed documents in bulk; StationXML and QuakeML
files (few) are then saved on the driver."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pyspark import SparkContext

from sparkseis import defaults
from sparkseis.db.database import Database
from sparkseis.db.importer import folder_files, import_file, merge_reports, new_report

# few and small, and a catalog's skipped events are reported once: saved on the driver
_DRIVER_KINDS = ("stationxml", "quakeml")


def _index_files(db: Database) -> Any:
    def index(paths: Iterator[str]) -> Iterator[dict[str, Any]]:
        report, others = new_report(), []
        for path in paths:
            if import_file(db, Path(path), report, defer=_DRIVER_KINDS) in _DRIVER_KINDS:
                others.append(path)
        report["metadata_files"] = others
        yield report

    return index


def import_folder_distributed(
    db: Database,
    folder: str | Path,
    origin: str = defaults.ORIGIN,
    spark_context: SparkContext | None = None,
    files_per_task: int = 8,
) -> dict[str, Any]:
    """import_folder as a Spark job (same report): files are spread over tasks of
    files_per_task files, indexed where they run; metadata files are saved on the driver."""
    files = folder_files(folder)
    sc = spark_context or SparkContext.getOrCreate()
    ntasks = max(1, min(len(files), -(-len(files) // files_per_task)))
    sc.setJobDescription(f"import {len(files)} files from {folder}: recognise and index miniSEED")
    try:
        rdd = sc.parallelize([str(p) for p in files], ntasks).setName(f"files of {folder}")
        parts = rdd.mapPartitions(_index_files(db)).setName("index miniSEED → wf_miniseed").collect()
    finally:
        sc.setJobDescription(None)
    report = new_report()
    metadata = []
    for part in parts:
        metadata += part.pop("metadata_files")
        merge_reports(report, part)
    for path in sorted(metadata):
        import_file(db, Path(path), report, origin)
    db.ensure_indexes()
    report["tasks"] = ntasks
    return report
