"""TimeWindow: a time interval [start, end] in seconds (MsPASS's ccore TimeWindow)."""

from __future__ import annotations

from typing import Any


class TimeWindow:
    """start and end times (s, epoch or relative); `TimeWindow(other)` copies.

    >>> TimeWindow(-100.0, 600.0).length(), TimeWindow(0.0, 1.0).shift(5.0)
    (700.0, TimeWindow(5.0, 6.0))
    """

    __slots__ = ("start", "end")

    def __init__(self, start: float | TimeWindow = 0.0, end: float = 0.0):
        if isinstance(start, TimeWindow):
            start, end = start.start, start.end
        self.start = float(start)
        self.end = float(end)

    def length(self) -> float:
        """end - start, in seconds."""
        return self.end - self.start

    def shift(self, tshift: float) -> TimeWindow:
        """A new window moved by tshift seconds."""
        return TimeWindow(self.start + tshift, self.end + tshift)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, TimeWindow) and (self.start, self.end) == (other.start, other.end)

    __hash__ = None  # mutable

    def __getstate__(self) -> tuple[float, float]:
        return (self.start, self.end)

    def __setstate__(self, state: tuple[float, float]) -> None:
        self.start, self.end = state

    def __repr__(self) -> str:
        return f"TimeWindow({self.start}, {self.end})"
