"""Decode one wf document's samples into a TimeSeries (miniSEED by offset, GridFS or file)."""

from __future__ import annotations

from sparkseis.core.errors import SampleReadError
from sparkseis.core.seismic import TimeSeries
from sparkseis.db.mseed_decode import Expected, read_mseed_segment
from sparkseis.db.waveform_store import read_file_samples, read_gridfs_samples
from sparkseis.io import documents


def decode_waveform(db, doc: dict, collection: str) -> TimeSeries:
    """Samples for one document, as a live TimeSeries, or a dead one saying why they are unreadable."""
    try:
        if doc.get("format") == "mseed" or collection == "wf_miniseed":
            ident = tuple(doc.get(k) for k in ("net", "sta", "loc", "chan"))
            channel = (
                (ident[0], ident[1], ident[2] or "", ident[3]) if None not in (ident[0], ident[1], ident[3]) else None
            )
            expected = Expected(int(doc["npts"]), float(doc["starttime"]), float(doc["sampling_rate"]))
            s3 = db.settings.s3_options(doc.get("s3_anonymous", False)) if doc.get("storage_mode") == "s3" else None
            seg = read_mseed_segment(doc["dir"], doc["dfile"], doc["foff"], doc["nbytes"], channel, expected, s3)
            d = documents.timeseries_from_document(doc, seg.data, collection)
            d.t0, d.dt = seg.t0, seg.dt
            return d
        if doc.get("storage_mode") == "gridfs":
            samples = read_gridfs_samples(db, doc["gridfs_id"], int(doc["npts"]), int(doc.get("ncomponents", 1)))
        else:
            samples = read_file_samples(
                doc["dir"], doc["dfile"], doc["foff"], int(doc["npts"]), int(doc.get("ncomponents", 1))
            )
    except (SampleReadError, KeyError) as err:
        return documents.dead_timeseries(
            doc, collection, "read_data", str(err) if isinstance(err, SampleReadError) else f"document lacks {err}"
        )
    return documents.timeseries_from_document(doc, samples, collection)
