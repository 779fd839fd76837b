"""Run records and tag locks: every job that writes under a data_tag is one run, recorded in the
`jobs` collection, holding its tag while it runs, and replacing the tag's older outputs only
after it succeeded."""

from __future__ import annotations

import datetime
import os
import platform
import secrets
import socket
from pathlib import Path
from typing import Any

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from sparkseis.core.errors import NoUnfinishedRunError, TagBusyError
from sparkseis.db.waveform_store import delete_gridfs_files

RUNS = "jobs"
LOCKS = "tag_locks"


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def new_run_id() -> str:
    """A run id that sorts by start time: 20261128T070102Z-1a2b3c."""
    return _now().strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def versions() -> dict[str, str]:
    import numpy
    import obspy
    import pymongo
    import scipy

    import sparkseis

    return {
        "sparkseis": sparkseis.__version__,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "obspy": obspy.__version__,
        "pymongo": pymongo.version,
    }


class RunRecord:
    """One run's record in `jobs` and its lock on the data_tag; a context manager:

    with RunRecord.begin(db, "p_window", tag, arguments) as run:
        ...                      # the work; an exception records the run as failed
        run.succeed(counts)      # what the record keeps once the block ends
    """

    def __init__(self, db: Database, run_id: str, data_tag: str):
        self.db, self.run_id, self.data_tag = db, run_id, data_tag
        self._outcome: dict[str, Any] | None = None

    def __enter__(self) -> RunRecord:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is None:
            self.finish("succeeded", **(self._outcome or {}))
            return False
        try:
            self.finish("failed", error=f"{exc_type.__name__}: {exc}"[:2000])
        except PyMongoError:
            pass  # the database is what failed: the record stays "running" and --resume takes it over
        return False  # the exception goes on

    def succeed(self, counts: dict[str, Any], **fields: Any) -> None:
        """The counts (and other fields) to record when the run's block ends without an error."""
        self._outcome = {"counts": counts, **fields}

    @classmethod
    def begin(
        cls, db: Database, program: str, data_tag: str, arguments: dict[str, Any] | None = None, resume: bool = False
    ) -> RunRecord:
        """Take the tag and record a new run (or, with resume, take over the tag's newest
        unfinished run). TagBusyError if a live run on this host, or any run on another host,
        holds the tag."""
        me = {"host": socket.gethostname(), "pid": os.getpid()}
        resumed = None
        if resume:
            resumed = db[RUNS].find_one({"data_tag": data_tag, "status": {"$ne": "succeeded"}}, sort=[("started", -1)])
            if resumed is None:
                raise NoUnfinishedRunError(f"--resume: data_tag {data_tag!r} has no unfinished run to complete")
        run_id = resumed["_id"] if resumed else new_run_id()
        cls._lock(db, data_tag, run_id, me, takeover=resume)
        record = cls(db, run_id, data_tag)
        if resumed:
            db[RUNS].update_one(
                {"_id": run_id}, {"$set": {"status": "running", **me, "resumed": _now()}, "$unset": {"error": ""}}
            )
        else:
            db[RUNS].insert_one(
                {
                    "_id": run_id,
                    "kind": program,
                    "data_tag": data_tag,
                    "status": "running",
                    "arguments": arguments or {},
                    "versions": versions(),
                    "started": _now(),
                    **me,
                }
            )
        return record

    @staticmethod
    def _lock(db: Database, data_tag: str, run_id: str, me: dict, takeover: bool) -> None:
        lock = {"_id": data_tag, "run_id": run_id, "since": _now(), **me}
        try:
            db[LOCKS].insert_one(lock)
            return
        except DuplicateKeyError:
            held = db[LOCKS].find_one({"_id": data_tag}) or {}
        stale = held.get("host") == me["host"] and not _pid_alive(int(held.get("pid", 0)))
        if not (stale or takeover):
            raise TagBusyError(
                f"data_tag {data_tag!r} is held by run {held.get('run_id')} (pid {held.get('pid')} on {held.get('host')}, "
                f"since {held.get('since')}); wait for it, or if it died, --resume takes it over"
            )
        if stale and not takeover:
            db[RUNS].update_one({"_id": held.get("run_id"), "status": "running"}, {"$set": {"status": "abandoned"}})
        db[LOCKS].replace_one({"_id": data_tag}, lock)

    def update(self, **fields: Any) -> None:
        self.db[RUNS].update_one({"_id": self.run_id}, {"$set": fields})

    def finish(self, status: str, **fields: Any) -> None:
        """Record the outcome and release the tag."""
        self.update(status=status, finished=_now(), **fields)
        self.db[LOCKS].delete_one({"_id": self.data_tag, "run_id": self.run_id})


def outputs_of_other_runs(db: Database, data_tag: str, run_id: str, collection: str = "wf_TimeSeries") -> int:
    """Records under data_tag that another run wrote (what a new run would replace)."""
    query = {"data_tag": data_tag, "run_id": {"$ne": run_id}}
    return db[collection].count_documents(query) + db["cemetery"].count_documents(query)


def delete_outputs(db: Database, query: dict, collection: str = "wf_TimeSeries", batch: int = 500) -> dict[str, int]:
    """Delete the wf records matching query with their GridFS files and sample files, and the
    cemetery records matching it, in batches. Returns what was removed."""
    removed = {"documents": 0, "gridfs_files": 0, "sample_files": 0, "cemetery": 0}
    while True:
        docs = list(db[collection].find(query, {"_id": 1, "gridfs_id": 1, "dir": 1, "dfile": 1}).limit(batch))
        if not docs:
            break
        removed["gridfs_files"] += delete_gridfs_files(db, [d["gridfs_id"] for d in docs if d.get("gridfs_id")])
        removed["documents"] += db[collection].delete_many({"_id": {"$in": [d["_id"] for d in docs]}}).deleted_count
        for path in {Path(d["dir"]) / d["dfile"] for d in docs if d.get("dfile") and d.get("dir")}:
            # a sample file is one run's (and one partition's): gone once no document points into it
            if path.exists() and db[collection].count_documents({"dir": str(path.parent), "dfile": path.name}) == 0:
                path.unlink()
                removed["sample_files"] += 1
    removed["cemetery"] = db["cemetery"].delete_many(query).deleted_count
    return removed


def replace_older_outputs(
    db: Database, data_tag: str, run_id: str, collection: str = "wf_TimeSeries"
) -> dict[str, int]:
    """After run_id succeeded: delete the tag's records of every other run (and their samples),
    and GridFS files that a crashed run of the tag wrote before their documents."""
    removed = delete_outputs(db, {"data_tag": data_tag, "run_id": {"$ne": run_id}}, collection)
    orphans = [
        f["_id"]
        for f in db["fs.files"].find({"metadata.data_tag": data_tag, "metadata.run_id": {"$ne": run_id}}, {"_id": 1})
    ]
    removed["gridfs_files"] += delete_gridfs_files(db, orphans)
    return removed
