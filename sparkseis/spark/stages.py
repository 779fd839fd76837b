"""Make processing functions into Spark map steps: `rdd.map(stage(detrend, type="constant"))`,
or a whole chain at once, named for the Spark UI: `map_steps(rdd, steps)`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pyspark import RDD, Broadcast


def _resolve(value: Any) -> Any:
    return value.value if isinstance(value, Broadcast) else value


class stage:  # noqa: N801 - reads like a function at the call site
    """func with its arguments bound, as one picklable callable of a datum.

    Arguments that are Spark Broadcast variables are replaced by their value on the worker,
    so a heavy helper (matcher cache, travel-time calculator) is shipped once per worker and
    built once per worker process, not once per task or datum.
    """

    def __init__(self, func: Callable, *args: Any, **kwargs: Any):
        self.func, self.args, self.kwargs = func, args, kwargs

    def __call__(self, d: Any) -> Any:
        args = [_resolve(a) for a in self.args]
        kwargs = {k: _resolve(v) for k, v in self.kwargs.items()}
        return self.func(d, *args, **kwargs)

    @property
    def name(self) -> str:
        return getattr(self.func, "__name__", type(self.func).__name__)

    def __repr__(self) -> str:
        return f"stage({self.name})"


def map_steps(rdd: RDD, steps: Iterable[tuple[Callable, tuple, dict]]) -> RDD:
    """rdd with each (func, args, kwargs) applied in turn (Spark fuses them into one task per
    partition), named after the chain so the UI shows what each task does."""
    base, names = rdd.name(), []
    for func, args, kwargs in steps:
        step = stage(func, *args, **kwargs)
        rdd = rdd.map(step)
        names.append(step.name)
    return rdd.setName(" → ".join([base or "data", *names])) if names else rdd
