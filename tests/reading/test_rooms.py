"""House rules: small modules (the whole package), and every reading data file read one way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import partsagent
from partsagent._pricing import names
from partsagent._reading import taxonomy

READING = Path(partsagent.__file__).parent / "_reading"
MODULES = sorted(READING.glob("*.py"))
MAX_LINES = 600
#: Ways to parse a document other than ``_datafile.load_data`` (or ``parse_data``).
_OTHER_PARSERS = frozenset({"model_validate_json", "loads", "load", "read_bytes", "read_text"})


PACKAGE = sorted(Path(partsagent.__file__).parent.rglob("*.py"))


@pytest.mark.parametrize("path", PACKAGE, ids=[str(p.relative_to(READING.parent)) for p in PACKAGE])
def test_module_is_small(path: Path) -> None:
    """No module of the package is over 600 lines: split it by what it holds."""
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


@pytest.mark.parametrize("path", MODULES, ids=[p.name for p in MODULES])
def test_data_files_go_through_the_one_loader(path: Path) -> None:
    """A data file is read by ``load_data`` only: no module parses or reads one itself."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    assert not calls & _OTHER_PARSERS


def test_one_name_index() -> None:
    """Reading, the market's names and the data files' names ask one index for a category."""
    assert names.spec_of is taxonomy.spec_of
    assert taxonomy.spec_of("Hood") is taxonomy.spec_of("BONNET") is taxonomy.category("CAT003")
    assert taxonomy.spec_of("Front Bumper") is None  # a synonym is not a catalog name
