"""argparse types for numbers: a bad value is argparse's one-line error and exit status 2."""

from __future__ import annotations

import argparse
import math

__all__ = ["count", "non_negative_float", "per_second", "port", "positive_int", "probability"]


def _int(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None


def positive_int(text: str) -> int:
    """A whole number, 1 or more."""
    value = _int(text, "a whole number")
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return value


def count(text: str) -> int:
    """A whole number, 0 or more."""
    value = _int(text, "a whole number")
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value


def non_negative_float(text: str) -> float:
    """A finite number, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number >= 0")
    return value


def port(text: str) -> int:
    """A TCP port, 0 (any free one) to 65535."""
    value = _int(text, "a port number")
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)")
    return value


def per_second(text: str) -> int:
    """A rate of requests, ``N/s`` or ``N``: a whole number, 1 or more, per second."""
    number = text[:-2] if text.endswith("/s") else text
    value = _int(number, "a rate like 20/s")
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1/s or more")
    return value


def probability(text: str) -> float:
    """A share of requests, 0 to 1."""
    value = non_negative_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be a share from 0 to 1")
    return value
