"""Sample storage: GridFS (written in batches, readable by any GridFS client) and binary files
(miniSEED segments are decoded by mseed_decode)."""

from __future__ import annotations

import datetime
import os
import uuid
from pathlib import Path

import gridfs
import numpy as np
from bson import Binary, ObjectId
from pymongo.database import Database as MongoDatabase
from pymongo.errors import BulkWriteError, OperationFailure
from pymongo.write_concern import WriteConcern

from sparkseis.core.errors import SampleReadError
from sparkseis.db.ids import stable_object_id

SAMPLE_DTYPE = np.dtype("<f8")
# GridFS's default chunk size: one 14,001-sample window is a single chunk.
CHUNK_BYTES = 255 * 1024


class GridFSBatchWriter:
    """Writes sample arrays as GridFS files (chunks first, then the files documents) in bulk.

    pymongo's GridFS classes write one file per round trip and look up the store on each
    new file; writing the GridFS layout directly in batches keeps the cost per file flat.
    File ids are supplied by the caller, so a retried batch rewrites the same files.
    """

    def __init__(self, db: MongoDatabase, bucket: str = "fs", write_concern: WriteConcern | None = None):
        self.files = db.get_collection(f"{bucket}.files", write_concern=write_concern)
        self.chunks = db.get_collection(f"{bucket}.chunks", write_concern=write_concern)
        self._pending_files: list[dict] = []
        self._pending_chunks: list[dict] = []

    def add(self, file_id: ObjectId, samples: np.ndarray, filename: str = "", metadata: dict | None = None) -> None:
        """Queue one file; metadata (e.g. data_tag and run_id) is stored with it, next to the dtype."""
        payload = np.ascontiguousarray(samples, dtype=SAMPLE_DTYPE).tobytes()
        for n, start in enumerate(range(0, max(len(payload), 1), CHUNK_BYTES)):
            self._pending_chunks.append(
                {
                    "_id": stable_object_id("chunk", file_id, n),
                    "files_id": file_id,
                    "n": n,
                    "data": Binary(payload[start : start + CHUNK_BYTES]),
                }
            )
        self._pending_files.append(
            {
                "_id": file_id,
                "length": len(payload),
                "chunkSize": CHUNK_BYTES,
                "filename": filename,
                "uploadDate": datetime.datetime.now(datetime.UTC),
                "metadata": {"dtype": SAMPLE_DTYPE.str, **(metadata or {})},
            }
        )

    def take(self) -> tuple[list[dict], list[dict]]:
        """(files, chunks) queued so far, handed over for write(); the queue starts empty again."""
        batch = (self._pending_files, self._pending_chunks)
        self._pending_files, self._pending_chunks = [], []
        return batch

    def write(self, files: list[dict], chunks: list[dict]) -> int:
        """Write files taken from the queue (chunks first); returns files written. Files that
        exist already (a re-save, or a task retried after writing part of a batch) are deleted
        and rewritten."""
        if not files:
            return 0
        try:
            self.chunks.insert_many(chunks, ordered=True)
            self.files.insert_many(files, ordered=True)
        except (BulkWriteError, OperationFailure):
            # Chunk ids derive from file ids, so an existing file always collides here:
            # rewrite file by file so each ends complete and single.
            for f in files:
                delete_gridfs_files(self.files.database, [f["_id"]])
                self.chunks.insert_many([c for c in chunks if c["files_id"] == f["_id"]], ordered=True)
                self.files.insert_one(f)
        return len(files)

    def flush(self) -> int:
        """Write what is pending; returns files written."""
        return self.write(*self.take())


def read_gridfs_samples(
    db: MongoDatabase, file_id: ObjectId, npts: int, ncomp: int = 1, bucket: str = "fs"
) -> np.ndarray:
    """The samples of one GridFS file, checked against the expected count."""
    try:
        payload = gridfs.GridFSBucket(db, bucket_name=bucket).open_download_stream(file_id).read()
    except gridfs.errors.NoFile:
        raise SampleReadError(f"GridFS file {file_id} not found") from None
    return _as_samples(payload, npts, ncomp, f"GridFS file {file_id}")


def delete_gridfs_files(db: MongoDatabase, file_ids: list[ObjectId], bucket: str = "fs") -> int:
    """Delete GridFS files by id, in one batch where the server allows it (files documents first,
    then their chunks, as pymongo's GridFS does); missing ids are skipped. Returns files deleted."""
    if not file_ids:
        return 0
    try:
        deleted = db[f"{bucket}.files"].delete_many({"_id": {"$in": list(file_ids)}}).deleted_count
        db[f"{bucket}.chunks"].delete_many({"files_id": {"$in": list(file_ids)}})
        return deleted
    except OperationFailure:
        pass  # a server that only serves GridFS through its own commands (the embedded one): file by file
    store = gridfs.GridFSBucket(db, bucket_name=bucket)
    deleted = 0
    for fid in file_ids:
        try:
            store.delete(fid)
            deleted += 1
        except gridfs.errors.NoFile:
            pass
    return deleted


def _as_samples(payload: bytes, npts: int, ncomp: int, where: str) -> np.ndarray:
    expected = npts * ncomp * SAMPLE_DTYPE.itemsize
    if len(payload) != expected:
        raise SampleReadError(f"{where} holds {len(payload)} bytes, expected {expected} for npts={npts}")
    data = np.frombuffer(payload, dtype=SAMPLE_DTYPE).astype(np.float64)
    return data if ncomp == 1 else data.reshape(ncomp, npts)


class SampleFileWriter:
    """Appends sample arrays to one binary file of its own under output_dir/data_tag.

    name: a file name that only this writer uses (e.g. run and partition), which a retried task
    truncates and rewrites; default a new unique name (an existing file is never opened).
    """

    def __init__(self, output_dir: str | os.PathLike, data_tag: str, name: str | None = None):
        folder = Path(output_dir).resolve() / (data_tag or "untagged")
        folder.mkdir(parents=True, exist_ok=True)
        self.dir = str(folder)
        self.dfile = name or f"{uuid.uuid4().hex}.f8"
        self.path = folder / self.dfile
        if Path(self.dfile).name != self.dfile:
            raise ValueError(f"sample file name must not hold a path: {self.dfile!r}")
        self._f = open(self.path, "wb" if name else "xb")

    def add(self, samples: np.ndarray) -> tuple[int, int]:
        """Write samples; returns (foff, nbytes)."""
        payload = np.ascontiguousarray(samples, dtype=SAMPLE_DTYPE).tobytes()
        foff = self._f.tell()
        self._f.write(payload)
        return foff, len(payload)

    def flush(self) -> None:
        self._f.flush()

    def close(self) -> None:
        self._f.close()


def read_file_samples(dir: str, dfile: str, foff: int, npts: int, ncomp: int = 1) -> np.ndarray:
    path = Path(dir) / dfile
    nbytes = npts * ncomp * SAMPLE_DTYPE.itemsize
    try:
        with open(path, "rb") as f:
            f.seek(int(foff))
            payload = f.read(nbytes)
    except OSError as err:
        raise SampleReadError(f"cannot read {path}: {err.strerror}") from None
    return _as_samples(payload, npts, ncomp, f"{path} at byte {foff}")
