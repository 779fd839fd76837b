"""The one wrapper every processing function uses: dead data pass, failures of the datum kill
and log, failures of the code fail loudly."""

from __future__ import annotations

import functools
from collections.abc import Callable

from sparkseis.core.ensemble import _Ensemble
from sparkseis.core.errors import ArgumentError, ErrorSeverity, SeismicError
from sparkseis.core.seismic import BasicSeismic

# Exceptions that say the code or its call is wrong, not the datum: they propagate, so a Spark
# task (and the job) fails with the message instead of sending every datum to the cemetery.
PROGRAMMING_ERRORS = (
    TypeError,
    AttributeError,
    NameError,
    ImportError,
    NotImplementedError,
    AssertionError,
    RecursionError,
    MemoryError,
    ArgumentError,
)


def is_programming_error(err: BaseException) -> bool:
    """True for errors that must fail the run: PROGRAMMING_ERRORS and Fatal SeismicErrors."""
    if isinstance(err, SeismicError):
        return err.severity == ErrorSeverity.Fatal
    return isinstance(err, PROGRAMMING_ERRORS)


def seismic_function(validate: Callable[..., None] | None = None, name: str | None = None) -> Callable:
    """Decorate `func(d, *args, **kw)` so that it follows MsPASS's rules for data.

    - `validate(*args, **kw)` runs first on every call, live or dead; its ArgumentError is raised.
    - dead data are returned untouched; ensembles are processed member by member.
    - a failure of the datum (ValueError, KeyError, arithmetic, decode errors, a non-Fatal
      SeismicError...) kills it and logs "<Type>: <message>" as Invalid under the function's
      name (or `name`); the (dead) datum is returned.
    - a programming error (TypeError, AttributeError, NameError..., a Fatal SeismicError)
      propagates: the call is wrong for every datum, so the run must stop and say so.

    >>> import numpy as np
    >>> from sparkseis import TimeSeries
    >>> @seismic_function()
    ... def halve(d, at):
    ...     if at > d.npts:
    ...         raise ValueError(f"no sample {at}")
    ...     d.data = d.data[:at]
    ...     return d
    >>> d = halve(TimeSeries(np.zeros(4), 0.0, 1.0), 9)
    >>> d.live, d.elog[0].message
    (False, 'ValueError: no sample 9')
    """

    def wrap(func: Callable) -> Callable:
        algorithm = name or func.__name__

        def apply_one(d, args, kwargs):
            if d.dead():
                return d
            try:
                out = func(d, *args, **kwargs)
            except Exception as err:  # noqa: BLE001 - sorted below: kill the datum or fail the run
                if is_programming_error(err):
                    raise
                d.kill_with(algorithm, f"{type(err).__name__}: {err}")
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
