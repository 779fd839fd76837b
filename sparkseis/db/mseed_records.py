"""The records of a miniSEED payload: their fixed headers read at numpy speed, and the compact
record index a wf_miniseed document keeps so that a time span is read without its whole segment."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from bson import Binary

from sparkseis.core.errors import SampleReadError


class RecordHeaders(NamedTuple):
    """The fixed headers of a payload's miniSEED 2 records, one array entry per record."""

    offset: np.ndarray  # in the payload
    length: np.ndarray
    codes: np.ndarray  # (records, 12) bytes: station, location, channel, network as in the header
    nsamples: np.ndarray
    encoding: np.ndarray
    data_offset: np.ndarray


def channel_codes(channel: tuple[str, str, str, str]) -> np.ndarray:
    """(net, sta, loc, chan) as the 12 header bytes of its records (space-padded)."""
    net, sta, loc, chan = channel
    return np.frombuffer(
        (sta.ljust(5) + loc.ljust(2) + chan.ljust(3) + net.ljust(2)).encode("ascii", "replace"), np.uint8
    )


def _blockette_chain(record: bytes) -> list[int] | None:
    """Where a big-endian record's blockettes start, in chain order up to and including
    blockette 1000; None without one (in the first 16)."""
    at, chain = struct.unpack_from(">H", record, 46)[0], []
    for _ in range(16):
        if at < 48 or at + 8 > len(record):
            return None
        chain.append(at)
        kind, following = struct.unpack_from(">HH", record, at)
        if kind == 1000:
            return chain
        at = following
    return None


def _equal_length_headers(payload: bytes) -> RecordHeaders | None:
    """The headers of a payload of equal-length big-endian records that all chain their
    blockettes as the first does (blockette 1000 first, or after a 1001, as data centres
    write), read at numpy speed; None when the payload is laid out otherwise."""
    if len(payload) < 64:
        return None
    chain = _blockette_chain(payload[:512])
    if chain is None:
        return None
    b1000 = chain[-1]
    length = 1 << payload[b1000 + 6]
    if not 128 <= length <= 1 << 16 or len(payload) % length or max(chain) + 8 > length:
        return None
    rows = np.frombuffer(payload, np.uint8).reshape(-1, length)
    be16 = lambda col: rows[:, col].astype(np.int64) * 256 + rows[:, col + 1]  # noqa: E731
    year = be16(20)
    quality = rows[:, 6]
    # every record: the first one's blockette chain (type and next-blockette pointer of each)
    same_chain = all((rows[:, at : at + 4] == rows[0, at : at + 4]).all() for at in chain)
    if not (
        same_chain
        and ((year >= 1900) & (year <= 2100)).all()
        and (be16(46) == chain[0]).all()
        and (rows[:, b1000 + 6] == payload[b1000 + 6]).all()
        and ((quality == 68) | (quality == 82) | (quality == 81) | (quality == 77)).all()
    ):  #  D R Q M
        return None
    offsets = np.arange(len(rows), dtype=np.int64) * length
    return RecordHeaders(
        offsets, np.full(len(rows), length), rows[:, 8:20], be16(30), rows[:, b1000 + 4].astype(np.int64), be16(44)
    )


def _walked_headers(payload: bytes) -> RecordHeaders:
    """The headers of any miniSEED 2 payload, record by record; SampleReadError where one cannot be read."""
    fields: list[tuple] = []
    off = 0
    while off < len(payload):
        head = payload[off : off + 48]
        if len(head) < 48 or head[6:7] not in b"DRQM":
            raise SampleReadError(f"no miniSEED record header at byte {off}")
        order = ">" if 1900 <= struct.unpack_from(">H", head, 20)[0] <= 2100 else "<"
        nsamples, _, _, data_offset, blockette = struct.unpack_from(order + "HhhxxxxxxxxHH", head, 30)
        length = encoding = None
        for _ in range(16):  # follow the blockette chain to blockette 1000 (record length, encoding)
            if blockette == 0 or off + blockette + 8 > len(payload):
                break
            kind, following = struct.unpack_from(order + "HH", payload, off + blockette)
            if kind == 1000:
                encoding, _, exponent = struct.unpack_from("BBB", payload, off + blockette + 4)
                length = 1 << exponent
                break
            blockette = following
        if length is None or not 128 <= length <= 1 << 16:
            raise SampleReadError(f"miniSEED record at byte {off} has no usable blockette 1000 (record length)")
        fields.append((off, length, np.frombuffer(head[8:20], np.uint8), nsamples, encoding, data_offset))
        off += length
    offset, lengths, codes, nsamples, encodings, data_offsets = zip(*fields) if fields else ((),) * 6
    return RecordHeaders(
        np.array(offset, np.int64),
        np.array(lengths, np.int64),
        np.array(codes, np.uint8).reshape(-1, 12),
        np.array(nsamples, np.int64),
        np.array(encodings, np.int64),
        np.array(data_offsets, np.int64),
    )


