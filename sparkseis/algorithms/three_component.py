"""Three-component processing functions with MsPASS's names and meaning: rotations to standard
coordinates, by an angle or to a ray direction, matrix transforms, the free-surface
transformation, and the RTZ and LQT helpers that take the back azimuth and the emergence angle
from metadata. Each passes dead data through and turns a failure into a kill with the reason."""

from __future__ import annotations

import math

import numpy as np

from sparkseis.core.coordinates import SphericalCoordinate
from sparkseis.core.decorator import seismic_function
from sparkseis.core.errors import ArgumentError, ArgumentTypeError
from sparkseis.core.seismic import Seismogram

_UNITS = ("degrees", "radians")


def _seismogram(d) -> None:
    if not isinstance(d, Seismogram):  # the call is wrong for every datum: the run stops
        raise ArgumentTypeError(f"three-component processing needs a Seismogram, got {type(d).__name__}")


def _check_units(*args, angle_units: str = "degrees", **kwargs) -> None:
    if angle_units not in _UNITS:
        raise ArgumentError(f"angle_units must be one of {_UNITS}, got {angle_units!r}")


@seismic_function()
def rotate_to_standard(d: Seismogram) -> Seismogram:
    """Samples back to east, north, up; a datum whose directions are coplanar dies saying so."""
    _seismogram(d)
    d.rotate_to_standard()
    return d


@seismic_function()
def rotate(d: Seismogram, rotate_param) -> Seismogram:
    """Seismogram.rotate: a float turns the horizontal axes anticlockwise by that many radians;
    a SphericalCoordinate or a 3-vector rotates standard coordinates to x3 along it."""
    _seismogram(d)
    d.rotate(rotate_param)
    return d


@seismic_function()
def transform(d: Seismogram, matrix) -> Seismogram:
    """Apply a 3 x 3 matrix to the samples (tmatrix follows)."""
    _seismogram(d)
    d.transform(matrix)
    return d


@seismic_function()
def free_surface_transformation(
    d: Seismogram,
    uvec=None,
    vp0: float | None = None,
    vs0: float | None = None,
    ux_key: str = "ux",
    uy_key: str = "uy",
    vp0_key: str = "vp0",
    vs0_key: str = "vs0",
) -> Seismogram:
    """Kennett's free-surface transformation to (SH, SV, P): the slowness vector (s/km, east
    and north, along the propagation direction) from uvec or the metadata keys, the surface
    velocities (km/s) from vp0/vs0 or theirs. An apparent velocity below vp0 or vs0 kills."""
    _seismogram(d)
    ux, uy = (float(v) for v in uvec) if uvec is not None else (float(d[ux_key]), float(d[uy_key]))
    a0 = float(vp0) if vp0 is not None else float(d[vp0_key])
    b0 = float(vs0) if vs0 is not None else float(d[vs0_key])
    d.free_surface_transformation((ux, uy), a0, b0)
    return d


def _radians(value: float, units: str) -> float:
    return math.radians(value) if units == "degrees" else float(value)


@seismic_function(validate=_check_units)
def transform_to_RTZ(  # noqa: N802 - MsPASS's name
    d: Seismogram, key: str = "seaz", phi: float | None = None, angle_units: str = "degrees", key_is_backazimuth=True
) -> Seismogram:
    """To radial (away from the source), transverse (radial turned 90 degrees anticlockwise)
    and vertical: rotate_to_standard, then the horizontal axes turned by phi = 90 - (baz + 180)
    degrees with the back azimuth from `key` (set_Ptime's seaz), or by phi as given
    (anticlockwise). MsPASS's transverse is minus ObsPy's rotate_ne_rt's."""
    _seismogram(d)
    if phi is not None:
        angle = _radians(phi, angle_units)
    else:
        value = float(d[key])
        angle = math.radians(90.0 - (value + 180.0)) if key_is_backazimuth else math.radians(value)
    d.rotate_to_standard()
    d.rotate(angle)
    return d


# from the ray rotation's (T, Q, L) to (L, Q, T), keeping the system right handed
_TQL_TO_LQT = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0]])


@seismic_function(validate=_check_units)
def transform_to_LQT(  # noqa: N802 - MsPASS's name
    d: Seismogram,
    seaz_key: str = "seaz",
    ema_key: str = "ema",
    phi: float | None = None,
    theta: float | None = None,
    angle_units: str = "degrees",
) -> Seismogram:
    """To L (along the P ray), Q and T: rotate_to_standard, the ray rotation for the direction
    with phi = 90 - (baz - 180) degrees and theta = the emergence angle from vertical (from
    seaz_key and ema_key, or phi and theta as given), then (T, Q, L) reordered to (L, Q, -T).
    L is ObsPy's rotate_zne_lqt L; Q and T are minus ObsPy's. set_Ptime stores the emergence
    angle as `incidence_angle`: pass ema_key="incidence_angle"."""
    _seismogram(d)
    if phi is not None and theta is not None:
        phi_rad, theta_rad = _radians(phi, angle_units), _radians(theta, angle_units)
    else:
        phi_rad = math.radians(90.0 - (float(d[seaz_key]) - 180.0))
        theta_rad = math.radians(float(d[ema_key]))
    d.rotate_to_standard()
    d.rotate(SphericalCoordinate(1.0, theta_rad, phi_rad))
    d.transform(_TQL_TO_LQT)
    return d
