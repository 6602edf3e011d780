"""open_catalog: a catalog spec (None, a directory, a URL or a source) -> a CatalogSource.

It lives apart from ``source`` so that the sources import their base without a
circle: this module is the one that knows every concrete source.
"""

from __future__ import annotations

from pathlib import Path

from .._exceptions import InputError
from .._urls import redact_url
from .http import HttpBucket
from .local import LocalBucket
from .source import CatalogSource

__all__ = ["open_catalog", "sample_catalog_path"]


def sample_catalog_path() -> Path:
    """The embedded sample bucket that ships inside the package."""
    return Path(__file__).parent.parent / "sample_catalog"


def open_catalog(spec: str | Path | CatalogSource | None = None) -> CatalogSource:
    """A source for ``spec``: None (the embedded sample), a directory, or an http(s) base URL."""
    if spec is None:
        return LocalBucket(sample_catalog_path())
    if isinstance(spec, CatalogSource):
        return spec
    text = str(spec)
    if text.startswith(("http://", "https://")):
        return HttpBucket(text)
    if "://" in text:
        raise InputError(
            f"catalog {redact_url(text)!r} is neither a directory nor an http(s):// URL"
        )
    return LocalBucket(Path(text))
