"""Honest benchmark data: real Okhotsk traces replicated under new station codes.

Each replica station copies one real station (AE.113A or TA.POKR) with its three BH
channels: the miniSEED records are copied byte for byte, only the 5-character station code
in each record header is changed, so samples, times and rates are the real ones. The
replica's channel documents keep the real station's coordinates, so P lands on the real
arrival. A manifest (CSV) says which real trace each replica copies.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from obspy.io.mseed.util import get_record_information

from sparkseis.db.ids import stable_object_id
from sparkseis.db.metadata_import import inventory_documents

ORIGINALS = ("AE.113A", "TA.POKR")
CHANNELS = ("BHE", "BHN", "BHZ")


def _record_offsets(raw: bytes) -> list[int]:
    offsets, off = [], 0
    while off < len(raw):
        offsets.append(off)
        off += get_record_information(io.BytesIO(raw[off : off + 4096]))["record_length"]
    return offsets


def build(db, source_dir: Path, out_dir: Path, nwaveforms: int, origin: str = "hypocentre") -> int:
    """Write replica files to out_dir, index them into db with their channel and source
    documents; returns the number of waveforms (a multiple of 3)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    templates, channel_docs = {}, {}
    for code in ORIGINALS:
        parts = []
        for chan in CHANNELS:
            raw = (source_dir / f"{code}..{chan}.mseed").read_bytes()
            parts.append((raw, _record_offsets(raw)))
        templates[code] = parts
        _, channels = inventory_documents(source_dir / f"{code}..BH_.xml")
        channel_docs[code] = channels
    db.save_catalog(source_dir / "quake.xml", origin=origin)
    nstations = nwaveforms // 3
    manifest = open(out_dir / "manifest.csv", "w", newline="")
    writer = csv.writer(manifest)
    writer.writerow(["replica", "copies_real_trace", "file"])
    new_channels = []
    for i in range(nstations):
        code = ORIGINALS[i % len(ORIGINALS)]
        net = code.split(".")[0]
        sta = f"R{i:04d}"
        blob = bytearray()
        for (raw, offsets), chan in zip(templates[code], CHANNELS):
            rec = bytearray(raw)
            for off in offsets:
                rec[off + 8 : off + 13] = sta.ljust(5).encode()
            blob += rec
            writer.writerow([f"{net}.{sta}..{chan}", f"{code}..{chan}", f"{sta}.mseed"])
        (out_dir / f"{sta}.mseed").write_bytes(bytes(blob))
        for doc in channel_docs[code]:
            new_channels.append({**doc, "sta": sta, "_id": stable_object_id("replica-channel", sta, doc["_id"])})
    manifest.close()
    for start in range(0, len(new_channels), 5000):
        db["channel"].insert_many(new_channels[start : start + 5000])
    for i in range(nstations):
        db.index_mseed_file(out_dir / f"R{i:04d}.mseed")
    db.ensure_indexes()
    return nstations * 3
