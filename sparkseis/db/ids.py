"""Deterministic ObjectIds: the same inputs always give the same id (idempotent writes)."""

from __future__ import annotations

import hashlib

from bson import ObjectId


def stable_object_id(*parts: object) -> ObjectId:
    """An ObjectId made from a hash of parts (not time-ordered; stable across runs and retries)."""
    h = hashlib.blake2b("\x1f".join(str(p) for p in parts).encode(), digest_size=12)
    return ObjectId(h.digest())


def time_ordered_id(epoch_s: float, *parts: object) -> ObjectId:
    """An ObjectId whose first 4 bytes are epoch_s (whole seconds, clipped to 1970..2106) and whose
    other 8 are a hash of parts: stable, and sorting by it sorts by that time first. Used for
    waveform documents, so _id ranges hold data of neighbouring times (one earthquake's records
    land in one partition, where its source match and travel times are computed once)."""
    seconds = min(max(int(epoch_s), 0), 2**32 - 1) if epoch_s == epoch_s else 0
    h = hashlib.blake2b("\x1f".join(str(p) for p in parts).encode(), digest_size=8)
    return ObjectId(seconds.to_bytes(4, "big") + h.digest())
