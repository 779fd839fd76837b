"""sparkseis: MsPASS's seismic workflow on Apache Spark, with MongoDB for data and metadata.

The data objects (TimeSeries, Seismogram, ensembles, ErrorSeverity, ...) are re-exported
from sparkseis.core; Client and Database come from sparkseis.db on first use.
"""

from sparkseis.core import *  # noqa: F403 - the data objects are the package's front door
from sparkseis.core import __all__ as _core_names

__version__ = "0.1.0"


def __getattr__(name: str):
    # The database client pulls in pymongo; import it only when asked for.
    if name == "Client":
        from sparkseis.client import Client

        return Client
    if name == "Database":
        from sparkseis.db.database import Database

        return Database
    raise AttributeError(f"module 'sparkseis' has no attribute {name!r}")


__all__ = [*_core_names, "Client", "Database"]  # noqa: F405 - Client and Database come from __getattr__
