"""What ships with the package: the licence text and a changelog a user can read."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_installed_distribution_carries_the_mit_licence() -> None:
    """The wheel's metadata names MIT and ships the LICENSE text (pyproject alone did not)."""
    dist = importlib.metadata.distribution("partsagent")
    assert dist.metadata["License-Expression"] == "MIT"
    shipped = [f for f in dist.files or () if f.name == "LICENSE"]
    assert shipped, "LICENSE is not in the installed distribution"
    text = shipped[0].read_text()
    assert text.startswith("MIT License")
    assert "partsagent developers" in text
    assert text == (ROOT / "LICENSE").read_text()


def test_the_changelog_keeps_a_changelog() -> None:
    """CHANGELOG.md: an Unreleased section first, then only Keep a Changelog's kinds."""
    text = (ROOT / "CHANGELOG.md").read_text()
    versions = re.findall(r"^## \[(.+?)\]", text, flags=re.M)
    assert versions
    assert versions[0] == "Unreleased"
    kinds = set(re.findall(r"^### (\w+)", text, flags=re.M))
    assert kinds
    assert kinds <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
    assert "process_batch" in text
    assert "SyncPartsAgent" in text
