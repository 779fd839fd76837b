"""MongoDB: connection (embedded server on demand), import, matchers, read and save."""

from sparkseis.core.errors import DatabaseConnectionError
from sparkseis.db.database import Database
from sparkseis.db.normalize import (
    EqualityMatcher,
    Matcher,
    MiniseedDBMatcher,
    MiniseedMatcher,
    ObjectIdDBMatcher,
    ObjectIdMatcher,
    OriginTimeMatcher,
    normalize,
)


def __getattr__(name: str):
    # Client (an entry point: it reads the settings), the URI helper and the embedded server live
    # outside the db layer; they are offered here, where MsPASS users look for them
    if name in ("Client", "redact_uri"):
        from sparkseis import client

        return getattr(client, name)
    if name == "EmbeddedServer":
        from sparkseis.servers import EmbeddedServer

        return EmbeddedServer
    raise AttributeError(f"module 'sparkseis.db' has no attribute {name!r}")


__all__ = [
    "Client",
    "Database",
    "DatabaseConnectionError",
    "EmbeddedServer",
    "EqualityMatcher",
    "Matcher",
    "MiniseedDBMatcher",
    "MiniseedMatcher",
    "ObjectIdDBMatcher",
    "ObjectIdMatcher",
    "OriginTimeMatcher",
    "normalize",
    "redact_uri",
]
