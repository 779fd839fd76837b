"""A dict-like header whose missing keys raise a clear error."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sparkseis.core.errors import MetadataKeyError


class Metadata:
    """Named attributes of a datum or ensemble (`d["sta"]`, `d.is_defined("sta")`)."""

    __slots__ = ("_md",)

    def __init__(self, values: dict | None = None):
        self._md: dict[str, Any] = dict(values) if values else {}

    def __getitem__(self, key: str) -> Any:
        try:
            return self._md[key]
        except KeyError:
            raise MetadataKeyError(f"metadata key '{key}' is not defined") from None

    def __setitem__(self, key: str, value: Any) -> None:
        self._md[key] = value

    def __delitem__(self, key: str) -> None:
        self.erase(key)

    def __contains__(self, key: object) -> bool:
        return key in self._md

    def is_defined(self, key: str) -> bool:
        return key in self._md

    def get(self, key: str, default: Any = None) -> Any:
        return self._md.get(key, default)

    def erase(self, key: str) -> None:
        """Remove `key` if present (no error if it is not)."""
        self._md.pop(key, None)

    def keys(self) -> Iterable[str]:
        return self._md.keys()

    def items(self) -> Iterable[tuple[str, Any]]:
        return self._md.items()

    def update(self, values: dict | Metadata) -> None:
        self._md.update(values._md if isinstance(values, Metadata) else values)

    def todict(self) -> dict[str, Any]:
        """A shallow copy of the header as a plain dict."""
        return dict(self._md)

    def __iter__(self) -> Iterator[str]:
        return iter(self._md)
