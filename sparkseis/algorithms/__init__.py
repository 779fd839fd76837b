"""Processing functions on data objects (no Spark, no MongoDB)."""

from sparkseis.algorithms.bundle import BundleSEEDGroup, bundle_seed_data
from sparkseis.algorithms.resample import ScipyDecimator, ScipyResampler, resample
from sparkseis.algorithms.signals import detrend, filter, taper
from sparkseis.algorithms.three_component import (
    free_surface_transformation,
    rotate,
    rotate_to_standard,
    transform,
    transform_to_LQT,
    transform_to_RTZ,
)
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
    "BundleSEEDGroup",
    "bundle_seed_data",
    "detrend",
    "epicentral_distance",
    "filter",
    "free_surface_transformation",
    "resample",
    "rotate",
    "rotate_to_standard",
    "rtoa",
    "seismic_function",
    "set_Ptime",
    "shift_by_Ptime",
    "taper",
    "transform",
    "transform_to_LQT",
    "transform_to_RTZ",
]
