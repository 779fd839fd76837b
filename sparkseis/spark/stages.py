"""Make processing functions into Spark map steps: `rdd.map(stage(detrend, type="constant"))`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyspark import Broadcast


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

    def __repr__(self) -> str:
        return f"stage({getattr(self.func, '__name__', self.func)})"
