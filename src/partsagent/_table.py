"""Plain-text tables for the CLI, the report command and the metrics summary."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

__all__ = ["render_table"]

_NUMBER = (int, float, Decimal)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value).replace("\n", " ")


def _is_number(value: object) -> bool:
    return isinstance(value, _NUMBER) and not isinstance(value, bool)


def render_table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], *, align: str | None = None
) -> str:
    """Render ``rows`` under ``headers`` as aligned columns, with a dashed rule under the header.

    ``align`` is one letter per column, ``l`` or ``r``; by default a column is
    right-aligned when every non-empty cell in it is a number, so amounts and
    counts line up on their last digit. ``None`` cells print empty; floats print
    with two decimals. Short rows are padded; no line has trailing spaces.
    """
    width = len(headers)
    if any(len(row) > width for row in rows):
        raise ValueError("a row has more cells than there are headers")
    if align is not None and (len(align) != width or set(align) - {"l", "r"}):
        raise ValueError(f"align needs one 'l' or 'r' per column ({width}), got {align!r}")
    padded = [list(row) + [None] * (width - len(row)) for row in rows]
    if align is None:
        align = "".join(
            "r"
            if any(row[i] is not None for row in padded)
            and all(row[i] is None or _is_number(row[i]) for row in padded)
            else "l"
            for i in range(width)
        )
    text = [[_cell(v) for v in row] for row in padded]
    widths = [max([len(h), *(len(row[i]) for row in text)]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            c.rjust(w) if a == "r" else c.ljust(w)
            for c, w, a in zip(cells, widths, align, strict=True)
        ]
        return "  ".join(parts).rstrip()

    out = [line(list(headers)), line(["-" * w for w in widths])]
    out.extend(line(row) for row in text)
    return "\n".join(out)
