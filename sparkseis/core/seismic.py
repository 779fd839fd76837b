"""TimeSeries (one channel) and Seismogram (three components) with MsPASS's time semantics."""

from __future__ import annotations

import math
from enum import Enum
from typing import Any

import numpy as np

from sparkseis.core.errors import ErrorLogger, ErrorSeverity, SeismicError
from sparkseis.core.metadata import Metadata


def round_half_away(x: float) -> int:
    """x rounded to the nearest integer, halves away from zero (C's round, which MsPASS uses)."""
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


class TimeReferenceType(Enum):
    """Whether a datum's t0 is an epoch time (UTC) or relative to some event; the value is the
    header's and the stored documents' `time_standard`.

    >>> TimeReferenceType("Relative") is TimeReferenceType.Relative
    True
    """

    UTC = "UTC"
    Relative = "Relative"


class BasicSeismic(Metadata):
    """Time axis, live flag, header and error log shared by TimeSeries and Seismogram.

    time(i) = t0 + i*dt (s); endtime = t0 + (npts-1)*dt; sample_number(t) = round((t-t0)/dt).

    >>> import numpy as np
    >>> d = TimeSeries(np.zeros(3), 0.0, 1.0)
    >>> d.kill_with("mine", "no good")
    >>> d.dead(), d.elog[0].message
    (True, 'no good')
    """

    __slots__ = ("data", "t0", "dt", "live", "tref", "t0shift", "elog")
    components: int | None = None  # None: one channel, samples shaped (npts,); else (components, npts)

    def __init__(
        self,
        data: Any = None,
        t0: float = 0.0,
        dt: float = 1.0,
        metadata: dict | Metadata | None = None,
        tref: TimeReferenceType = TimeReferenceType.UTC,
        npts: int | None = None,
    ):
        """Samples (or npts zeros), t0 (s), dt (s), header, and the time reference: a live datum.

        MsPASS's constructors work too: `TimeSeries(n)` is n zero samples, dead, relative time,
        dt 1 s; `TimeSeries(metadata)` takes npts, delta, starttime and time_standard (and
        t0_shift) from the header, zero samples, dead; `TimeSeries(other)` copies other.
        """
        if isinstance(data, BasicSeismic) and t0 == 0.0 and metadata is None:
            self.__setstate__(data.__getstate__())
            self._md, self.data = dict(data._md), data.data.copy()
            return
        if isinstance(data, (int, np.integer)) and not isinstance(data, bool):
            self._init_basic(0.0, 1.0, metadata, TimeReferenceType.Relative)
            self.set_npts(int(data))
            self.live = False
            return
        if isinstance(data, (dict, Metadata)) and metadata is None:
            self._init_from_header(data)
            return
        self._init_basic(t0, dt, metadata, tref)
        if data is None:
            self.set_npts(npts or 0)
            return
        self.data = np.ascontiguousarray(data, dtype=np.float64)
        expected = (self.components, "npts") if self.components else ("npts",)
        if self.data.ndim != len(expected) or (self.components and self.data.shape[0] != self.components):
            raise ValueError(
                f"{type(self).__name__} samples must be shaped ({', '.join(map(str, expected))}), got {self.data.shape}"
            )

    def _init_from_header(self, header: dict | Metadata) -> None:
        md = header.todict() if isinstance(header, Metadata) else dict(header)
        try:
            dt = float(md["delta"]) if "delta" in md else 1.0 / float(md["sampling_rate"])
            t0 = float(md.get("starttime", md.get("t0", 0.0)))
            npts = int(md.get("npts", 0))
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(
                f"{type(self).__name__}(metadata) needs delta (or sampling_rate), starttime and npts: {err}"
            ) from None
        standard = md.get("time_standard", "UTC")
        self._init_basic(t0, dt, md, TimeReferenceType.Relative if standard == "Relative" else TimeReferenceType.UTC)
        if standard not in ("UTC", "Relative"):
            self.elog.log_error(
                type(self).__name__,
                f"time_standard {standard!r} is neither UTC nor Relative: set to Relative",
                ErrorSeverity.Complaint,
            )
            self.tref = TimeReferenceType.Relative
        shift = md.get("t0_shift")
        if self.time_is_relative() and shift is not None:
            self.t0shift = float(shift)
        self.set_npts(npts)
        self.live = False

    def set_npts(self, npts: int) -> None:
        """Resize to npts zero samples."""
        shape = (self.components, int(npts)) if self.components else (int(npts),)
        self.data = np.zeros(shape, dtype=np.float64)

    def _init_basic(self, t0: float, dt: float, metadata: dict | Metadata | None, tref: TimeReferenceType) -> None:
        Metadata.__init__(self, metadata)
        self.t0 = float(t0)
        self.set_dt(dt)
        self.live = True
        self.tref = tref
        self.t0shift: float | None = None
        self.elog = ErrorLogger()

    def set_dt(self, dt: float) -> None:
        """Set the sample interval (s)."""
        dt = float(dt)
        if not (dt > 0 and math.isfinite(dt)):
            raise ValueError(f"sample interval dt must be a positive number of seconds, got {dt!r}")
        self.dt = dt

    # --- liveness -------------------------------------------------------
    def kill(self) -> None:
        """Mark the datum dead (its samples stay)."""
        self.live = False

    def kill_with(self, algorithm: str, message: str, severity: ErrorSeverity = ErrorSeverity.Invalid) -> None:
        """Kill the datum and log why (the one way the dead-data rule kills)."""
        self.live = False
        self.elog.log_error(algorithm, message, severity)

    def set_live(self) -> None:
        """Mark the datum live."""
        self.live = True

    def dead(self) -> bool:
        return not self.live

    # --- time axis ------------------------------------------------------
    @property
    def npts(self) -> int:
        """Number of samples; setting it resizes to that many zero samples (as MsPASS's set_npts)."""
        return int(self.data.shape[-1])

    @npts.setter
    def npts(self, value: int) -> None:
        self.set_npts(value)

    def set_t0(self, t0: float) -> None:
        """Set the time of the first sample (s)."""
        self.t0 = float(t0)

    def starttime(self) -> float:
        """Time (s) of the first sample."""
        return self.t0

    def time_axis(self) -> np.ndarray:
        """Times (s) of every sample: t0 + i*dt."""
        return self.t0 + np.arange(self.npts) * self.dt

    def force_t0_shift(self, t0shift: float) -> None:
        """Record t0shift (s) as the shift that made this relative datum, so rtoa can undo it."""
        self.t0shift = float(t0shift)

    def time(self, i: int) -> float:
        """Time (s) of sample i."""
        return self.t0 + i * self.dt

    def endtime(self) -> float:
        """Time (s) of the last sample."""
        return self.t0 + (self.npts - 1) * self.dt

    def sample_number(self, t: float) -> int:
        """Index of the sample nearest time t (s); may lie outside 0..npts-1."""
        return round_half_away((t - self.t0) / self.dt)

    def samprate(self) -> float:
        """Sampling rate in samples/s."""
        return 1.0 / self.dt

    def time_is_UTC(self) -> bool:
        return self.tref is TimeReferenceType.UTC

    def time_is_relative(self) -> bool:
        return self.tref is TimeReferenceType.Relative

    def shifted(self) -> bool:
        """True when the datum was made relative by ator and can go back with rtoa."""
        return self.t0shift is not None

    def ator(self, tshift: float) -> None:
        """Make time relative to epoch time tshift (s); no-op on dead or already relative data."""
        if self.dead() or self.time_is_relative():
            return
        self.t0 -= float(tshift)
        self.t0shift = float(tshift)
        self.tref = TimeReferenceType.Relative

    def rtoa(self) -> None:
        """Restore UTC time from the shift stored by ator; an error if there is none."""
        if self.dead() or self.time_is_UTC():
            return
        if self.t0shift is None:
            raise SeismicError("rtoa: relative time has no stored shift, cannot restore UTC", ErrorSeverity.Invalid)
        self.t0 += self.t0shift
        self.t0shift = None
        self.tref = TimeReferenceType.UTC

    def force_time_reference(self, tref: TimeReferenceType, t0shift: float | None = None) -> None:
        """Set the time reference directly (used when reading stored data)."""
        self.tref = tref
        self.t0shift = None if t0shift is None else float(t0shift)

    def copy(self, data: np.ndarray | None = None) -> BasicSeismic:
        """A new datum with this one's header, time and log, and a copy of the samples
        (or `data` as given)."""
        out = self.__class__.__new__(self.__class__)
        out.__setstate__(self.__getstate__())
        out._md = dict(self._md)
        out.data = self.data.copy() if data is None else data
        return out

    # --- pickling: samples as one raw buffer plus a small header ---------
    def __getstate__(self) -> tuple:
        return (
            self.data,
            self.t0,
            self.dt,
            self.live,
            self.tref.value,
            self.t0shift,
            self._md,
            self.elog.__getstate__(),
        )

    def __setstate__(self, state: tuple) -> None:
        self.data, self.t0, self.dt, self.live, tref, self.t0shift, self._md, log = state
        self.tref = TimeReferenceType(tref)
        self.elog = ErrorLogger()
        self.elog.__setstate__(log)

    def __eq__(self, other: Any) -> bool:
        return (
            type(self) is type(other)
            and self.t0 == other.t0
            and self.dt == other.dt
            and self.live == other.live
            and self.tref == other.tref
            and self.t0shift == other.t0shift
            and self._md == other._md
            and np.array_equal(self.data, other.data)
        )

    __hash__ = None  # mutable


