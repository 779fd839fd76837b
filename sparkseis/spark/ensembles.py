"""Ensembles on Spark: data grouped by a metadata key (an event's source_id, a station, any key)
through a Spark shuffle, which spills to disk, so an executor holds the ensembles it works on,
not the whole gather; and ensembles taken apart again for the sink, so that every member is
saved (or buried) once, as atomic data are.

    >>> gathers = group_ensembles(rdd, "source_id")                       # doctest: +SKIP
    >>> seismograms = gathers.map(bundle_seed_data)                       # doctest: +SKIP
    >>> write_distributed_data(seismograms, db, data_tag="rotated", collection="wf_Seismogram")  # doctest: +SKIP
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable
from typing import Any

from pyspark import RDD

from sparkseis.core.ensemble import SeismogramEnsemble, TimeSeriesEnsemble
from sparkseis.core.seismic import BasicSeismic, Seismogram


def _key_function(key: str | Iterable[str] | Callable) -> tuple[Callable[[BasicSeismic], Any], tuple[str, ...]]:
    if callable(key):
        return key, ()
    names = (key,) if isinstance(key, str) else tuple(key)
    if len(names) == 1:
        return (lambda d: d.get(names[0])), names
    return (lambda d: tuple(d.get(k) for k in names)), names


def _partition_of(key: Any) -> int:
    """A hash of the key that every Python process agrees on (ObjectIds, tuples, None)."""
    return zlib.crc32(repr(key).encode())


def _member_order(d: BasicSeismic) -> tuple:
    return tuple(str(d.get(k, "")) for k in ("net", "sta", "loc", "chan")) + (d.t0, str(d.get("_id", "")))


def make_ensemble(key: Any, members: list[BasicSeismic], names: tuple[str, ...] = (), common: Iterable[str] = ()):
    """An ensemble of members (sorted by net, sta, loc, chan, t0), its metadata the grouping
    key's values (names) and every `common` key all members share one value of."""
    members = sorted(members, key=_member_order)
    kind = SeismogramEnsemble if members and isinstance(members[0], Seismogram) else TimeSeriesEnsemble
    md = dict(zip(names, key if len(names) > 1 else (key,))) if names else {"ensemble_key": key}
    for k in common:
        values = {repr(m.get(k)) for m in members}
        if len(values) == 1 and members[0].get(k) is not None:
            md[k] = members[0][k]
    return kind(members, md)


def group_ensembles(
    rdd: RDD,
    key: str | Iterable[str] | Callable,
    npartitions: int | None = None,
    ensemble_keys: Iterable[str] = (),
) -> RDD:
    """An RDD of ensembles, one per distinct value of key (a metadata key, several, or a function
    of a datum), made with a Spark shuffle (groupByKey: spills to disk under
    spark.python.worker.memory). Dead data are grouped too (a datum without the key goes to
    the ensemble of None): each input is a member of exactly one ensemble. ensemble_keys:
    metadata copied to the ensemble where all its members agree (e.g. source_lat)."""
    key_of, names = _key_function(key)
    common = tuple(ensemble_keys)
    n = npartitions or rdd.getNumPartitions()
    grouped = rdd.map(lambda d: (key_of(d), d)).groupByKey(n, partitionFunc=_partition_of)
    label = ", ".join(names) if names else getattr(key, "__name__", "key")
    return grouped.map(lambda kv: make_ensemble(kv[0], list(kv[1]), names, common)).setName(
        f"{rdd.name() or 'data'} → ensembles by {label}"
    )
