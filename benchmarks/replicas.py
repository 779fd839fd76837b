"""Honest benchmark data: real Okhotsk traces replicated under new station codes.

Each replica station copies one real station (AE.113A or TA.POKR) with its three BH
channels: the miniSEED records are copied byte for byte, only the 5-character station code
in each record header is changed, so samples and rates are the real ones. With
many_events=True (the default) every replica station also gets its own earthquake: its
records' start times move by 2 hours per station (the hour field, carried into day and
year), and its source is the real one moved by the same time, at a depth of its own among 681
(10..690 km in 1 km steps, taken in turn: up to 2,043 waveforms no two stations share a
depth, beyond that depths recur and travel-time tables get reused, as in real catalogues). The replica's
channel documents keep the real station's coordinates. A manifest (CSV) says which real
trace each replica copies, its time shift and its source depth.
"""

from __future__ import annotations

import csv
import datetime
import io
import struct
from pathlib import Path

from obspy.io.mseed.util import get_record_information

from sparkseis.db.ids import stable_object_id
from sparkseis.db.metadata_import import inventory_documents

ORIGINALS = ("AE.113A", "TA.POKR")
CHANNELS = ("BHE", "BHN", "BHZ")
SHIFT_HOURS = 2  # per replica station: longer than a 70-minute record, so origins never overlap
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def station_code(i: int) -> str:
    """R + i in base 36 (4 digits): 1.6 million distinct 5-character station codes."""
    digits = ""
    for _ in range(4):
        i, r = divmod(i, 36)
        digits = _DIGITS[r] + digits
    return "R" + digits


def _record_offsets(raw: bytes) -> list[int]:
    offsets, off = [], 0
    while off < len(raw):
        offsets.append(off)
        off += get_record_information(io.BytesIO(raw[off : off + 4096]))["record_length"]
    return offsets


def _shift_hours(rec: bytearray, offsets: list[int], hours: int, cache: dict) -> None:
    """Move each record's BTIME (big-endian year, day of year, hour at bytes 20-24) by hours."""
    for off in offsets:
        key = bytes(rec[off + 20 : off + 25])
        new = cache.get((key, hours))
        if new is None:
            year, doy, hour = struct.unpack(">HHB", key)
            t = datetime.datetime(year, 1, 1) + datetime.timedelta(days=doy - 1, hours=hour + hours)
            new = struct.pack(">HHB", t.year, t.timetuple().tm_yday, t.hour)
            cache[(key, hours)] = new
        rec[off + 20 : off + 25] = new


def build(
    db, source_dir: Path, out_dir: Path, nwaveforms: int, origin: str = "hypocentre", many_events: bool = True
) -> int:
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
    real_source = db["source"].find_one({})
    nstations = nwaveforms // 3
    manifest = open(out_dir / "manifest.csv", "w", newline="")
    writer = csv.writer(manifest)
    writer.writerow(["replica", "copies_real_trace", "file", "time_shift_s", "source_depth_km"])
    new_channels, new_sources, cache = [], [], {}
    for i in range(nstations):
        code = ORIGINALS[i % len(ORIGINALS)]
        net = code.split(".")[0]
        sta = station_code(i)
        hours = SHIFT_HOURS * i if many_events else 0
        depth = 10.0 + (i * 97) % 681 if many_events else real_source["depth"]
        blob = bytearray()
        for (raw, offsets), chan in zip(templates[code], CHANNELS):
            rec = bytearray(raw)
            for off in offsets:
                rec[off + 8 : off + 13] = sta.ljust(5).encode()
            if hours:
                _shift_hours(rec, offsets, hours, cache)
            blob += rec
            writer.writerow([f"{net}.{sta}..{chan}", f"{code}..{chan}", f"{sta}.mseed", hours * 3600, depth])
        (out_dir / f"{sta}.mseed").write_bytes(bytes(blob))
        for doc in channel_docs[code]:
            # the replica's channel epoch runs on to 2100: its data may lie years after the real epoch
            new_channels.append(
                {
                    **doc,
                    "sta": sta,
                    "endtime": 4102444800.0,
                    "_id": stable_object_id("replica-channel", sta, doc["_id"]),
                }
            )
        if many_events and i > 0:
            new_sources.append(
                {
                    **real_source,
                    "time": real_source["time"] + hours * 3600.0,
                    "depth": depth,
                    "_id": stable_object_id("replica-source", i),
                }
            )
    manifest.close()
    if many_events:
        db["source"].update_one({"_id": real_source["_id"]}, {"$set": {"depth": 10.0}})  # replica 0's own depth
    for coll, docs in (("channel", new_channels), ("source", new_sources)):
        for start in range(0, len(docs), 5000):
            db[coll].insert_many(docs[start : start + 5000])
    for i in range(nstations):
        db.index_mseed_file(out_dir / f"{station_code(i)}.mseed")
    db.ensure_indexes()
    return nstations * 3
