"""A dict-like header whose missing keys raise a clear error."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sparkseis.core.errors import MetadataKeyError


class Metadata:
    """Named attributes of a datum or ensemble (`d["sta"]`, `d.is_defined("sta")`).

    >>> md = Metadata({"sta": "AB"})
    >>> md.put("chan", "BHZ")
    >>> md.is_defined("chan"), md.get("net", "none"), sorted(md.keys())
    (True, 'none', ['chan', 'sta'])

    A subclass may serve some keys from its own attributes instead of storing them
    (`_served`: key -> (getter, setter)), so that such a key can never disagree with the object.
    """

    __slots__ = ("_md",)
    _served: dict[str, tuple[Callable[[Any], Any], Callable[[Any, Any], None]]] = {}

    def __init__(self, values: dict | Metadata | None = None):
        if isinstance(values, Metadata):
            values = values.todict()
        self._md: dict[str, Any] = {k: v for k, v in values.items() if k not in self._served} if values else {}

    def __getitem__(self, key: str) -> Any:
        served = self._served.get(key)
        if served is not None:
            return served[0](self)
        try:
            return self._md[key]
        except KeyError:
            raise MetadataKeyError(f"metadata key '{key}' is not defined") from None

    def __setitem__(self, key: str, value: Any) -> None:
        served = self._served.get(key)
        if served is not None:
            served[1](self, value)
        else:
            self._md[key] = value

    def __delitem__(self, key: str) -> None:
        self.erase(key)

    def __contains__(self, key: object) -> bool:
        return key in self._md or key in self._served

    def is_defined(self, key: str) -> bool:
        return key in self

    def get(self, key: str, default: Any = None) -> Any:
        """The value of key, or default when it is not defined."""
        return self[key] if key in self else default

    def put(self, key: str, value: Any) -> None:
        """Set key to value (MsPASS's spelling of d[key] = value)."""
        self[key] = value

    # MsPASS's typed accessors: the value converted, a missing key an error
    def put_double(self, key: str, value: float) -> None:
        self[key] = float(value)

    def put_long(self, key: str, value: int) -> None:
        self[key] = int(value)

    def put_string(self, key: str, value: str) -> None:
        self[key] = str(value)

    def put_bool(self, key: str, value: bool) -> None:
        self[key] = bool(value)

    put_int = put_long

    def get_double(self, key: str) -> float:
        return float(self[key])

    def get_long(self, key: str) -> int:
        return int(self[key])

    def get_string(self, key: str) -> str:
        return str(self[key])

    def get_bool(self, key: str) -> bool:
        return bool(self[key])

    get_int = get_long

    def change_key(self, old: str, new: str) -> None:
        """Rename key old to new (nothing happens when old is not defined)."""
        if old in self._md:
            self[new] = self._md.pop(old)

    def erase(self, key: str) -> None:
        """Remove `key` if present (no error if it is not); keys served by the object stay."""
        self._md.pop(key, None)

    def keys(self) -> Iterable[str]:
        return list(self._md) + [k for k in self._served if k not in self._md]

    def items(self) -> Iterable[tuple[str, Any]]:
        return [(k, self[k]) for k in self.keys()]

    def update(self, values: dict | Metadata) -> None:
        for k, v in (values.todict() if isinstance(values, Metadata) else values).items():
            self[k] = v

    def todict(self) -> dict[str, Any]:
        """A shallow copy of the header as a plain dict (served keys included)."""
        return dict(self.items()) if self._served else dict(self._md)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())
