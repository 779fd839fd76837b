"""Processing functions on data objects (no Spark, no MongoDB)."""

from sparkseis.algorithms.resample import ScipyDecimator, ScipyResampler, resample
from sparkseis.algorithms.signals import detrend, filter, taper
from sparkseis.algorithms.timeref import ator, rtoa
from sparkseis.algorithms.traveltime import TravelTimeCalculator, epicentral_distance, set_Ptime, shift_by_Ptime
from sparkseis.algorithms.window import WindowData
from sparkseis.core.decorator import seismic_function
from sparkseis.core.timewindow import TimeWindow

__all__ = [
    "ScipyDecimator",
    "ScipyResampler",
    "TimeWindow",
    "TravelTimeCalculator",
    "WindowData",
    "ator",
    "detrend",
    "epicentral_distance",
    "filter",
    "resample",
    "rtoa",
    "seismic_function",
    "set_Ptime",
    "shift_by_Ptime",
    "taper",
]