def _refuse_npts(d: BasicSeismic, value: Any) -> None:
    if int(value) != d.npts:
        raise ValueError(f"npts is the number of samples ({d.npts}); resize with set_npts, not the header")


def _refuse_endtime(d: BasicSeismic, value: Any) -> None:
    if not math.isclose(float(value), d.endtime(), rel_tol=0.0, abs_tol=1e-6 * d.dt):
        raise ValueError(f"endtime follows from t0, dt and npts ({d.endtime()}); set those instead")


def _set_time_standard(d: BasicSeismic, value: Any) -> None:
    try:
        tref = TimeReferenceType(value)
    except ValueError:
        raise ValueError(f"time_standard must be 'UTC' or 'Relative', got {value!r}") from None
    d.force_time_reference(tref, d.t0shift if tref is TimeReferenceType.Relative else None)


# Header keys that describe the samples are read from and written to the object itself, so
# they agree with it at every step (MsPASS keeps them in sync the same way).
BasicSeismic._served = {
    "npts": (lambda d: d.npts, _refuse_npts),
    "delta": (lambda d: d.dt, BasicSeismic.set_dt),
    "dt": (lambda d: d.dt, BasicSeismic.set_dt),
    "sampling_rate": (lambda d: 1.0 / d.dt, lambda d, v: d.set_dt(1.0 / float(v))),
    "starttime": (lambda d: d.t0, lambda d, v: setattr(d, "t0", float(v))),
    "t0": (lambda d: d.t0, lambda d, v: setattr(d, "t0", float(v))),
    "endtime": (lambda d: d.endtime(), _refuse_endtime),
    "time_standard": (lambda d: d.tref.value, _set_time_standard),
}


