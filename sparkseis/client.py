"""Connect to MongoDB: a URI given, the configured one, or the embedded server started on demand.

`Client` is a pymongo `MongoClient` (as MsPASS's DBClient is) whose databases are sparkseis
`Database` objects. It is an entry point: without a URI it reads the settings (conf/ and the
environment) once, and it carries them, so its databases save where the driver's settings
say. Both pickle to what reconnects on arrival: a Spark task that unpickles them gets this
worker process's one shared connection to the same URI, with the driver's settings.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from typing import Any

import pymongo
from pymongo.errors import ConfigurationError, InvalidURI, OperationFailure, ServerSelectionTimeoutError

from sparkseis import config
from sparkseis.config import Settings
from sparkseis.core.errors import DatabaseConnectionError
from sparkseis.db.database import Database
from sparkseis.servers import DatabaseServer

log = logging.getLogger(__name__)

# URI options whose values are secrets (matched case-insensitively on the option name)
_SECRET_OPTION = re.compile(r"(password|secret|token|authmechanismproperties)", re.IGNORECASE)


def redact_uri(uri: str) -> str:
    """The URI with its user:password and any secret-bearing options replaced by '***' (safe to
    print or log). The credentials end at the last '@' before the options, so a password holding
    '@' or '/' is masked whole.

    >>> redact_uri("mongodb://seis:secret@db.example.org:27017/?authSource=admin")
    'mongodb://***@db.example.org:27017/?authSource=admin'
    """
    m = re.match(r"^(mongodb(?:\+srv)?://)(.*)$", uri or "", re.DOTALL)
    if not m:
        return uri
    scheme, rest = m.groups()
    address, question, options = rest.partition("?")
    if "@" in address:
        address = "***@" + address.rpartition("@")[2]
    masked = []
    for opt in re.split(r"([&;])", options):
        key, eq, _value = opt.partition("=")
        masked.append(f"{key}=***" if eq and _SECRET_OPTION.search(key) else opt)
    return f"{scheme}{address}{question}{''.join(masked)}"


def resolve_uri(uri: str | None, settings: Settings) -> tuple[str, DatabaseServer | None]:
    """The URI to use and, when it is the embedded server, that server (started if needed)."""
    uri = uri or settings.mongodb_uri
    if uri:
        return uri, None
    server = settings.embedded()
    server.check_port()  # never write into someone else's server
    if not server.accepting():
        server.start()
        # a server outliving this process is news to the user: say where it is and how to stop it
        print(
            f"sparkseis: started the embedded MongoDB server at {server.uri} (data in {server.data_dir}); "
            "`sparkseis db stop` stops it",
            file=sys.stderr,
        )
    return server.uri, server


class Client(pymongo.MongoClient):
    """A MongoDB connection (MsPASS's DBClient): `Client().get_database("getting_started")`,
    `Client()["getting_started"]`, and everything a pymongo MongoClient does.

    host: a MongoDB URI, else SPARKSEIS_MONGODB_URI, else conf/sparkseis.toml, else the embedded
    server (started here if it is not running). The server is pinged within timeout_s
    (default from conf, 5 s); failure is one DatabaseConnectionError naming the host.
    settings: sparkseis' settings (default: read now); `client.settings` keeps them.

    For example (with a server running)::

        db = Client().get_database("getting_started")
        db.wf_miniseed.count_documents({})   # 45 after `sparkseis import data`
    """

    def __init__(
        self,
        host: str | None = None,
        *args: Any,
        uri: str | None = None,
        timeout_s: float | None = None,
        settings: Settings | None = None,
        **kwargs: Any,
    ):
        settings = settings if settings is not None else config.settings()
        self._sparkseis_settings = settings  # set before anything can fail (see below)
        resolved, embedded = resolve_uri(host or uri, settings)
        timeout_ms = int(1000 * (timeout_s if timeout_s is not None else settings.mongodb_timeout_s))
        kwargs.setdefault("serverSelectionTimeoutMS", timeout_ms)
        kwargs.setdefault("connectTimeoutMS", timeout_ms)
        kwargs.setdefault("tz_aware", False)
        # set before anything can fail: MongoClient answers unknown attributes with databases
        self._sparkseis_uri, self._embedded = resolved, embedded
        safe = redact_uri(resolved)
        try:
            super().__init__(resolved, *args, **kwargs)
        except (InvalidURI, ConfigurationError, ValueError) as err:
            raise DatabaseConnectionError(f"invalid MongoDB URI {safe}: {redact_uri(str(err))}") from None
        try:
            self.admin.command("ping")
        except ServerSelectionTimeoutError:
            super().close()
            raise DatabaseConnectionError(
                f"cannot reach a MongoDB server at {safe} within {timeout_ms / 1000:g} s. "
                "Check that it runs and the address is right; for the embedded server run "
                "`sparkseis db start`, or unset SPARKSEIS_MONGODB_URI to use it."
            ) from None
        except OperationFailure as err:
            super().close()
            raise DatabaseConnectionError(
                f"MongoDB at {safe} refused the connection: {err.details.get('errmsg', err)}"
            ) from None
        log.info("connected to MongoDB at %s", safe)

    @property
    def uri(self) -> str:
        """The URI connected to (holds credentials: print redact_uri(client.uri), never this)."""
        return self._sparkseis_uri

    @property
    def settings(self) -> Settings:
        """The settings this client was made with (travels with it to Spark tasks)."""
        return self._sparkseis_settings

    @property
    def embedded(self) -> DatabaseServer | None:
        """The embedded server this client started or found, when it uses one."""
        return self._embedded

    def get_database(self, name: str | None = None, *args: Any, **kwargs: Any) -> Database:
        """The sparkseis Database called name (default: the one named in the URI)."""
        if name is None:
            name = super().get_database().name
        return Database(self, name, *args, **kwargs)

    def __getitem__(self, name: str) -> Database:
        return Database(self, name)

    def close(self) -> None:
        """Close the connection; the connection a worker process shares stays open."""
        if _SHARED.get((self.uri, self.settings), (None, None))[1] is not self:
            super().close()

    def __repr__(self) -> str:
        return f"Client({redact_uri(self.uri)!r})"

    def __reduce__(self):
        return shared_client, (self.uri, self.settings)


_SHARED: dict[tuple[str, Settings], tuple[int, Client]] = {}


def shared_client(uri: str, settings: Settings | None = None) -> Client:
    """This process's one Client for uri with these settings (Spark reuses Python workers across
    tasks; settings None: the defaults, never this process's conf/ or environment).

    A client is not fork-safe, so a process that inherited one from its parent makes its own.
    """
    settings = settings if settings is not None else Settings()
    entry = _SHARED.get((uri, settings))
    if entry is None or entry[0] != os.getpid():
        entry = (os.getpid(), Client(uri, settings=settings))
        _SHARED[(uri, settings)] = entry
    return entry[1]
