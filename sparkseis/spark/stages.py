"""Make processing functions into Spark map steps: `rdd.map(stage(detrend, type="constant"))`,
or a whole chain at once, named for the Spark UI: `map_steps(rdd, steps)`."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

from pyspark import RDD, Accumulator, AccumulatorParam, Broadcast, SparkContext


def _resolve(value: Any) -> Any:
    return value.value if isinstance(value, Broadcast) else value


class stage:  # noqa: N801 - reads like a function at the call site
    """func with its arguments bound, as one picklable callable of a datum.

    Arguments that are Spark Broadcast variables are replaced by their value on the worker,
    so a heavy helper (matcher cache, travel-time calculator) is shipped once per worker and
    built once per worker process, not once per task or datum.

    >>> from sparkseis.algorithms import WindowData, detrend
    >>> rdd.map(stage(detrend, type="constant")).map(stage(WindowData, -100.0, 600.0, t0shift="Ptime"))  # doctest: +SKIP
    """

    def __init__(self, func: Callable, *args: Any, **kwargs: Any):
        self.func, self.args, self.kwargs = func, args, kwargs
        if "obspy.taup" in sys.modules:
            # a TauPyModel among the arguments then travels as its name (loaded once per worker);
            # registered only here, so that nothing imports TauP for the many jobs without one
            from sparkseis.algorithms.traveltime import register_taup_pickling

            register_taup_pickling()

    def __call__(self, d: Any) -> Any:
        args = [_resolve(a) for a in self.args]
        kwargs = {k: _resolve(v) for k, v in self.kwargs.items()}
        return self.func(d, *args, **kwargs)

    @property
    def name(self) -> str:
        return getattr(self.func, "__name__", type(self.func).__name__)

    def __repr__(self) -> str:
        return f"stage({self.name})"


class _StepTimesParam(AccumulatorParam):
    def zero(self, value: dict) -> dict:
        return {}

    def addInPlace(self, a: dict, b: dict) -> dict:  # noqa: N802 - Spark's name
        for name, (seconds, count) in b.items():
            total = a.get(name, (0.0, 0))
            a[name] = (total[0] + seconds, total[1] + count)
        return a


class _DictUnionParam(AccumulatorParam):
    def zero(self, value: dict) -> dict:
        return {}

    def addInPlace(self, a: dict, b: dict) -> dict:  # noqa: N802 - Spark's name
        a.update(b)
        return a


def dict_union(sc: SparkContext) -> Accumulator:
    """An accumulator of one dict that tasks add keys to (e.g. the files a job touched and their sizes)."""
    return sc.accumulator({}, _DictUnionParam())


def step_timer(sc: SparkContext) -> Accumulator:
    """An accumulator of {step name: (seconds, data)} that the workers' own timers add to."""
    return sc.accumulator({}, _StepTimesParam())


def per_datum_ms(timer: Accumulator, order: Iterable[str] = ()) -> dict[str, float]:
    """Milliseconds per datum of each timed step: the names in `order` first (the chain's order),
    then any other, as they first reported."""
    times = timer.value
    names = [n for n in order if n in times] + [n for n in times if n not in set(order)]
    return {name: 1e3 * times[name][0] / times[name][1] for name in names if times[name][1]}


class _timed:  # noqa: N801
    """A map step that adds its own time per datum to a step timer."""

    def __init__(self, step: stage, timer: Accumulator):
        self.step, self.timer = step, timer

    def __call__(self, d: Any) -> Any:
        started = time.perf_counter()
        out = self.step(d)
        self.timer.add({self.step.name: (time.perf_counter() - started, 1)})
        return out


def map_steps(rdd: RDD, steps: Iterable[tuple[Callable, tuple, dict]], timer: Accumulator | None = None) -> RDD:
    """rdd with each (func, args, kwargs) applied in turn (Spark fuses them into one task per
    partition), named after the chain so the UI shows what each task does. timer: a
    step_timer that each step adds its time per datum to."""
    base, names = rdd.name(), []
    for func, args, kwargs in steps:
        step = stage(func, *args, **kwargs)
        rdd = rdd.map(step if timer is None else _timed(step, timer))
        names.append(step.name)
    return rdd.setName(" → ".join([base or "data", *names])) if names else rdd
