"""Data objects behave as MsPASS documents them (ErrorLogger, MsPASSError, Metadata, TimeSeries)."""

import numpy as np
import pytest

from sparkseis import ErrorLogger, ErrorSeverity, SeismicError, TimeSeries
from sparkseis.core.metadata import Metadata


def test_log_error_returns_the_log_size_and_entries_have_badness():
    elog = ErrorLogger()
    assert elog.log_error("alg", "first", ErrorSeverity.Complaint) == 1
    assert elog.log_error("alg", "second") == 2
    assert elog[0].badness == ErrorSeverity.Complaint and elog[1].badness == ErrorSeverity.Invalid
    assert elog.log_verbose("alg", "note") == 3 and elog[2].severity == ErrorSeverity.Informational


def test_log_error_takes_an_exception_object():
    err = SeismicError("went wrong", ErrorSeverity.Suspect)
    assert err.message == "went wrong" and err.severity == ErrorSeverity.Suspect
    elog = ErrorLogger()
    assert elog.log_error(err) == 1
    assert elog[0].message == "went wrong" and elog[0].badness == ErrorSeverity.Suspect


def test_metadata_put_and_typed_accessors():
    md = Metadata()
    md.put("a", 1)
    md.put_double("x", 2)
    md.put_string("s", 3)
    assert md["a"] == 1 and md.get_double("x") == 2.0 and isinstance(md["x"], float) and md.get_string("s") == "3"
    md.change_key("a", "b")
    assert not md.is_defined("a") and md["b"] == 1


def test_timeseries_of_n_is_n_dead_zero_samples_in_relative_time():
    d = TimeSeries(100)
    assert d.npts == 100 and not d.data.any() and d.dead() and d.time_is_relative() and d.dt == 1.0


def test_timeseries_from_metadata_takes_its_time_axis_from_the_header():
    md = Metadata({"npts": 50, "delta": 0.05, "starttime": 100.0, "time_standard": "UTC", "sta": "AB"})
    d = TimeSeries(md)
    assert d.npts == 50 and d.dt == 0.05 and d.t0 == 100.0 and d.time_is_UTC() and d["sta"] == "AB" and d.dead()
    rel = TimeSeries({"npts": 3, "delta": 1.0, "starttime": -5.0, "time_standard": "Relative", "t0_shift": 1000.0})
    assert rel.time_is_relative() and rel.shifted() and rel.t0shift == 1000.0


def test_timeseries_copy_constructor_is_independent():
    a = TimeSeries(np.arange(5.0), 10.0, 0.5, {"sta": "AB"})
    b = TimeSeries(a)
    assert b == a
    b.data[0] = 99.0
    b["sta"] = "CD"
    assert a.data[0] == 0.0 and a["sta"] == "AB"


def test_timeseries_time_methods_and_liveness():
    d = TimeSeries(np.zeros(4), 2.0, 0.5)
    assert d.starttime() == 2.0 and np.array_equal(d.time_axis(), [2.0, 2.5, 3.0, 3.5])
    d.set_t0(5.0)
    assert d.t0 == 5.0 and d["starttime"] == 5.0
    d.kill()
    d.set_live()
    assert d.live


def test_setting_npts_resizes_with_zeros():
    d = TimeSeries(np.ones(10), 0.0, 1.0)
    d.npts = 100
    assert d.npts == 100 and d["npts"] == 100 and not d.data.any()


def test_force_t0_shift_lets_rtoa_restore_utc():
    d = TimeSeries({"npts": 3, "delta": 1.0, "starttime": -2.0, "time_standard": "Relative"})
    d.set_live()
    d.force_t0_shift(1000.0)
    d.rtoa()
    assert d.time_is_UTC() and d.t0 == 998.0


def test_time_standard_is_one_of_two_spellings():
    d = TimeSeries(np.zeros(3), 0.0, 1.0)
    d["time_standard"] = "Relative"
    assert d.time_is_relative() and d["time_standard"] == "Relative" and d.tref.value == "Relative"
    with pytest.raises(ValueError, match="'UTC' or 'Relative'"):
        d["time_standard"] = "relativ"
