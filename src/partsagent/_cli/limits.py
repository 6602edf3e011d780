"""The input caps as the command line names them: ``--max-parts`` and ``--max-text-chars``.

PartsAgent checks the same caps the same way (``_input.check_size``) and names
its arguments (``max_damaged_parts``, ``max_text_chars``); the command line
checks first, so that its message names the option a user of the command can change.
"""

from __future__ import annotations

import argparse

from .._input import check_size

__all__ = ["check_limits"]


def check_limits(damage: object, args: argparse.Namespace) -> None:
    """InputError naming the option when ``damage`` is over a cap of the command line."""
    check_size(
        damage,
        max_text_chars=args.max_text_chars,
        max_parts=args.max_parts,
        names=("--max-text-chars", "--max-parts"),
    )
