"""Every code block in README.md, docs/ and bench/README.md is checked, so the docs cannot drift.

The rules (docs/index.md, "Code blocks in these docs"): a block's info string is
its language and, optionally, one marker.

* ``python`` runs in a fresh interpreter from an empty directory and must exit 0;
  a ``text output`` block right after it is its exact output.
* ``sh`` / ``console`` run with bash (``$`` prompts stripped, output lines of a
  console block ignored) and must exit 0.
* ``json``, ``jsonl`` (one document a line), ``toml`` and ``yaml`` must parse.
* ``no-run`` (needs a server, installs packages, runs forever): python is
  compiled and shell checked with ``bash -n``, not run.
* ``text`` without ``output`` (diagrams, sample output with timings) is prose.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", ROOT / "bench" / "README.md", *(ROOT / "docs").glob("*.md")])
SHELLS = {"sh", "bash", "console", "shell"}
KNOWN = {"python", "text", "json", "jsonl", "toml", "yaml", *SHELLS}
MARKERS = {"", "no-run", "output"}
_FENCE = re.compile(r"^```(\S*)[ \t]*(\S*)[ \t]*$")


@dataclass(frozen=True, slots=True)
class Block:
    page: Path
    line: int
    lang: str
    marker: str
    code: str
    output: str | None = None

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}:{self.lang}"


def _blocks(page: Path) -> list[Block]:
    found: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if fence is None:
            i += 1
            continue
        start = i + 1
        end = next(j for j in range(start, len(lines)) if lines[j].startswith("```"))
        code = "\n".join(lines[start:end]) + "\n"
        lang, marker = fence.group(1), fence.group(2)
        if lang == "text" and marker == "output":
            previous = found[-1] if found else None
            assert previous is not None, f"{page}:{i + 1}: an output block follows no code"
            assert previous.lang == "python", f"{page}:{i + 1}: output of a {previous.lang} block"
            found[-1] = Block(
                previous.page, previous.line, previous.lang, previous.marker, previous.code, code
            )
        else:
            found.append(Block(page, i + 1, lang, marker, code))
        i = end + 1
    return found


BLOCKS = [b for page in PAGES for b in _blocks(page)]


def test_every_block_has_a_known_language_and_marker() -> None:
    """An unlabelled block or an unknown marker would escape the checks."""
    bad = [b.id for b in BLOCKS if b.lang not in KNOWN or b.marker not in MARKERS]
    assert bad == []


def _run(args: list[str], code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "PARTSAGENT_"))}
    return subprocess.run(
        args, input=code, capture_output=True, text=True, cwd=cwd, env=env, timeout=300
    )


def _commands(block: Block) -> str:
    if block.lang != "console":
        return block.code
    return "\n".join(line[2:] for line in block.code.splitlines() if line.startswith(("$ ", "  ")))


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.lang == "python"], ids=lambda b: b.id)
def test_python_blocks_run(block: Block, tmp_path: Path) -> None:
    """A python block runs and exits 0; its ``text output`` block is exactly what it prints."""
    compile(block.code, block.id, "exec")
    if block.marker == "no-run":
        return
    run = _run([sys.executable, "-"], block.code, tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    if block.output is not None:
        assert run.stdout.rstrip() == block.output.rstrip()


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.lang in SHELLS], ids=lambda b: b.id)
def test_shell_blocks_run(block: Block, tmp_path: Path) -> None:
    """A shell block runs with bash -e (or, marked no-run, at least parses)."""
    script = _commands(block)
    check = _run(["bash", "-n"], script, tmp_path)
    assert check.returncode == 0, check.stderr
    if block.marker == "no-run":
        return
    run = _run(["bash", "-e", "-o", "pipefail"], script, tmp_path)
    assert run.returncode == 0, (run.stdout[-1500:], run.stderr[-1500:])


@pytest.mark.parametrize(
    "block",
    [b for b in BLOCKS if b.lang in {"json", "jsonl", "toml", "yaml"}],
    ids=lambda b: b.id,
)
def test_data_blocks_parse(block: Block) -> None:
    """JSON, JSON lines, TOML and YAML blocks are valid documents."""
    if block.lang == "json":
        json.loads(block.code)
    elif block.lang == "jsonl":
        assert [json.loads(line) for line in block.code.splitlines() if line.strip()]
    elif block.lang == "toml":
        tomllib.loads(block.code)
    else:
        assert yaml.safe_load(block.code) is not None
