"""ator/rtoa: switch a datum between UTC and relative time."""

from __future__ import annotations

from sparkseis.core.decorator import seismic_function
from sparkseis.core.seismic import BasicSeismic


@seismic_function()
def ator(d: BasicSeismic, tshift: float | str) -> BasicSeismic:
    """Make the datum's time relative to tshift (MsPASS's ator): t0 -= tshift, the shift is kept.

    Parameters
    ----------
    d : TimeSeries or Seismogram
        Dead or already relative data are returned untouched (shifts never stack).
    tshift : float or str
        Epoch time (s) that becomes time 0, or the metadata key holding it (e.g. "Ptime").

    Returns
    -------
    The same datum, in relative time; `rtoa` undoes it.

    Examples
    --------
    >>> import numpy as np
    >>> from sparkseis import TimeSeries
    >>> d = ator(TimeSeries(np.zeros(5), 1000.0, 0.5), 1002.0)
    >>> d.t0, d.time_is_relative(), d.t0shift
    (-2.0, True, 1002.0)
    """
    d.ator(d[tshift] if isinstance(tshift, str) else tshift)
    return d


@seismic_function()
def rtoa(d: BasicSeismic) -> BasicSeismic:
    """Restore UTC time from the shift ator stored (MsPASS's rtoa); kills a datum that has none.

    Examples
    --------
    >>> import numpy as np
    >>> from sparkseis import TimeSeries
    >>> d = rtoa(ator(TimeSeries(np.zeros(5), 1000.0, 0.5), 1002.0))
    >>> d.t0, d.time_is_UTC()
    (1000.0, True)
    """
    d.rtoa()
    return d
