"""Error severities, the per-datum error log, and every exception sparkseis defines (one
hierarchy under SparkseisError; UserMistake marks what a job front reports as exit code 2)."""

from __future__ import annotations

from collections.abc import Iterator
from enum import IntEnum
from typing import NamedTuple


class ErrorSeverity(IntEnum):
    """How bad a logged problem is; a lower value is worse (MsPASS's order).

    >>> ErrorSeverity.Fatal < ErrorSeverity.Invalid < ErrorSeverity.Complaint
    True
    """

    Fatal = 0
    Invalid = 1
    Suspect = 2
    Complaint = 3
    Debug = 4
    Informational = 5


class LogEntry(NamedTuple):
    """One error-log entry: which algorithm, what happened, how bad.

    >>> LogEntry("WindowData", "outside the data", ErrorSeverity.Invalid).badness.name
    'Invalid'
    """

    algorithm: str
    message: str
    severity: ErrorSeverity

    @property
    def badness(self) -> ErrorSeverity:
        """The severity, under MsPASS's name for it."""
        return self.severity


class SparkseisError(Exception):
    """The base of every exception sparkseis defines.

    >>> issubclass(ArgumentError, SparkseisError) and issubclass(ArgumentError, ValueError)
    True
    """


class SeismicError(SparkseisError):
    """An error raised by sparkseis code, carrying a message and a severity (MsPASSError's shape).

    >>> err = SeismicError("bad window", "Invalid")
    >>> err.message, err.severity.name
    ('bad window', 'Invalid')
    """

    def __init__(self, message: str = "", severity: ErrorSeverity | str = ErrorSeverity.Fatal):
        super().__init__(message)
        self.message = str(message)
        self.severity = ErrorSeverity[severity] if isinstance(severity, str) else ErrorSeverity(severity)


class UserMistake(SparkseisError):
    """How sparkseis was asked to run cannot work (arguments, a missing database, a busy tag):
    the job fronts print it in one line and exit 2. Anything else that escapes is a bug."""


class ArgumentError(UserMistake, ValueError):
    """A caller passed arguments that can never work (raised, never turned into a kill).

    >>> import numpy as np
    >>> from sparkseis import TimeSeries
    >>> from sparkseis.algorithms import WindowData
    >>> try:
    ...     WindowData(TimeSeries(np.zeros(3), 0.0, 1.0), 2.0, 1.0)
    ... except ArgumentError as err:
    ...     print(err)
    WindowData: window end (1.0 s) must be after start (2.0 s)
    """


class ArgumentTypeError(ArgumentError, TypeError):
    """An argument of the wrong type (a TypeError too, where MsPASS raises one).

    >>> issubclass(ArgumentTypeError, TypeError)
    True
    """


class JobError(UserMistake):
    """A mistake in how a job was asked to run, found before any waveform is read."""


class DatabaseConnectionError(UserMistake, ConnectionError):
    """The MongoDB server could not be reached or refused us; the message says what to try."""


class DataTagExistsError(UserMistake, RuntimeError):
    """The output data_tag already has saved data and overwrite was not asked for."""


class TagBusyError(UserMistake, RuntimeError):
    """Another live run holds the data_tag."""


class NoUnfinishedRunError(UserMistake, LookupError):
    """--resume was asked for a data_tag that has no unfinished run."""


class AccountingError(SparkseisError, RuntimeError):
    """The records written do not add up to the data read: the run failed."""


class SparkJobFailed(SparkseisError, RuntimeError):
    """A Spark task of a run failed (the message: the error at the bottom of the task's trace)."""


class SampleReadError(SparkseisError):
    """Samples could not be read (missing file, short read, undecodable bytes): the datum dies."""


class SnapshotMissingError(SparkseisError, RuntimeError):
    """The stored snapshot a read partition was planned from is gone (released or expired)."""


class MetadataKeyError(SparkseisError, KeyError):
    """A metadata key was read that the header does not define.

    >>> from sparkseis.core.metadata import Metadata
    >>> try:
    ...     Metadata({"sta": "AB"})["net"]
    ... except MetadataKeyError as err:
    ...     print(err)
    metadata key 'net' is not defined
    """

    def __str__(self) -> str:  # KeyError quotes its argument; keep the message readable
        return str(self.args[0]) if self.args else "undefined metadata key"


class ErrorLogger:
    """An ordered list of `LogEntry`; logging never kills a datum.

    >>> elog = ErrorLogger()
    >>> elog.log_error("detrend", "odd samples", ErrorSeverity.Complaint)
    1
    >>> elog.log_error(SeismicError("worse", ErrorSeverity.Invalid))
    2
    >>> [e.message for e in elog.worst_errors()]
    ['worse']
    """

    __slots__ = ("_entries",)

    def __init__(self, entries: list | None = None):
        self._entries: list[LogEntry] = [LogEntry(a, m, ErrorSeverity(s)) for a, m, s in (entries or [])]

    def log_error(
        self,
        algorithm: str | SeismicError,
        message: str | None = None,
        severity: ErrorSeverity | int | str = ErrorSeverity.Invalid,
    ) -> int:
        """Append an entry and return the log's size. `severity` may be an ErrorSeverity, its value
        or its name; a SeismicError alone logs its message and severity under "SeismicError"."""
        if isinstance(algorithm, SeismicError) and message is None:
            algorithm, message, severity = "SeismicError", algorithm.message, algorithm.severity
        if message is None:
            raise ArgumentTypeError("log_error: give (algorithm, message[, severity]) or one SeismicError")
        if isinstance(severity, str):
            severity = ErrorSeverity[severity]
        self._entries.append(LogEntry(str(algorithm), str(message), ErrorSeverity(severity)))
        return len(self._entries)

    def log_verbose(self, algorithm: str, message: str) -> int:
        """Log an Informational entry; returns the log's size."""
        return self.log_error(algorithm, message, ErrorSeverity.Informational)

    def get_error_log(self) -> list[LogEntry]:
        return list(self._entries)

    def worst_errors(self) -> list[LogEntry]:
        """The entries of the worst severity present (empty if the log is empty)."""
        if not self._entries:
            return []
        worst = min(e.severity for e in self._entries)
        return [e for e in self._entries if e.severity == worst]

    def size(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()

    def extend(self, other: ErrorLogger) -> None:
        self._entries.extend(other._entries)

    def to_list(self) -> list[dict]:
        """Entries as plain dicts (for storing in a database document)."""
        return [{"algorithm": e.algorithm, "message": e.message, "severity": e.severity.name} for e in self._entries]

    @classmethod
    def from_list(cls, entries: list[dict]) -> ErrorLogger:
        return cls([(e["algorithm"], e["message"], ErrorSeverity[e["severity"]]) for e in entries])

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[LogEntry]:
        return iter(self._entries)

    def __getitem__(self, i: int) -> LogEntry:
        return self._entries[i]

    def __getstate__(self):
        return [tuple(e[:2]) + (int(e[2]),) for e in self._entries]

    def __setstate__(self, state):
        self._entries = [LogEntry(a, m, ErrorSeverity(s)) for a, m, s in state]

    def __repr__(self) -> str:
        return f"ErrorLogger({[(e.algorithm, e.message, e.severity.name) for e in self._entries]})"
