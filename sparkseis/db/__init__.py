"""MongoDB: connection (embedded server on demand), import, matchers, read and save."""

from sparkseis.db.client import Client, DatabaseConnectionError, redact_uri
from sparkseis.db.database import Database
from sparkseis.db.embedded import EmbeddedServer
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
