"""Where Client lived before it moved to sparkseis.client (kept so that scripts written against
the old path, such as ../shared/peer's, keep working)."""

from sparkseis.client import Client, redact_uri, shared_client

__all__ = ["Client", "redact_uri", "shared_client"]
