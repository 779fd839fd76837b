"""The dead-data rule: data failures kill with a logged reason, code failures propagate."""

import numpy as np
import pytest

from sparkseis import ArgumentError, ErrorSeverity, SeismicError, TimeSeries
from sparkseis.algorithms import detrend, filter
from sparkseis.core.decorator import seismic_function


@seismic_function()
def fails_with(d, err):
    raise err


def datum():
    return TimeSeries(np.arange(100.0), 0.0, 0.01)


@pytest.mark.parametrize(
    "err",
    [ValueError("bad samples"), KeyError("Ptime"), ZeroDivisionError("x"), SeismicError("odd", ErrorSeverity.Invalid)],
)
def test_data_failures_kill_with_reason(err):
    d = fails_with(datum(), err)
    assert d.dead() and d.elog[0].algorithm == "fails_with" and d.elog[0].severity == ErrorSeverity.Invalid
    assert type(err).__name__ in d.elog[0].message


@pytest.mark.parametrize(
    "err",
    [
        TypeError("f() missing 1 required argument"),
        AttributeError("x"),
        NameError("y"),
        SeismicError("broken", ErrorSeverity.Fatal),
    ],
)
def test_programming_errors_propagate(err):
    with pytest.raises(type(err)):
        fails_with(datum(), err)


def test_incomplete_arguments_raise_before_any_datum_dies():
    # once 100 % of a job's data went to the cemetery for these; now the call is refused
    with pytest.raises(ArgumentError, match="freqmax"):
        filter(datum(), type="bandpass", freqmin=1.0)
    with pytest.raises(ArgumentError, match="order"):
        detrend(datum(), type="polynomial")
    d = datum()
    d.kill()
    with pytest.raises(ArgumentError):
        filter(d, type="lowpass")  # arguments are checked on dead data too
