"""Import a folder of miniSEED, StationXML and QuakeML files into a database, recognising each
file by its content and carrying on past files that cannot be read."""

from __future__ import annotations

import datetime
import io
import logging
from pathlib import Path
from typing import Any

from sparkseis import defaults
from sparkseis.db.byte_store import S3Options, is_object_store, list_objects, read_range, read_whole
from sparkseis.db.database import Database
from sparkseis.db.ids import stable_object_id
from sparkseis.db.mseed_index import looks_like_record

log = logging.getLogger(__name__)


def file_kind(location: str | Path, size: int | None = None, s3: S3Options | None = None) -> str | None:
    """'mseed', 'stationxml', 'quakeml' or None, from the first bytes of a file or s3:// object
    of size bytes (not its name)."""
    size = Path(location).stat().st_size if size is None else size
    head = read_range(str(location), 0, min(4096, size), s3)
    if looks_like_record(head[:8]):
        return "mseed"
    text = head.decode("utf-8", "replace")
    if text.lstrip().startswith("<"):
        if "<FDSNStationXML" in text:
            return "stationxml"
        if "quakeml" in text.lower():
            return "quakeml"
    return None


def _record_failure(db: Database, path: Path, reason: str) -> None:
    db["elog"].replace_one(
        {"_id": stable_object_id("elog", "import", path)},
        {"algorithm": "import", "file": str(path), "problem": reason, "time": datetime.datetime.now(datetime.UTC)},
        upsert=True,
    )


def new_report() -> dict[str, Any]:
    """An empty import report (see import_folder)."""
    return {
        "mseed_files": 0,
        "segments": 0,
        "problems": [],
        "site": 0,
        "channel": 0,
        "source": 0,
        "skipped": [],
        "failed": [],
        "ignored": [],
    }


def merge_reports(into: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """Add other's counts and lists to into."""
    for key, value in other.items():
        into[key] = into.get(key, 0 if isinstance(value, int) else []) + value
    return into


def import_file(
    db: Database,
    path: str | Path,
    report: dict[str, Any],
    origin: str = defaults.ORIGIN,
    defer: tuple[str, ...] = (),
    size: int | None = None,
    s3: S3Options | None = None,
) -> str | None:
    """Import one file or s3:// object (of size bytes) into db, adding to report; returns its kind
    ('mseed', 'stationxml', 'quakeml', None). Files of a kind in `defer` are left for the caller.
    A file that cannot be read goes to report["failed"] and the elog collection."""
    try:
        kind = file_kind(path, size, s3)
        if kind in defer:
            return kind
        in_store = is_object_store(str(path))
        if kind in ("stationxml", "quakeml") and in_store:  # ObsPy parses the object's bytes from memory
            import obspy

            parse = obspy.read_inventory if kind == "stationxml" else obspy.read_events
            path = parse(io.BytesIO(read_whole(str(path), s3)))
        if kind == "mseed":
            r = db.index_mseed_object(str(path), s3) if in_store else db.index_mseed_file(path)
            report["mseed_files"] += 1
            report["segments"] += r["segments"]
            if r["problem"]:
                report["problems"].append(f"{path}: {r['problem']}")
        elif kind == "stationxml":
            r = db.save_inventory(path)
            report["site"] += r["site"]
            report["channel"] += r["channel"]
        elif kind == "quakeml":
            r = db.save_catalog(path, origin=origin)
            report["source"] += r["source"]
            report["skipped"] += r["skipped"]
        else:
            report["ignored"].append(str(path).rsplit("/", 1)[-1])
        return kind
    except Exception as err:  # noqa: BLE001 - any reader failure is this file's problem; the import goes on
        reason = f"{type(err).__name__}: {err}".splitlines()[0][:500]
        log.warning("import: %s: %s", path, reason)
        report["failed"].append({"file": str(path), "reason": reason})
        _record_failure(db, path, reason)
        return None


def archive_files(root: str | Path, s3: S3Options | None = None) -> list[tuple[str, int]]:
    """(location, bytes) of every file below a folder (an SDS tree, any layout) or every object
    below an s3://bucket/prefix, sorted; FileNotFoundError if there is no such folder or prefix."""
    if is_object_store(str(root)):
        return list(list_objects(str(root), s3))
    folder = Path(root)
    if not folder.is_dir():
        raise FileNotFoundError(f"no such folder: {folder}")
    return [(str(p), p.stat().st_size) for p in sorted(folder.rglob("*")) if p.is_file()]


# below this many bytes of files a serial import is faster than starting Spark (measured:
# 446 MB, 2,000 waveforms in 34 files: serial 4.6 s; Spark local[2] start-up alone 8-10 s,
# so two cores only pay off from about 9,000 such waveforms, 2 GB)
SPARK_IMPORT_BYTES = 2_000_000_000


def worth_spark(files: list[tuple[str, int]]) -> bool:
    """True when files ((location, bytes)) are large enough in total that indexing them in
    parallel pays for Spark."""
    return sum(size for _, size in files) >= SPARK_IMPORT_BYTES


def import_folder(
    db: Database, folder: str | Path, origin: str = defaults.ORIGIN, s3: S3Options | None = None
) -> dict[str, Any]:
    """Index every miniSEED file and save every StationXML inventory and QuakeML catalog below
    a folder or s3:// prefix, one file after another. A file that cannot be read is reported in
    `failed` (and in the elog collection) and the rest is imported; files of other kinds are
    listed in `ignored`. Importing again replaces the documents (their ids derive from where
    the bytes are)."""
    report = new_report()
    for location, size in archive_files(folder, s3):
        import_file(db, location, report, origin, size=size, s3=s3)
    db.ensure_indexes()
    return report
