"""The reference workflow's processing chain after the read: detrend, resample, P time, window."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sparkseis.algorithms.resample import ScipyDecimator, ScipyResampler, resample
from sparkseis.algorithms.signals import detrend
from sparkseis.algorithms.traveltime import P_PHASES, set_Ptime, shift_by_Ptime
from sparkseis.algorithms.window import WindowData, cut_for_window

Step = tuple[Callable, tuple, dict]


def p_window_steps(
    calculator: Any,
    rate: float = 20.0,
    window: tuple[float, float] = (-100.0, 600.0),
    use_pdiff: bool = False,
    short_segment_handling: str = "kill",
    phases: tuple[str, ...] = P_PHASES,
    distance: str = "geodesic",
    window_first: bool = True,
    window_reader: Callable | None = None,
    reader_args: tuple = (),
) -> list[Step]:
    """(function, args, kwargs) for: detrend constant -> resample to rate (samples/s) ->
    set_Ptime (phases, distance method) -> shift_by_Ptime -> WindowData(window s around P).

    window_first: P is computed before resampling (it needs only metadata) and the record is
    cut to the window plus the filter's settling margin before decimating (cut_for_window):
    the same windows (bit for bit at factors 2 and 4, within 2e-13 relative up to 40), for a
    fraction of the filtering. The constant detrend
    still removes the whole record's mean. `calculator` is anything set_Ptime takes as its
    model (a TravelTimeCalculator, a Spark broadcast of one, a model name).

    window_reader: with window_first, a step called as window_reader(d, decimator, start, end,
    *reader_args) that stands for detrend and cut_for_window together, reading only the
    samples the cut keeps (sparkseis.db.window_read.read_for_window).
    """
    start, end = float(window[0]), float(window[1])
    decimator = ScipyDecimator(rate)
    ptime = (set_Ptime, (calculator,), {"use_pdiff": use_pdiff, "phases": tuple(phases), "distance": distance})
    resampling = (resample, (decimator, ScipyResampler(rate)), {})
    if window_first and window_reader is not None:
        head = [ptime, (window_reader, (decimator, start, end, *reader_args), {}), resampling]
    elif window_first:
        head = [(detrend, (), {"type": "constant"}), ptime, (cut_for_window, (decimator, start, end), {}), resampling]
    else:
        head = [(detrend, (), {"type": "constant"}), resampling, ptime]
    return [
        *head,
        (shift_by_Ptime, (), {}),
        (WindowData, (start, end), {"short_segment_handling": short_segment_handling}),
    ]


def run_steps(d: Any, steps: list[Step]) -> Any:
    """Apply steps to one datum in order (the serial loop)."""
    for func, args, kwargs in steps:
        d = func(d, *args, **kwargs)
    return d


def event_window_steps(
    rate: float = 20.0, window: tuple[float, float] = (-100.0, 600.0), short_segment_handling: str = "kill"
) -> list[Step]:
    """The chain after an event window's span is read (P is already set, from metadata):
    detrend constant (the mean of the span read: window plus filter margin) -> resample to rate
    (samples/s) -> shift_by_Ptime -> WindowData(window s around P)."""
    start, end = float(window[0]), float(window[1])
    return [
        (detrend, (), {"type": "constant"}),
        (resample, (ScipyDecimator(rate), ScipyResampler(rate)), {}),
        (shift_by_Ptime, (), {}),
        (WindowData, (start, end), {"short_segment_handling": short_segment_handling}),
    ]
