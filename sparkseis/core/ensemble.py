"""Ensembles: a group of data with shared metadata (e.g. one event's records)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sparkseis.core.errors import ErrorLogger
from sparkseis.core.metadata import Metadata
from sparkseis.core.seismic import Seismogram, TimeSeries


class _Ensemble(Metadata):
    """Ensemble metadata, a `member` list, a live flag and an error log."""

    __slots__ = ("member", "live", "elog")
    member_type: type = object

    def __init__(self, members: list | None = None, metadata: dict | None = None):
        Metadata.__init__(self, metadata)
        self.member = list(members or [])
        for m in self.member:
            if not isinstance(m, self.member_type):
                raise TypeError(
                    f"{type(self).__name__} members must be {self.member_type.__name__}, got {type(m).__name__}"
                )
        self.live = True
        self.elog = ErrorLogger()

    def kill(self) -> None:
        self.live = False

    def dead(self) -> bool:
        return not self.live

    def __len__(self) -> int:
        return len(self.member)

    def __getstate__(self):
        return (self._md, self.member, self.live, self.elog.__getstate__())

    def __setstate__(self, state):
        self._md, self.member, self.live, log = state
        self.elog = ErrorLogger()
        self.elog.__setstate__(log)


class TimeSeriesEnsemble(_Ensemble):
    """TimeSeries members with shared metadata; processing functions apply to each member.

    >>> import numpy as np
    >>> e = TimeSeriesEnsemble([TimeSeries(np.zeros(3), 0.0, 1.0)], {"source_id": 7})
    >>> len(e), e["source_id"], e.live
    (1, 7, True)
    """

    __slots__ = ()
    member_type = TimeSeries


class SeismogramEnsemble(_Ensemble):
    """Seismogram members with shared metadata.

    >>> import numpy as np
    >>> len(SeismogramEnsemble([Seismogram(np.zeros((3, 4)), 0.0, 1.0)]))
    1
    """

    __slots__ = ()
    member_type = Seismogram


def members_of(ensembles: Iterable) -> Iterator:
    """Each member of each ensemble, with the ensemble's metadata where the member lacks it; a
    dead ensemble's members die with its reason. Atomic data pass as they are."""
    for e in ensembles:
        if not isinstance(e, _Ensemble):
            yield e
            continue
        worst = e.elog.worst_errors() if e.dead() else []
        for m in e.member:
            for k, v in e.items():
                if not m.is_defined(k):
                    m[k] = v
            if e.dead() and m.live:
                why = worst[0] if worst else None
                m.kill_with(why.algorithm if why else "ensemble", why.message if why else "its ensemble is dead")
            yield m
