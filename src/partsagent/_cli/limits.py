"""The input caps as the command line names them: ``--max-parts`` and ``--max-text-chars``.

PartsAgent checks the same caps and names its arguments (``max_damaged_parts``,
``max_text_chars``); the command line checks first, so that its message names
the option a user of the command can change.
"""

from __future__ import annotations

import argparse

from .._exceptions import InputError

__all__ = ["check_limits"]


def check_limits(damage: object, args: argparse.Namespace) -> None:
    """InputError naming the option when ``damage`` is over a cap of the command line."""
    if isinstance(damage, str) and len(damage) > args.max_text_chars:
        raise InputError(
            f"the damage description has {len(damage)} characters, over the limit of "
            f"{args.max_text_chars} (--max-text-chars); shorten it or raise the limit"
        )
    if isinstance(damage, list) and len(damage) > args.max_parts:
        raise InputError(
            f"{len(damage)} damaged parts in one report, over the limit of {args.max_parts} "
            "(--max-parts); split the report or raise the limit"
        )
