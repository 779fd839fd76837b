"""Connect to MongoDB: a URI given, the configured one, or the embedded server started on demand."""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import pymongo
from pymongo.errors import ConfigurationError, InvalidURI, OperationFailure, ServerSelectionTimeoutError

from sparkseis import config
from sparkseis.db.embedded import EmbeddedServer

log = logging.getLogger(__name__)

_CREDENTIALS = re.compile(r"(mongodb(?:\+srv)?://)([^@/]+)@")


class DatabaseConnectionError(ConnectionError):
    """The MongoDB server could not be reached or refused us; the message says what to try."""


def redact_uri(uri: str) -> str:
    """The URI with any user:password replaced by '***' (safe to print or log)."""
    return _CREDENTIALS.sub(r"\1***@", uri)


def resolve_uri(uri: str | None = None) -> tuple[str, EmbeddedServer | None]:
    """The URI to use and, when it is the embedded server, that server (started if needed)."""
    uri = uri or config.get("mongodb", "uri") or None
    if uri:
        return uri, None
    server = EmbeddedServer.from_config()
    if not server.accepting():
        server.start()
        # a server outliving this process is news to the user: say where it is and how to stop it
        print(f"sparkseis: started the embedded MongoDB server at {server.uri} (data in {server.data_dir}); "
              "`sparkseis db stop` stops it", file=sys.stderr)  # fmt: skip
    return server.uri, server


def connect(uri: str, timeout_s: float | None = None) -> pymongo.MongoClient:
    """A checked pymongo client for uri; a DatabaseConnectionError naming the host if unreachable."""
    timeout_ms = int(1000 * (timeout_s if timeout_s is not None else float(config.get("mongodb", "timeout_s", 5))))
    safe = redact_uri(uri)
    try:
        client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms, tz_aware=False)
        client.admin.command("ping")
    except (InvalidURI, ConfigurationError) as err:
        raise DatabaseConnectionError(f"invalid MongoDB URI {safe}: {err}") from None
    except ServerSelectionTimeoutError:
        raise DatabaseConnectionError(
            f"cannot reach a MongoDB server at {safe} within {timeout_ms / 1000:g} s. "
            "Check that it runs and the address is right; for the embedded server run "
            "`sparkseis db start`, or unset SPARKSEIS_MONGODB_URI to use it."
        ) from None
    except OperationFailure as err:
        raise DatabaseConnectionError(f"MongoDB at {safe} refused the connection: {err.details.get('errmsg', err)}") from None
    return client


class Client:
    """A MongoDB connection (MsPASS's DBClient): `Client().get_database("getting_started")`.

    uri: explicit URI, else SPARKSEIS_MONGODB_URI, else conf/sparkseis.toml, else the embedded
    server (started here if it is not running).
    """

    def __init__(self, uri: str | None = None, timeout_s: float | None = None):
        self.uri, self.embedded = resolve_uri(uri)
        self.mongo = connect(self.uri, timeout_s)
        log.info("connected to MongoDB at %s", redact_uri(self.uri))

    @classmethod
    def shared(cls, uri: str) -> Client:
        """A Client on this process's shared connection to uri (used inside Spark tasks)."""
        self = cls.__new__(cls)
        self.uri, self.embedded = uri, None
        self.mongo = shared_mongo_client(uri)
        return self

    def get_database(self, name: str) -> Database:
        return Database(self, name)

    def __getitem__(self, name: str) -> Database:
        return self.get_database(name)

    def close(self) -> None:
        if _SHARED.get(self.uri, (None, None))[1] is not self.mongo:
            self.mongo.close()

    def __repr__(self) -> str:
        return f"Client({redact_uri(self.uri)!r})"

    def __getstate__(self) -> Any:
        raise TypeError("a Client holds open connections and cannot be pickled; ship its .uri and reconnect")


_SHARED: dict[str, tuple[int, pymongo.MongoClient]] = {}


def shared_mongo_client(uri: str) -> pymongo.MongoClient:
    """One pymongo client per URI per process (Spark reuses Python workers across tasks).

    A client is not fork-safe, so a process that inherited one from its parent makes its own.
    """
    import os

    entry = _SHARED.get(uri)
    if entry is None or entry[0] != os.getpid():
        entry = (os.getpid(), connect(uri))
        _SHARED[uri] = entry
    return entry[1]


from sparkseis.db.database import Database  # noqa: E402  (Database needs Client defined first)
