"""Import a large folder as a Spark job: miniSEED files are recognised and indexed on the
executors, each writing its files' wf_miniseed documents in bulk; StationXML and QuakeML
files (few) are then saved on the driver."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pyspark import SparkContext

from sparkseis import defaults
from sparkseis.db.byte_store import S3Options
from sparkseis.db.database import Database
from sparkseis.db.importer import archive_files, import_file, merge_reports, new_report

# few and small, and a catalog's skipped events are reported once: saved on the driver
_DRIVER_KINDS = ("stationxml", "quakeml")


def _index_files(db: Database, s3: S3Options | None) -> Any:
    def index(files: Iterator[tuple[str, int]]) -> Iterator[dict[str, Any]]:
        report, others = new_report(), []
        for location, size in files:
            if import_file(db, location, report, defer=_DRIVER_KINDS, size=size, s3=s3) in _DRIVER_KINDS:
                others.append((location, size))
        report["metadata_files"] = others
        yield report

    return index


def import_folder_distributed(
    db: Database,
    folder: str | Path,
    origin: str = defaults.ORIGIN,
    spark_context: SparkContext | None = None,
    files_per_task: int = 8,
    s3: S3Options | None = None,
) -> dict[str, Any]:
    """import_folder as a Spark job (same report): files (or s3:// objects) are spread over
    tasks of files_per_task files, indexed where they run (reading from the store directly);
    metadata files are saved on the driver."""
    files = archive_files(folder, s3)
    sc = spark_context or SparkContext.getOrCreate()
    ntasks = max(1, min(len(files), -(-len(files) // files_per_task)))
    sc.setJobDescription(f"import {len(files)} files from {folder}: recognise and index miniSEED")
    try:
        rdd = sc.parallelize(files, ntasks).setName(f"files of {folder}")
        parts = rdd.mapPartitions(_index_files(db, s3)).setName("index miniSEED → wf_miniseed").collect()
    finally:
        sc.setJobDescription(None)
    report = new_report()
    metadata = []
    for part in parts:
        metadata += part.pop("metadata_files")
        merge_reports(report, part)
    for location, size in sorted(metadata):
        import_file(db, location, report, origin, size=size, s3=s3)
    db.ensure_indexes()
    report["tasks"] = ntasks
    return report
