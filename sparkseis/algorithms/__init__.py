"""Processing functions on data objects (no Spark, no MongoDB)."""

from sparkseis.algorithms.decorator import seismic_function
from sparkseis.algorithms.resample import ScipyDecimator, ScipyResampler, resample
from sparkseis.algorithms.signals import detrend, filter, taper
from sparkseis.algorithms.timeref import ator, rtoa
from sparkseis.algorithms.traveltime import TravelTimeCalculator, set_Ptime, shift_by_Ptime
from sparkseis.algorithms.window import WindowData

__all__ = [
    "ScipyDecimator",
    "ScipyResampler",
    "TravelTimeCalculator",
    "WindowData",
    "ator",
    "detrend",
    "filter",
    "resample",
    "rtoa",
    "seismic_function",
    "set_Ptime",
    "shift_by_Ptime",
    "taper",
]
