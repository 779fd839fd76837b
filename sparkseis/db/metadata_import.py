"""Station metadata (StationXML) and earthquake sources (QuakeML) as site/channel/source documents."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

from sparkseis import defaults
from sparkseis.db.ids import stable_object_id

# Open-ended epochs are stored with this end time (year 2286), so range queries stay simple.
OPEN_END = 9.9e9


def _epoch(t: Any, default: float) -> float:
    return float(t.timestamp) if t is not None else default


def load_inventory(inventory_or_path: Any):
    from obspy import Inventory, read_inventory

    if isinstance(inventory_or_path, Inventory):
        return inventory_or_path
    return read_inventory(os.fspath(inventory_or_path))


def inventory_documents(inventory_or_path: Any) -> tuple[list[dict], list[dict]]:
    """(site, channel) documents, one per station epoch and per channel epoch.

    Units: lat/lon in degrees, elev and edepth in km, hang (azimuth) and vang (from vertical)
    in degrees, starttime/endtime in epoch s. Ids are stable, so saving twice replaces.
    """
    inv = load_inventory(inventory_or_path)
    sites, channels = [], []
    for net in inv:
        for sta in net:
            s_start, s_end = _epoch(sta.start_date, 0.0), _epoch(sta.end_date, OPEN_END)
            site_id = stable_object_id("site", net.code, sta.code, s_start)
            sites.append(
                {
                    "_id": site_id,
                    "net": net.code,
                    "sta": sta.code,
                    "loc": "",
                    "lat": sta.latitude,
                    "lon": sta.longitude,
                    "elev": sta.elevation / 1000.0,
                    "starttime": s_start,
                    "endtime": s_end,
                }
            )
            for cha in sta:
                c_start, c_end = _epoch(cha.start_date, s_start), _epoch(cha.end_date, s_end)
                dip = cha.dip if cha.dip is not None else 0.0
                channels.append(
                    {
                        "_id": stable_object_id("channel", net.code, sta.code, cha.location_code, cha.code, c_start),
                        "net": net.code,
                        "sta": sta.code,
                        "loc": cha.location_code,
                        "chan": cha.code,
                        "lat": cha.latitude,
                        "lon": cha.longitude,
                        "elev": cha.elevation / 1000.0,
                        "edepth": (cha.depth or 0.0) / 1000.0,
                        "hang": cha.azimuth if cha.azimuth is not None else 0.0,
                        "vang": dip + 90.0,
                        "sampling_rate": cha.sample_rate,
                        "starttime": c_start,
                        "endtime": c_end,
                        "site_id": site_id,
                    }
                )
    return sites, channels


def _hypocentre(event) -> Any:
    """The event's hypocentre: an origin typed "hypocenter" if there is one, else the earliest
    origin not typed "centroid". Rupture starts at the hypocentre, so it precedes a centroid in
    time; moment-tensor links are not trusted (IRIS SPUD files point derivedOriginID at the
    reference hypocentre, not at the centroid)."""
    typed = [o for o in event.origins if o.origin_type == "hypocenter" and o.time is not None]
    if typed:
        return typed[0]
    candidates = [o for o in event.origins if o.origin_type != "centroid" and o.time is not None]
    return min(candidates, key=lambda o: o.time) if candidates else None


def choose_origin(event, origin: str | Callable = defaults.ORIGIN):
    """The origin to store: "preferred", "hypocentre"/"hypocenter", "first", or a function of the event."""
    if callable(origin):
        return origin(event)
    if origin == "preferred":
        return event.preferred_origin() or (event.origins[0] if event.origins else None)
    if origin in ("hypocentre", "hypocenter"):
        return _hypocentre(event)
    if origin == "first":
        return event.origins[0] if event.origins else None
    raise ValueError(f"origin must be 'preferred', 'hypocentre', 'first' or a function, got {origin!r}")


def catalog_documents(catalog_or_path: Any, origin: str | Callable = defaults.ORIGIN) -> tuple[list[dict], list[str]]:
    """source documents (time epoch s, lat, lon, depth km, magnitude) and a list of skipped events."""
    from obspy import Catalog, read_events

    cat = catalog_or_path if isinstance(catalog_or_path, Catalog) else read_events(os.fspath(catalog_or_path))
    docs, skipped = [], []
    for event in cat:
        o = choose_origin(event, origin)
        if o is None or o.latitude is None or o.longitude is None or o.time is None:
            skipped.append(f"{event.resource_id}: no usable {origin if isinstance(origin, str) else 'chosen'} origin")
            continue
        if o.depth is None or not math.isfinite(float(o.depth)):
            # never guess 0 km: a P time from the wrong depth is wrong by up to a minute
            skipped.append(f"{event.resource_id}: origin {o.resource_id} has no depth")
            continue
        mag = event.preferred_magnitude() or (event.magnitudes[0] if event.magnitudes else None)
        docs.append(
            {
                "_id": stable_object_id("source", event.resource_id, o.resource_id),
                "time": float(o.time.timestamp),
                "lat": o.latitude,
                "lon": o.longitude,
                "depth": float(o.depth) / 1000.0,
                "magnitude": mag.mag if mag else None,
                "magnitude_type": mag.magnitude_type if mag else None,
                "event_id": str(event.resource_id),
                "origin_id": str(o.resource_id),
            }
        )
    return docs, skipped
