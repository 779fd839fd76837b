"""Three-component coordinate systems as MsPASS defines them: unit vectors from spherical
coordinates, a Seismogram's transformation matrix from its channels' orientations, and the
matrices of its rotations and of the free-surface transformation.

Standard coordinates are (x1, x2, x3) = (east, north, up). A transformation matrix A maps
standard coordinates to the datum's current ones, u_current = A @ u_standard; each row is the
direction of one current component in standard coordinates. Angles in radians unless a name
says degrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SphericalCoordinate:
    """A direction: theta from +x3 (up), phi anticlockwise from +x1 (east), radians."""

    radius: float = 1.0
    theta: float = 0.0
    phi: float = 0.0


def unit_vector(sc: SphericalCoordinate) -> np.ndarray:
    """(sin theta cos phi, sin theta sin phi, cos theta)."""
    return np.array([math.sin(sc.theta) * math.cos(sc.phi), math.sin(sc.theta) * math.sin(sc.phi), math.cos(sc.theta)])


def spherical(nu) -> SphericalCoordinate:
    """The direction of a vector (its length as radius)."""
    x, y, z = (float(v) for v in nu)
    r = math.sqrt(x * x + y * y + z * z)
    return SphericalCoordinate(r, math.acos(z / r), math.atan2(y, x))


def channel_direction(hang_deg: float, vang_deg: float) -> np.ndarray:
    """The direction a channel measures: hang, azimuth in degrees from north; vang, degrees
    from up (MsPASS's `channel_hang`, `channel_vang`): (sin h sin v, cos h sin v, cos v)."""
    return unit_vector(SphericalCoordinate(1.0, math.radians(vang_deg), math.radians(90.0 - hang_deg)))


def is_cardinal(a: np.ndarray) -> bool:
    """True when a is the identity to 4 decimals (MsPASS's test, truncating at 1e-4)."""
    truncated = np.trunc(np.asarray(a) * 10000.0)
    return bool(np.array_equal(truncated, np.eye(3) * 10000.0))


def is_orthogonal(a: np.ndarray, tolerance: float = 1e-9) -> bool:
    """True when a's rows are orthonormal within tolerance."""
    return bool(np.allclose(a @ a.T, np.eye(3), atol=tolerance, rtol=0.0))


def horizontal_rotation(phi: float) -> np.ndarray:
    """The axes turned anticlockwise by phi about x3 (seen from above): new x1 = (cos, sin, 0)."""
    c, s = math.cos(phi), math.sin(phi)
    return np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])


def ray_rotation(sc: SphericalCoordinate) -> np.ndarray:
    """From standard coordinates to those with x3 along sc, x1 horizontal (MsPASS's
    rotate(SphericalCoordinate)): for a P wave's direction, x1 transverse, x2 radial, x3
    longitudinal. Directions below the horizontal are first turned to point up."""
    theta, phi = sc.theta, sc.phi
    if theta == math.pi:  # straight down: only x3 turns over
        return np.diag([1.0, 1.0, -1.0])
    if theta < 0.0 or theta > math.pi:
        theta = -theta if theta < 0.0 else theta - math.pi
        phi = phi + math.pi
        if phi > math.pi:
            phi -= 2.0 * math.pi
    azimuth = math.pi / 2.0 - phi
    a, b, c, d = math.cos(azimuth), math.sin(azimuth), math.cos(theta), math.sin(theta)
    return np.array([[a, -b, 0.0], [b * c, a * c, -d], [b * d, a * d, c]])


def free_surface_matrix(slowness_s_per_km: float, vp0: float, vs0: float) -> np.ndarray:
    """Kennett's free-surface transformation in (transverse, radial, vertical) coordinates, as
    MsPASS writes it (not normalised): to (SH, SV, P) for a ray of horizontal slowness p
    (s/km) under a surface of P and S velocities vp0, vs0 (km/s). ValueError when the apparent
    velocity 1/p is below vp0 or vs0 (evanescent waves)."""
    p = float(slowness_s_per_km)
    if not 1.0 / p >= max(vp0, vs0):
        raise ValueError(
            f"free_surface_transformation: apparent velocity {1.0 / p:g} km/s is below the surface "
            f"P ({vp0:g}) or S ({vs0:g}) velocity: evanescent waves"
        )
    a2, b2, p2 = vp0 * vp0, vs0 * vs0, p * p
    qa, qb = math.sqrt(1.0 / a2 - p2), math.sqrt(1.0 / b2 - p2)
    vpz = -(1.0 - 2.0 * b2 * p2) / (2.0 * vp0 * qa)
    vpr = p * b2 / vp0
    vsr = (1.0 - 2.0 * b2 * p2) / (2.0 * vs0 * qb)
    vsz = p * vs0
    return np.array([[0.5, 0.0, 0.0], [0.0, vsr, vpr], [0.0, -vsz, -vpz]])