class TimeSeries(BasicSeismic):
    """One channel of samples (float64) on a regular time grid, with a header and an error log.

    time(i) = t0 + i*dt (s); endtime() = t0 + (npts-1)*dt; header keys that describe the
    samples (npts, delta, sampling_rate, starttime, endtime, time_standard) are answered by
    the object, so they never go stale.

    >>> import numpy as np
    >>> d = TimeSeries(np.arange(1000.0), 10.0, 0.01, {"sta": "AB"})
    >>> d.npts, round(d.endtime(), 6), d.sample_number(10.0251), d["sampling_rate"]
    (1000, 19.99, 3, 100.0)
    >>> TimeSeries(100).npts, TimeSeries(100).live       # MsPASS's form: 100 zeros, dead
    (100, False)
    """

    __slots__ = ()
    components = None

    @classmethod
    def from_trace(cls, trace) -> TimeSeries:
        """Build from an ObsPy Trace, keeping net/sta/loc/chan and its UTC start time."""
        st = trace.stats
        md = {"net": st.network, "sta": st.station, "loc": st.location, "chan": st.channel}
        return cls(trace.data, float(st.starttime.timestamp), float(st.delta), md)

    def to_trace(self):
        """An ObsPy Trace with a copy of the samples (relative t0 is read as seconds after 1970)."""
        from obspy import Trace, UTCDateTime

        header = {
            "network": self.get("net", ""),
            "station": self.get("sta", ""),
            "location": self.get("loc", ""),
            "channel": self.get("chan", ""),
            "delta": self.dt,
            "starttime": UTCDateTime(self.t0),
        }
        return Trace(data=self.data.copy(), header=header)

    def __repr__(self) -> str:
        state = "live" if self.live else "dead"
        ident = ".".join(str(self.get(k, "")) for k in ("net", "sta", "loc", "chan"))
        return f"TimeSeries({ident}, npts={self.npts}, t0={self.t0}, dt={self.dt}, {self.tref.value}, {state})"


