"""The one wrapper every processing function uses: dead data pass, exceptions kill and log."""

from __future__ import annotations

import functools
from collections.abc import Callable

from sparkseis.core.ensemble import _Ensemble
from sparkseis.core.errors import ArgumentError, ErrorSeverity
from sparkseis.core.seismic import BasicSeismic


def seismic_function(validate: Callable[..., None] | None = None, name: str | None = None) -> Callable:
    """Decorate `func(d, *args, **kw)` so that it follows MsPASS's rules for data.

    - `validate(*args, **kw)` runs first on every call, live or dead; its ArgumentError is raised.
    - dead data are returned untouched; ensembles are processed member by member.
    - any other exception kills the datum and logs "<Type>: <message>" as Fatal under the
      function's name (or `name`); the (dead) datum is returned.
    """

    def wrap(func: Callable) -> Callable:
        algorithm = name or func.__name__

        def apply_one(d, args, kwargs):
            if d.dead():
                return d
            try:
                out = func(d, *args, **kwargs)
            except ArgumentError:
                raise
            except Exception as err:  # noqa: BLE001 - every failure must become a logged kill
                d.kill()
                d.elog.log_error(algorithm, f"{type(err).__name__}: {err}", ErrorSeverity.Fatal)
                return d
            return d if out is None else out

        @functools.wraps(func)
        def wrapper(d, *args, **kwargs):
            if validate is not None:
                validate(*args, **kwargs)
            if isinstance(d, _Ensemble):
                if d.live:
                    d.member = [apply_one(m, args, kwargs) for m in d.member]
                return d
            if not isinstance(d, BasicSeismic):
                raise TypeError(f"{algorithm}: expected a TimeSeries, Seismogram or ensemble, got {type(d).__name__}")
            return apply_one(d, args, kwargs)

        wrapper.__wrapped__ = func
        return wrapper

    return wrap
