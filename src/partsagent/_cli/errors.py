"""An error as data: the JSON object of ``--json`` errors and of a batch's error lines."""

from __future__ import annotations

from typing import Any

from .._exceptions import UnresolvedVehicle

__all__ = ["error_object"]


def error_object(exc: BaseException) -> dict[str, Any]:
    """``{"error": {"type", "message"}}``, with ``candidates`` (best first) when unsettled.

    The candidates are the ones ``UnresolvedVehicle.candidates`` holds, as the
    example app's HTTP 422 body has them: a program retries with one of them.
    """
    error: dict[str, Any] = {"type": type(exc).__name__, "message": str(exc)}
    if isinstance(exc, UnresolvedVehicle):
        error["candidates"] = [c.as_dict() for c in exc.candidates]
    return {"error": error}
