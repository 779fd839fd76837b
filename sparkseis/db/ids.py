"""Deterministic ObjectIds: the same inputs always give the same id (idempotent writes)."""

from __future__ import annotations

import hashlib

from bson import ObjectId


def stable_object_id(*parts: object) -> ObjectId:
    """An ObjectId made from a hash of parts (not time-ordered; stable across runs and retries)."""
    h = hashlib.blake2b("\x1f".join(str(p) for p in parts).encode(), digest_size=12)
    return ObjectId(h.digest())
