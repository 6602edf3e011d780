"""LocalBucket: a catalog bucket in a local directory."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TypeVar

import anyio

from .._exceptions import CatalogError, CatalogFormatError, InputError, NotFound
from .source import BucketReader

__all__ = ["LocalBucket"]

T = TypeVar("T")

DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024


class LocalBucket(BucketReader):
    """Reads a directory in the contract layout; file reads run in a worker thread.

    The event loop never blocks on disk: each read is one ``anyio.to_thread``
    hop, which costs tens of microseconds against the milliseconds a remote
    catalog costs.
    """

    def __init__(self, path: str | Path, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.root = Path(path).resolve()
        if not self.root.is_dir():
            raise InputError(
                f"catalog directory {str(path)!r} does not exist; pass a bucket directory"
            )
        self.name = str(self.root)
        self.max_body_bytes = max_body_bytes

    def __repr__(self) -> str:
        return f"LocalBucket({str(self.root)!r})"

    def _read(self, rel: str) -> bytes:
        # rel is built from checked ids only; resolving guards against symlinks out of the bucket.
        full = (self.root / rel).resolve()
        if not full.is_relative_to(self.root):
            raise NotFound(rel, "outside the bucket")
        try:
            # O_NONBLOCK: opening a FIFO planted in the bucket must not block the thread
            # (a thread blocked for ever also keeps the interpreter from exiting).
            fd = os.open(full, os.O_RDONLY | os.O_NONBLOCK)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise NotFound(rel) from None
        except OSError as exc:
            raise CatalogError(rel, f"cannot read file: {exc.strerror}") from exc
        with os.fdopen(fd, "rb") as fh:
            mode = os.fstat(fd).st_mode
            if stat.S_ISDIR(mode):
                raise NotFound(rel)
            if not stat.S_ISREG(mode):
                raise CatalogFormatError(rel, "not a regular file (a FIFO, device or socket)")
            try:
                data = fh.read(self.max_body_bytes + 1)
            except OSError as exc:
                raise CatalogError(rel, f"cannot read file: {exc.strerror}") from exc
        if len(data) > self.max_body_bytes:
            raise CatalogFormatError(rel, f"larger than the {self.max_body_bytes}-byte cap")
        return data

    async def read(self, rel: str) -> bytes:
        self._check_open()
        return await anyio.to_thread.run_sync(self._read, rel)
