import numpy as np
import pytest

from sparkseis import TimeReferenceType, TimeSeries
from sparkseis.algorithms import ator, rtoa


def test_ator_by_value_and_key_round_trip():
    d = TimeSeries(np.zeros(10), 1000.0, 0.1, {"Ptime": 1100.0})
    ator(d, "Ptime")
    assert d.time_is_relative() and d.t0 == pytest.approx(-100.0)
    ator(d, 5.0)  # no stacking
    assert d.t0 == pytest.approx(-100.0)
    rtoa(d)
    assert d.time_is_UTC() and d.t0 == pytest.approx(1000.0)


def test_ator_missing_key_kills():
    d = TimeSeries(np.zeros(10), 1000.0, 0.1)
    ator(d, "Ptime")
    assert d.dead() and "Ptime" in d.elog[0].message


def test_rtoa_without_shift_kills():
    d = TimeSeries(np.zeros(10), 0.0, 0.1, tref=TimeReferenceType.Relative)
    rtoa(d)
    assert d.dead() and "no stored shift" in d.elog[0].message
