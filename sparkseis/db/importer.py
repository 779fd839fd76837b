"""Import a folder of miniSEED, StationXML and QuakeML files into a database."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sparkseis.db.database import Database

log = logging.getLogger(__name__)

MSEED_SUFFIXES = {".mseed", ".miniseed", ".msd"}
XML_SUFFIXES = {".xml", ".quakeml", ".qml", ".stationxml"}


def _xml_kind(path: Path) -> str | None:
    """'stationxml', 'quakeml' or None, from the root element of an XML file."""
    with open(path, "rb") as f:
        head = f.read(4096).decode("utf-8", "replace")
    if "<FDSNStationXML" in head:
        return "stationxml"
    if "quakeml" in head.lower():
        return "quakeml"
    return None


def import_folder(db: Database, folder: str | Path, origin: str = "preferred") -> dict[str, Any]:
    """Index every miniSEED file, save every StationXML inventory and QuakeML catalog under folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no such folder: {folder}")
    report: dict[str, Any] = {"mseed_files": 0, "segments": 0, "problems": [], "site": 0, "channel": 0, "source": 0, "skipped": []}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        suffix = path.suffix.lower()
        if suffix in MSEED_SUFFIXES:
            r = db.index_mseed_file(path)
            report["mseed_files"] += 1
            report["segments"] += r["segments"]
            if r["problem"]:
                report["problems"].append(f"{path}: {r['problem']}")
        elif suffix in XML_SUFFIXES:
            kind = _xml_kind(path)
            if kind == "stationxml":
                r = db.save_inventory(path)
                report["site"] += r["site"]
                report["channel"] += r["channel"]
            elif kind == "quakeml":
                r = db.save_catalog(path, origin=origin)
                report["source"] += r["source"]
                report["skipped"] += r["skipped"]
    db.ensure_indexes()
    return report
