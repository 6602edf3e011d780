"""The one prefix of every metric event name."""

from __future__ import annotations

from typing import Final

__all__ = ["PREFIX", "short_name"]

PREFIX: Final = "partsagent."


def short_name(name: str) -> str:
    """``partsagent.tool.x`` -> ``tool.x``; names without the prefix stay as they are."""
    return name[len(PREFIX) :] if name.startswith(PREFIX) else name
