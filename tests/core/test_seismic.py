import pickle

import numpy as np
import obspy
import pytest

from sparkseis import (
    ErrorLogger,
    ErrorSeverity,
    MetadataKeyError,
    SeismicError,
    Seismogram,
    SeismogramEnsemble,
    TimeSeries,
    TimeSeriesEnsemble,
)


def make(npts=1000, t0=0.0, dt=0.01):
    return TimeSeries(np.arange(npts, dtype=float), t0, dt, {"net": "XX", "sta": "AB", "loc": "", "chan": "BHZ"})


def test_time_axis():
    d = make(1000, 10.0, 0.01)
    assert d.npts == 1000
    assert d.time(5) == pytest.approx(10.05)
    assert d.endtime() == pytest.approx(10.0 + 999 * 0.01)
    assert d.sample_number(10.0249) == 2
    assert d.sample_number(10.0251) == 3
    assert d.sample_number(9.0) == -100
    assert d.samprate() == pytest.approx(100.0)


def test_metadata_access_and_missing_key():
    d = make()
    assert d["sta"] == "AB" and "sta" in d and d.is_defined("chan")
    d["Ptime"] = 12.5
    assert set(d.keys()) >= {"net", "sta", "loc", "chan", "Ptime"}
    with pytest.raises(MetadataKeyError, match="'nope' is not defined"):
        d["nope"]
    d.erase("Ptime")
    assert not d.is_defined("Ptime")


def test_ator_rtoa_round_trip_and_no_stacking():
    d = make(t0=1000.0)
    assert d.time_is_UTC() and not d.shifted()
    d.ator(900.0)
    assert d.time_is_relative() and d.shifted() and d.t0 == pytest.approx(100.0)
    d.ator(50.0)  # shifts never stack
    assert d.t0 == pytest.approx(100.0) and d.t0shift == 900.0
    d.rtoa()
    assert d.time_is_UTC() and d.t0 == pytest.approx(1000.0) and not d.shifted()


def test_rtoa_without_shift_is_an_error():
    from sparkseis import TimeReferenceType

    d = TimeSeries(np.zeros(10), 0.0, 1.0, tref=TimeReferenceType.Relative)
    with pytest.raises(SeismicError, match="no stored shift"):
        d.rtoa()


def test_ator_ignores_dead():
    d = make(t0=5.0)
    d.kill()
    d.ator(5.0)
    assert d.t0 == 5.0 and d.time_is_UTC() and d.dead()


def test_bad_dt_is_rejected():
    with pytest.raises(ValueError, match="dt must be a positive"):
        TimeSeries(np.zeros(3), 0.0, 0.0)


def test_pickle_is_compact_and_exact():
    rng = np.random.default_rng(0)
    d = TimeSeries(rng.standard_normal(120_000), 1.4e9, 0.025, {"net": "TA", "sta": "POKR", "chan": "BHZ"})
    d.elog.log_error("test", "a note", ErrorSeverity.Complaint)
    d.ator(1.4e9 + 10)
    blob = pickle.dumps(d, protocol=pickle.HIGHEST_PROTOCOL)
    assert len(blob) < 120_000 * 8 + 1024
    back = pickle.loads(blob)
    assert back == d and back.t0shift == d.t0shift
    assert list(back.elog) == list(d.elog)


def test_trace_round_trip_on_obspy_example():
    tr = obspy.read()[0]
    d = TimeSeries.from_trace(tr)
    assert (d["net"], d["sta"], d["loc"], d["chan"]) == (
        tr.stats.network,
        tr.stats.station,
        tr.stats.location,
        tr.stats.channel,
    )
    assert d.t0 == tr.stats.starttime.timestamp and d.dt == tr.stats.delta
    np.testing.assert_array_equal(d.data, tr.data.astype(float))
    back = d.to_trace()
    assert back.id == tr.id and back.stats.starttime == tr.stats.starttime
    assert back.stats.sampling_rate == tr.stats.sampling_rate
    np.testing.assert_array_equal(back.data, d.data)


def test_seismogram_shape_and_time():
    s = Seismogram(np.zeros((3, 50)), 2.0, 0.5)
    assert s.npts == 50 and s.endtime() == pytest.approx(2.0 + 49 * 0.5)
    with pytest.raises(ValueError, match=r"\(3, npts\)"):
        Seismogram(np.zeros((2, 50)))


def test_ensembles():
    e = TimeSeriesEnsemble([make(), make()], {"evid": 3})
    assert len(e) == 2 and e["evid"] == 3 and e.live
    e.kill()
    assert e.dead()
    assert pickle.loads(pickle.dumps(e)).member[0] == e.member[0]
    with pytest.raises(TypeError):
        SeismogramEnsemble([make()])


def test_error_logger():
    log = ErrorLogger()
    log.log_error("a", "minor", ErrorSeverity.Complaint)
    log.log_error("b", "bad", ErrorSeverity.Invalid)
    log.log_error("c", "bad too", "Invalid")
    assert len(log) == 3
    algorithm, message, severity = log[0]
    assert (algorithm, message, severity) == ("a", "minor", ErrorSeverity.Complaint)
    assert [e.algorithm for e in log.worst_errors()] == ["b", "c"]
    assert ErrorLogger.from_list(log.to_list()).get_error_log() == log.get_error_log()


def test_header_keys_describing_samples_follow_the_object():
    from sparkseis.algorithms import ScipyDecimator, ScipyResampler, WindowData, ator, resample

    # a stored document's stale values are not kept: the object answers
    d = TimeSeries(
        np.zeros(84_000), 1369374000.0, 0.025, {"npts": 1, "sampling_rate": 1.0, "starttime": 0.0, "sta": "X"}
    )
    assert d["npts"] == 84_000 and d["sampling_rate"] == 40.0 and d["delta"] == 0.025 and d["starttime"] == d.t0
    d = resample(d, ScipyDecimator(20.0), ScipyResampler(20.0))
    assert d["npts"] == 42_000 and d["sampling_rate"] == 20.0 and d["delta"] == 0.05
    d = ator(d, 1369374100.0)
    assert d["starttime"] == d.t0 == -100.0 and d["time_standard"] == "Relative"
    w = WindowData(d, 0.0, 10.0)
    assert w["npts"] == w.npts == 201 and w["endtime"] == pytest.approx(10.0) and w["starttime"] == 0.0
    assert {"npts", "starttime", "endtime", "time_standard"} <= set(w.keys()) and w.todict()["npts"] == 201
    w["starttime"] = 5.0
    w["sampling_rate"] = 40.0
    assert w.t0 == 5.0 and w.dt == 0.025
    with pytest.raises(ValueError, match="set_npts"):
        w["npts"] = 3
    w.erase("npts")
    assert w.is_defined("npts")
