"""The one way a data file a body shop can edit is read: a frozen base and one loader.

Policy, labour times, rates, adjacency, evidence, included operations, build
cues and the secondary-part rules are JSON files shipped beside the code, each
replaceable by a file of the user's own. They all go through ``load_data``, so
they fail the same way: a broken file of the user's is an ``InputError`` naming
the file and the first bad field, a broken packaged file is our bug
(``UsageError``), and each packaged file is parsed once per process.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, ClassVar, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ._exceptions import InputError, UsageError

__all__ = ["EQUIPMENT", "DataFile", "DataId", "check_equipment", "load_data", "parse_data"]

M = TypeVar("M", bound=BaseModel)


class DataFile(BaseModel):
    """The base of every data file and entry: frozen, shared by every report, strict."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, defer_build=True)

    file_kind: ClassVar[str | None] = None
    """What errors call a file of this model ("a valid markets file"); default: its class name."""

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy that works out its cached values (``functools.cached_property``: patterns,
        indexes, kept answers) from its own fields: pydantic copies them along, so a copy
        with other words would answer with the original's."""
        copied = super().model_copy(update=update, deep=deep)
        for name in copied.__dict__.keys() - type(self).model_fields.keys():
            del copied.__dict__[name]
        return copied


def parse_data(model: type[M], text: str | bytes, where: str) -> M:
    """``text`` validated as ``model``; InputError naming ``where`` and the first bad field."""
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        at = ".".join(str(p) for p in err["loc"]) or "the document"
        problem = f"{at}: {err['msg']}"
        kind = getattr(model, "file_kind", None) or model.__name__
        raise InputError(f"{where} is not a valid {kind} file: {problem}") from None


@functools.cache
def _packaged(model: type[BaseModel], name: str) -> BaseModel:
    package = model.__module__.rpartition(".")[0]
    text = resources.files(package).joinpath(name).read_bytes()
    try:
        return parse_data(model, text, f"{package.replace('.', '/')}/{name}")
    except InputError as exc:  # a packaged file is ours: a broken one is a bug, not bad input
        raise UsageError(str(exc)) from None


def load_data(model: type[M], packaged: str, path: str | Path | None = None) -> M:
    """Your file at ``path``, or the file ``packaged`` shipped beside ``model``'s module.

    The packaged file is parsed once per process and the same frozen value is
    returned to every caller.
    """
    if path is None:
        found = _packaged(model, packaged)
        assert isinstance(found, model)
        return found
    try:
        text = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {str(path)!r}: {exc.strerror}") from None
    return parse_data(model, text, str(path))


DataId = Annotated[str, Field(pattern=r"^[a-z0-9-]{1,64}$")]
"""The id of a data entry: what an operation's ``rule`` names."""

EQUIPMENT = (
    "front_parking_sensors",
    "front_radar",
    "rear_parking_sensors",
    "rear_radar",
    "surround_camera",
    "windscreen_camera",
)
"""The fitted equipment the data files may name (docs/catalog-format.md, "Variant equipment")."""


def check_equipment(entry: str, names: Iterable[str | None]) -> None:
    """Refuse equipment nobody knows: a typo would silently switch ``entry`` off for good."""
    unknown = sorted({n for n in names if n is not None} - set(EQUIPMENT))
    if unknown:
        raise ValueError(
            f"{entry} names unknown equipment {', '.join(map(repr, unknown))}; "
            f"the known equipment is {', '.join(EQUIPMENT)}"
        )