class Seismogram(BasicSeismic):
    """Three-component samples shaped (3, npts) on one time grid, with a transformation matrix
    (`tmatrix`) from standard coordinates (east, north, up) to the components' own, as MsPASS
    defines it: u_current = tmatrix @ u_standard, each row the direction of one component.
    Rotations and transformations change samples and matrix together and do nothing to dead
    data (sparkseis.core.coordinates has the matrices).

    >>> import numpy as np
    >>> d = Seismogram(np.array([[1.0], [0.0], [0.0]]), 0.0, 0.05)   # one sample: 1 east
    >>> d.npts, d.cardinal()
    (1, True)
    >>> d.rotate(np.pi / 2)                                          # axes turned 90 degrees anticlockwise
    >>> np.round(d.data[:, 0], 12).tolist(), d.cardinal()
    ([0.0, -1.0, 0.0], False)
    >>> d.rotate_to_standard(); np.round(d.data[:, 0], 12).tolist()
    [1.0, 0.0, 0.0]
    """

    __slots__ = ("_tmatrix",)
    components = 3

    def __init__(
        self, data: Any = None, t0: float = 0.0, dt: float = 1.0, metadata=None, tref=None, npts=None, tmatrix=None
    ):
        other = data if isinstance(data, Seismogram) and t0 == 0.0 and metadata is None else None
        args = (data, t0, dt, metadata) if tref is None else (data, t0, dt, metadata, tref)
        super().__init__(*args, npts=npts)
        if other is not None:
            self._tmatrix = other.tmatrix
        else:
            self._tmatrix = np.eye(3) if tmatrix is None else _matrix(tmatrix)

    @property
    def tmatrix(self) -> np.ndarray:
        """The transformation matrix (a copy; set it with set_transformation_matrix)."""
        return self._tmatrix.copy()

    @tmatrix.setter
    def tmatrix(self, value) -> None:
        self.set_transformation_matrix(value)

    def set_transformation_matrix(self, a) -> None:
        """Declare the components' directions (3 x 3, rows in standard coordinates); the
        samples are not changed."""
        self._tmatrix = _matrix(a)

    def cardinal(self) -> bool:
        """True when the components are east, north, up (the identity to 4 decimals, MsPASS's test)."""
        from sparkseis.core.coordinates import is_cardinal

        return is_cardinal(self._tmatrix)

    def orthogonal(self) -> bool:
        """True when the components' directions are orthonormal (from the matrix itself: MsPASS
        keeps a flag, false after bundling unless cardinal, whatever the directions)."""
        from sparkseis.core.coordinates import is_orthogonal

        return is_orthogonal(self._tmatrix)

    def _busy(self) -> bool:
        return self.live and self.npts > 0

    def rotate_to_standard(self) -> None:
        """Samples back to east, north, up (the matrix's transpose when orthogonal, else its
        inverse); LinAlgError when the directions are coplanar."""
        if not self._busy() or self.cardinal():
            return
        a = self._tmatrix
        self.data = a.T @ self.data if self.orthogonal() else np.linalg.solve(a, self.data)
        self._tmatrix = np.eye(3)

    def transform(self, a) -> None:
        """Apply the 3 x 3 matrix a to the samples; tmatrix becomes a @ tmatrix."""
        if not self._busy():
            return
        a = _matrix(a)
        self.data = a @ self.data
        self._tmatrix = a @ self._tmatrix

    def rotate(self, how) -> None:
        """A float: turn the horizontal axes anticlockwise by that many radians (from the
        current axes, as MsPASS's code does; its docstring says clockwise). A
        SphericalCoordinate or a 3-vector: from standard coordinates to x3 along that direction
        and x1 horizontal (for a P ray: transverse, radial, longitudinal)."""
        from sparkseis.core import coordinates

        if not self._busy():
            return
        if isinstance(how, (int, float, np.floating, np.integer)) and not isinstance(how, bool):
            self.transform(coordinates.horizontal_rotation(float(how)))
            return
        sc = how if isinstance(how, coordinates.SphericalCoordinate) else coordinates.spherical(how)
        self.rotate_to_standard()
        m = coordinates.ray_rotation(sc)
        self.data = m @ self.data
        self._tmatrix = m

    def free_surface_transformation(self, slowness, vp0: float, vs0: float) -> None:
        """Kennett's free-surface transformation for a wave of horizontal slowness vector
        slowness = (ux, uy) in s/km (along the propagation direction, in east and north), under
        surface velocities vp0 and vs0 (km/s): components become (SH, SV, P), not normalised.
        Vertical incidence (|u| = 0) leaves the datum as it is; ValueError when 1/|u| is below
        vp0 or vs0."""
        from sparkseis.core import coordinates

        if not self._busy():
            return
        ux, uy = (float(v) for v in slowness)
        p = math.hypot(ux, uy)
        if p < np.finfo(float).eps:
            return
        fs = coordinates.free_surface_matrix(p, vp0, vs0)  # raises before anything changes
        self.rotate(coordinates.SphericalCoordinate(1.0, 0.0, math.atan2(uy, ux)))
        self.transform(fs)

    def copy(self, data: np.ndarray | None = None) -> Seismogram:
        out = super().copy(data)
        out._tmatrix = self._tmatrix.copy()
        return out

    def __getstate__(self) -> tuple:
        return (*super().__getstate__(), self._tmatrix)

    def __setstate__(self, state: tuple) -> None:
        super().__setstate__(state[:8])
        self._tmatrix = np.array(state[8], dtype=np.float64) if len(state) > 8 else np.eye(3)

    def __eq__(self, other: Any) -> bool:
        return super().__eq__(other) and np.array_equal(self._tmatrix, other._tmatrix)

    __hash__ = None

    def __repr__(self) -> str:
        state = "live" if self.live else "dead"
        ident = ".".join(str(self.get(k, "")) for k in ("net", "sta", "loc"))
        return f"Seismogram({ident}, npts={self.npts}, t0={self.t0}, dt={self.dt}, {self.tref.value}, {state})"


def _matrix(a) -> np.ndarray:
    m = np.array(a, dtype=np.float64)
    if m.shape != (3, 3) or not np.isfinite(m).all():
        raise ValueError(f"a transformation matrix is 3 x 3 and finite, got shape {m.shape}")
    return m
