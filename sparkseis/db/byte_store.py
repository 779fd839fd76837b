"""Byte ranges of waveform files wherever they are: local (or cluster) file systems and
S3-compatible object stores (`s3://bucket/key`), through one call.

Object stores are read with pyarrow.fs.S3FileSystem (the AWS C++ SDK, already a dependency of
sparkseis): credentials come from the AWS default chain (environment, config files, instance or
container roles), never from sparkseis' own settings or command lines; public buckets are read
anonymously; throttling and transient errors are retried with the SDK's standard exponential
backoff. Each process keeps one client per (anonymous, endpoint, region), so every Spark
executor process opens its own connections once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sparkseis.core.errors import SampleReadError

S3_SCHEME = "s3://"
# attempts per request, with exponential backoff between them (the SDK's standard strategy)
S3_ATTEMPTS = 8


@dataclass(frozen=True)
class S3Options:
    """How to reach an object store: anonymously (public buckets) or with the AWS default
    credential chain; endpoint for S3-compatible stores other than AWS (http://host:port)."""

    anonymous: bool = False
    endpoint: str | None = None
    region: str | None = None


_clients: dict[S3Options, object] = {}
_clients_lock = threading.Lock()
# objects kept open per process: opening one costs a HEAD request, each range a GET after that
OPEN_OBJECTS = 64
_open: OrderedDict[tuple[S3Options, str], object] = OrderedDict()


def is_object_store(location: str) -> bool:
    """True for an s3:// location."""
    return str(location).startswith(S3_SCHEME)


def join_location(folder: str, name: str) -> str:
    """A file's location from the `dir` and `dfile` of its document (a path or an s3:// URI)."""
    return f"{folder.rstrip('/')}/{name}" if is_object_store(folder) else str(Path(folder) / name)


def split_s3(uri: str) -> tuple[str, str]:
    """(bucket, key) of s3://bucket/key."""
    bucket, _, key = uri[len(S3_SCHEME) :].partition("/")
    return bucket, key


def s3_client(options: S3Options):
    """This process's pyarrow S3FileSystem for options (made once)."""
    with _clients_lock:
        client = _clients.get(options)
        if client is None:
            from pyarrow import fs

            kwargs = {"anonymous": options.anonymous, "retry_strategy": fs.AwsStandardS3RetryStrategy(S3_ATTEMPTS)}
            if options.endpoint:
                kwargs["endpoint_override"] = options.endpoint
                kwargs["scheme"] = "https" if options.endpoint.startswith("https") else "http"
            if options.region:  # else the SDK's own resolution (AWS_REGION, ~/.aws/config)
                kwargs["region"] = options.region
            client = _clients[options] = fs.S3FileSystem(**kwargs)
        return client


def _object(options: S3Options, location: str, fresh: bool = False):
    """An open handle of the object (this process keeps the last OPEN_OBJECTS open)."""
    key = (options, location)
    with _clients_lock:
        handle = None if fresh else _open.get(key)
        if handle is not None:
            _open.move_to_end(key)
            return handle
    handle = s3_client(options).open_input_file(location[len(S3_SCHEME) :])
    with _clients_lock:
        _open[key] = handle
        while len(_open) > OPEN_OBJECTS:
            _open.popitem(last=False)[1].close()
    return handle


def _read_object(location: str, offset: int, nbytes: int, options: S3Options) -> bytes:
    try:
        return _object(options, location).read_at(nbytes, offset)
    except OSError:  # a handle gone stale (a dropped connection, a replaced object): once more, anew
        return _object(options, location, fresh=True).read_at(nbytes, offset)


def read_range(location: str, offset: int, nbytes: int, options: S3Options | None = None) -> bytes:
    """nbytes bytes from offset of a local file or an s3:// object; SampleReadError naming the
    location if they cannot all be read."""
    try:
        if is_object_store(location):
            payload = _read_object(location, int(offset), int(nbytes), options or S3Options())
        else:
            with open(location, "rb") as f:
                f.seek(int(offset))
                payload = f.read(int(nbytes))
    except OSError as err:
        raise SampleReadError(f"cannot read {location}: {err.strerror or err}") from None
    if len(payload) != int(nbytes):
        raise SampleReadError(f"short read from {location}: {len(payload)} of {nbytes} bytes at offset {offset}")
    return payload


def read_whole(location: str, options: S3Options | None = None) -> bytes:
    """A whole local file or s3:// object."""
    if not is_object_store(location):
        return Path(location).read_bytes()
    with s3_client(options or S3Options()).open_input_stream(location[len(S3_SCHEME) :]) as f:
        return f.read()


def list_objects(prefix: str, options: S3Options | None = None) -> Iterator[tuple[str, int]]:
    """(s3:// URI, size in bytes) of every object below an s3://bucket/prefix, in key order;
    FileNotFoundError if the bucket or prefix holds nothing."""
    from pyarrow import fs

    path = prefix[len(S3_SCHEME) :].rstrip("/")
    client = s3_client(options or S3Options())
    try:
        infos = client.get_file_info(fs.FileSelector(path, recursive=True))
    except OSError as err:
        raise FileNotFoundError(f"cannot list {prefix}: {err}") from None
    files = sorted((i for i in infos if i.type == fs.FileType.File), key=lambda i: i.path)
    if not files:
        raise FileNotFoundError(f"no objects below {prefix}")
    for info in files:
        yield S3_SCHEME + info.path, int(info.size)