def record_headers(payload: bytes) -> RecordHeaders | None:
    """The record headers of a miniSEED 2 payload (None for miniSEED 3, whose records libmseed
    verifies by CRC)."""
    if payload[:2] == b"MS" and payload[2:3] == b"\x03":
        return None
    return _equal_length_headers(payload) or _walked_headers(payload)


@dataclass(frozen=True)
class RecordIndex:
    """One channel's records in a segment, in time order: samples per record, and where each
    lies relative to the segment's first byte (equal-length records back to back need only
    their length, `reclen`; other layouts keep every offset and length)."""

    nsamples: np.ndarray
    reclen: int = 0
    offsets: np.ndarray | None = None
    lengths: np.ndarray | None = None

    @classmethod
    def of_channel(cls, headers: RecordHeaders, channel: tuple[str, str, str, str]) -> RecordIndex:
        """The index of channel's records among headers (a segment's payload)."""
        mine = (headers.codes == channel_codes(channel)).all(axis=1)
        nsamples, offsets, lengths = headers.nsamples[mine], headers.offset[mine], headers.length[mine]
        reclen = int(lengths[0]) if len(lengths) else 0
        if len(lengths) and (lengths == reclen).all() and (offsets == np.arange(len(offsets)) * reclen).all():
            return cls(nsamples.astype(np.int64), reclen)
        return cls(nsamples.astype(np.int64), 0, offsets.astype(np.int64), lengths.astype(np.int64))

    def to_document(self) -> dict:
        """The index as a document field (little-endian integer arrays as BSON binary)."""
        kind = "<u2" if self.nsamples.max(initial=0) < 1 << 16 else "<u4"
        out = {"records": len(self.nsamples), "dtype": kind, "nsamples": Binary(self.nsamples.astype(kind).tobytes())}
        if self.reclen:
            out["reclen"] = self.reclen
        else:
            out["offsets"] = Binary(self.offsets.astype("<u4").tobytes())
            out["lengths"] = Binary(self.lengths.astype("<u4").tobytes())
        return out

    @classmethod
    def from_document(cls, field: dict | None) -> RecordIndex | None:
        """The index a document holds, or None when it holds none (then read the whole segment)."""
        if not field:
            return None
        nsamples = np.frombuffer(field["nsamples"], field["dtype"]).astype(np.int64)
        if field.get("reclen"):
            return cls(nsamples, int(field["reclen"]))
        as_int = lambda key: np.frombuffer(field[key], "<u4").astype(np.int64)  # noqa: E731
        return cls(nsamples, 0, as_int("offsets"), as_int("lengths"))

    def records_for(self, first_sample: int, last_sample: int) -> tuple[int, int, int, int]:
        """(byte offset from the segment's start, bytes, index of the first sample they hold,
        samples they hold) of the fewest whole records that hold samples first_sample..last_sample
        (segment sample numbers, clipped to the segment)."""
        ends = np.cumsum(self.nsamples)  # one past each record's last sample
        k1 = int(np.searchsorted(ends, max(first_sample, 0), side="right"))
        k2 = int(np.searchsorted(ends, max(min(last_sample, int(ends[-1]) - 1), 0), side="right"))
        k1, k2 = min(k1, len(ends) - 1), min(k2, len(ends) - 1)
        first = int(ends[k1] - self.nsamples[k1])
        if self.reclen:
            start, stop = k1 * self.reclen, (k2 + 1) * self.reclen
        else:
            start, stop = int(self.offsets[k1]), int(self.offsets[k2] + self.lengths[k2])
        return start, stop - start, first, int(ends[k2]) - first
