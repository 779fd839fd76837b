"""Import a folder of miniSEED, StationXML and QuakeML files into a database, recognising each
file by its content and carrying on past files that cannot be read."""

from __future__ import annotations

import datetime
import logging
from pathlib import Path
from typing import Any

from sparkseis.db.database import Database
from sparkseis.db.ids import stable_object_id
from sparkseis.db.mseed_index import looks_like_record

log = logging.getLogger(__name__)


def file_kind(path: Path) -> str | None:
    """'mseed', 'stationxml', 'quakeml' or None, from the first bytes of the file (not its name)."""
    with open(path, "rb") as f:
        head = f.read(4096)
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


def import_folder(db: Database, folder: str | Path, origin: str = "preferred") -> dict[str, Any]:
    """Index every miniSEED file and save every StationXML inventory and QuakeML catalog below
    folder. A file that cannot be read is reported in `failed` (and in the elog collection) and
    the rest is imported; files of other kinds are listed in `ignored`."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no such folder: {folder}")
    report: dict[str, Any] = {"mseed_files": 0, "segments": 0, "problems": [], "site": 0, "channel": 0, "source": 0,
                              "skipped": [], "failed": [], "ignored": []}  # fmt: skip
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        try:
            kind = file_kind(path)
            if kind == "mseed":
                r = db.index_mseed_file(path)
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
                report["ignored"].append(path.name)
        except Exception as err:  # noqa: BLE001 - any reader failure is this file's problem; the import goes on
            reason = f"{type(err).__name__}: {err}".splitlines()[0][:500]
            log.warning("import: %s: %s", path, reason)
            report["failed"].append({"file": str(path), "reason": reason})
            _record_failure(db, path, reason)
    db.ensure_indexes()
    return report
