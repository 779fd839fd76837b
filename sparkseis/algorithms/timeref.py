"""ator/rtoa: switch a datum between UTC and relative time."""

from __future__ import annotations

from sparkseis.core.decorator import seismic_function
from sparkseis.core.seismic import BasicSeismic


@seismic_function()
def ator(d: BasicSeismic, tshift: float | str) -> BasicSeismic:
    """Make time relative to tshift: epoch seconds, or the name of a metadata key holding them."""
    d.ator(d[tshift] if isinstance(tshift, str) else tshift)
    return d


@seismic_function()
def rtoa(d: BasicSeismic) -> BasicSeismic:
    """Restore UTC time from the shift ator stored; kills a datum that has none."""
    d.rtoa()
    return d
