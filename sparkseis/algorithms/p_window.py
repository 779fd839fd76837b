"""The reference workflow's processing chain after the read: detrend, resample, P time, window."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sparkseis.algorithms.resample import ScipyDecimator, ScipyResampler, resample
from sparkseis.algorithms.signals import detrend
from sparkseis.algorithms.traveltime import P_PHASES, set_Ptime, shift_by_Ptime
from sparkseis.algorithms.window import WindowData

Step = tuple[Callable, tuple, dict]


def p_window_steps(calculator: Any, rate: float = 20.0, window: tuple[float, float] = (-100.0, 600.0),
                   use_pdiff: bool = False, short_segment_handling: str = "kill", phases: tuple[str, ...] = P_PHASES,
                   distance: str = "geodesic") -> list[Step]:  # fmt: skip
    """(function, args, kwargs) for: detrend constant -> resample to rate (samples/s) ->
    set_Ptime (phases, distance method) -> shift_by_Ptime -> WindowData(window s around P).

    `calculator` is anything set_Ptime takes as its model (a TravelTimeCalculator, a Spark
    broadcast of one, a model name).
    """
    return [
        (detrend, (), {"type": "constant"}),
        (resample, (ScipyDecimator(rate), ScipyResampler(rate)), {}),
        (set_Ptime, (calculator,), {"use_pdiff": use_pdiff, "phases": tuple(phases), "distance": distance}),
        (shift_by_Ptime, (), {}),
        (WindowData, (float(window[0]), float(window[1])), {"short_segment_handling": short_segment_handling}),
    ]


def run_steps(d: Any, steps: list[Step]) -> Any:
    """Apply steps to one datum in order (the serial loop)."""
    for func, args, kwargs in steps:
        d = func(d, *args, **kwargs)
    return d
