"""Every code block in README.md, docs/ and bench/README.md is checked, so the docs cannot drift.

Sybil finds the fenced blocks (with their line numbers, in lists and quotes too) and
hands each to its evaluator; the evaluators below run them, and compare what a command
prints with the output the page shows, with doctest's output checker (``...`` stands for
the parts that vary). The rules, for writers, are docs/index.md's "Code blocks in these
docs":

* ``python`` runs in a fresh interpreter in a temporary directory and must exit 0;
  a ``text output`` block right after it is its output.
* ``python pytest`` is a test module: pytest runs it with the page's
  ``[tool.pytest.ini_options]`` block and every ``test_`` function must pass.
* ``console`` is ``$ command`` lines, each followed by its output (standard output and
  error): both are checked. ``sh`` runs with bash -e and must exit 0.
* ``json``, ``jsonl`` (one document a line), ``toml`` and ``yaml`` must parse; one
  marked with a file name (``jsonl reports.jsonl``) is also that file in the directory
  where the page's blocks run.
* ``no-run`` (needs a server, installs packages, runs forever): python is compiled and
  shell checked with ``bash -n``, not run.
* ``text`` is prose (a diagram, a synopsis, output that cannot be produced here).

Every block runs in its own temporary directory, and a block that runs may not name
``/tmp``: no example writes outside its directory, so two runs never collide and a
reader's files are never touched.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import doctest
import importlib
import inspect
import io
import itertools
import json
import os
import re
import shlex
import subprocess
import sys
import time
import tomllib
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from sybil import Document, Example, Region, Sybil
from sybil.evaluators.doctest import OutputChecker
from sybil.parsers.markdown.lexers import RawFencedCodeBlockLexer

import partsagent
from partsagent._cli.main import main as cli_main

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", ROOT / "bench" / "README.md", *(ROOT / "docs").glob("*.md")])
SHELLS = {"sh", "console"}
DATA = {"json", "jsonl", "toml", "yaml"}
MARKERS = {
    "python": {"", "no-run", "pytest"},
    "sh": {"", "no-run"},
    "console": {"", "no-run"},
    "text": {"", "output"},
    **{lang: {""} for lang in DATA},
}
TIMEOUT_S = 300
_INFO = re.compile(r"(?P<lang>[^\s`]*)(?:[ \t]+(?P<marker>\S+))?[ \t]*$\n", re.MULTILINE)
_FILE_NAME = re.compile(r"[\w-]+\.\w+")
_TEST_FUNCTION = re.compile(r"^(?:async )?def (test_\w+)", re.MULTILINE)
_CHECKER = OutputChecker()
_FLAGS = doctest.ELLIPSIS | doctest.REPORT_UDIFF


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

    @property
    def runs(self) -> bool:
        return self.lang in {"python", *SHELLS} and self.marker != "no-run"


def _parse_blocks(document: Document) -> Iterable[Region]:
    """One region per block; a ``text output`` block joins the python block before it."""
    lexed = list(RawFencedCodeBlockLexer(info_pattern=_INFO)(document))
    page = Path(document.path)
    regions: list[Region] = []
    for region in lexed:
        lang, marker = region.lexemes["lang"], region.lexemes["marker"] or ""
        line = document.text.count("\n", 0, region.start) + 1
        block = Block(page, line, lang, marker, str(region.lexemes["source"]))
        if (lang, marker) == ("text", "output"):
            previous = regions[-1].parsed if regions else None
            assert previous is not None, f"{block.id}: an output block follows no code"
            assert previous.lang == "python", f"{block.id}: output of a {previous.lang} block"
            joined = dataclasses.replace(previous, output=block.code)
            regions[-1] = Region(regions[-1].start, region.end, joined, _evaluate)
        else:
            regions.append(Region(region.start, region.end, block, _evaluate))
    return regions


def _evaluate(example: Example) -> str | None:
    block: Block = example.parsed
    tmp: Path = example.namespace["tmp_path"]
    if block.runs:
        # A data block named as a file (```jsonl reports.jsonl) is there for the page's commands.
        for data in BLOCKS:
            if data.page == block.page and data.lang in DATA and data.marker:
                (tmp / data.marker).write_text(data.code, encoding="utf-8")
    return EVALUATORS[block.lang](block, tmp)


def _env(tmp: Path) -> dict[str, str]:
    """The caller's environment without its catalog, model, key or pytest settings; temp in tmp."""
    ours = ("OPENAI_", "PARTSAGENT_", "PYTEST_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    # The interpreter's scripts first: `partsagent` and `python` are this environment's,
    # even when pytest runs without the virtualenv activated.
    path = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return {**env, "PATH": path, "TMPDIR": str(tmp), "NO_COLOR": "1", "COLUMNS": "120"}


def _run(args: list[str], code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        input=code,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_env(cwd),
        timeout=TIMEOUT_S,
        check=False,
    )


def _differs(want: str, got: str) -> str | None:
    """None when ``got`` is ``want`` (``...`` matching anything), else a diff to read."""
    want, got = want.rstrip() + "\n", got.rstrip() + "\n"
    if _CHECKER.check_output(want, got, _FLAGS):
        return None
    return _CHECKER.output_difference(doctest.Example("", want), got, _FLAGS)


def _python(block: Block, tmp: Path) -> str | None:
    compile(block.code, block.id, "exec")
    if block.marker == "no-run":
        return None
    if block.marker == "pytest":
        return _pytest(block, tmp)
    run = _run([sys.executable, "-"], block.code, tmp)
    if run.returncode != 0:
        return f"exit {run.returncode}\n{run.stderr[-3000:]}"
    if block.output is not None:
        return _differs(block.output, run.stdout)
    return None


def _pytest(block: Block, tmp: Path) -> str | None:
    """Run the block as a test module, with the pytest settings the same page recommends."""
    settings = [b.code for b in BLOCKS if b.page == block.page and "[tool.pytest" in b.code]
    assert settings, f"{block.id}: the page shows no [tool.pytest.ini_options] to run it with"
    (tmp / "pyproject.toml").write_text(settings[0], encoding="utf-8")
    (tmp / "test_example.py").write_text(block.code, encoding="utf-8")
    report = tmp / "report.xml"
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}"]
    run = _run(args, "", tmp)
    if run.returncode != 0:
        return run.stdout[-4000:]
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None
    counts = {k: int(suite.get(k, "0")) for k in ("tests", "failures", "errors", "skipped")}
    expected = {
        "tests": len(_TEST_FUNCTION.findall(block.code)),
        "failures": 0,
        "errors": 0,
        "skipped": 0,
    }
    return None if counts == expected else f"ran {counts}, expected {expected}"


def _commands(code: str) -> list[tuple[str, str]]:
    """A console block's ``$ command`` lines (continued while incomplete) and their outputs."""
    pairs: list[tuple[str, str]] = []
    lines = code.splitlines()
    i = 0
    while i < len(lines):
        assert lines[i].startswith("$ "), f"console line {i + 1} is neither a command nor output"
        command = lines[i][2:]
        i += 1
        while i < len(lines) and not _complete(command):
            command += "\n" + lines[i]
            i += 1
        output: list[str] = []
        while i < len(lines) and not lines[i].startswith("$ "):
            output.append(lines[i])
            i += 1
        pairs.append((command, "\n".join(output)))
    return pairs


def _complete(command: str) -> bool:
    if command.endswith("\\"):
        return False
    try:
        shlex.split(command, comments=True)
    except ValueError:  # an open quote
        return False
    return True


def _shell(block: Block, tmp: Path) -> str | None:
    pairs = _commands(block.code) if block.lang == "console" else [(block.code, "")]
    script = "\n".join(command for command, _ in pairs)
    check = _run(["bash", "-n"], script, tmp)
    if check.returncode != 0:
        return check.stderr
    if block.marker == "no-run":
        return None
    # One shell runs every command in turn (a `cd` or a variable carries over); a line
    # of its own after each tells where its output ends.
    end = f"--- end of command {uuid.uuid4().hex} ---"
    joined = "".join(f"{command}\nprintf '\\n%s\\n' '{end}'\n" for command, _ in pairs)
    run = _run(["bash", "-e", "-o", "pipefail", "-c", f"exec 2>&1\n{joined}"], "", tmp)
    outputs = run.stdout.split(f"\n{end}\n")
    if run.returncode != 0:
        failed = pairs[len(outputs) - 1][0]
        return f"exit {run.returncode} from {failed!r}:\n{outputs[-1][-3000:]}"
    if block.lang == "sh":
        return None
    diffs = [
        f"$ {command}\n{diff}"
        for (command, want), got in zip(pairs, outputs, strict=False)
        if (diff := _differs(want, got)) is not None
    ]
    return "\n".join(diffs) or None


def _data(block: Block, tmp: Path) -> str | None:
    if block.lang == "json":
        json.loads(block.code)
    elif block.lang == "jsonl":
        assert [json.loads(line) for line in block.code.splitlines() if line.strip()]
    elif block.lang == "toml":
        tomllib.loads(block.code)
    else:
        assert yaml.safe_load(block.code) is not None
    return None


EVALUATORS: dict[str, Callable[[Block, Path], str | None]] = {
    "python": _python,
    "sh": _shell,
    "console": _shell,
    "text": lambda block, tmp: None,
    **dict.fromkeys(DATA, _data),
}


SYBIL = Sybil(parsers=[_parse_blocks])
EXAMPLES: list[Example] = [ex for page in PAGES for ex in SYBIL.parse(page).examples()]
BLOCKS: list[Block] = [ex.parsed for ex in EXAMPLES]


def test_every_block_has_a_known_language_and_marker() -> None:
    """An unlabelled block or an unknown marker would escape the checks."""
    bad = [
        b.id
        for b in BLOCKS
        if b.marker not in MARKERS.get(b.lang, set())
        and not (b.lang in DATA and _FILE_NAME.fullmatch(b.marker))
    ]
    assert bad == []


def test_tests_shown_in_the_docs_are_run() -> None:
    """A python block that defines test functions is marked ``pytest``, so they run."""
    bad = [
        b.id
        for b in BLOCKS
        if b.lang == "python" and b.marker != "pytest" and _TEST_FUNCTION.search(b.code)
    ]
    assert bad == []


def test_commands_with_output_are_console_blocks() -> None:
    """Output shown in a text block after ``$ `` or as ``# exit N`` comments is never checked."""
    bad = [
        b.id
        for b in BLOCKS
        if (b.lang == "text" and b.code.startswith("$ "))
        or (b.lang == "sh" and re.search(r"^# exit \d+$", b.code, re.MULTILINE))
    ]
    assert bad == []


def test_no_example_writes_outside_its_directory() -> None:
    """A block that runs keeps to its temporary directory: no /tmp path, no home directory."""
    bad = [b.id for b in BLOCKS if b.runs and re.search(r"(?<![\w.])(/tmp\b|~/)", b.code)]
    assert bad == []


def _public() -> dict[str, Any]:
    """Every public name of the package and of its public modules (partsagent.catalog, ...)."""
    names: dict[str, Any] = {}
    package = ROOT / "src" / "partsagent"
    for path in sorted(package.glob("[a-z]*.py")):
        module = importlib.import_module(f"partsagent.{path.stem}")
        names.update({name: getattr(module, name) for name in getattr(module, "__all__", ())})
    names.update({name: getattr(partsagent, name) for name in partsagent.__all__})
    return names


def _synopses() -> list[tuple[str, str, ast.FunctionDef]]:
    """Every ``Name(parameters)`` synopsis of a public class or function in a text block."""
    found = []
    for block in BLOCKS:
        if block.lang != "text" or "─" in block.code or not re.match(r"\w+\(", block.code):
            continue  # a synopsis block starts with one; a diagram may name calls inside
        for match in re.finditer(r"^([A-Za-z]\w*)\(", block.code, re.MULTILINE):
            if match.group(1) not in PUBLIC:
                continue
            depth, end = 0, match.end() - 1
            for end in range(match.end() - 1, len(block.code)):
                depth += {"(": 1, ")": -1}.get(block.code[end], 0)
                if depth == 0:
                    break
            signature = f"def {block.code[match.start() : end + 1]}: ..."
            function = ast.parse(signature).body[0]
            assert isinstance(function, ast.FunctionDef)
            found.append((block.id, match.group(1), function))
    return found


def _documented(function: ast.FunctionDef) -> list[tuple[str, str, object]]:
    args = function.args
    kinds = [("POSITIONAL_OR_KEYWORD", a) for a in args.args]
    kinds += [("KEYWORD_ONLY", a) for a in args.kwonlyargs]
    defaults = [None] * (len(args.args) - len(args.defaults)) + list(args.defaults)
    defaults += args.kw_defaults
    out: list[tuple[str, str, object]] = []
    for (kind, arg), default in zip(kinds, defaults, strict=True):
        value = (
            inspect.Parameter.empty
            if default is None
            else eval(ast.unparse(default), {"time": time})
        )
        out.append((arg.arg, kind, value))
    if args.kwarg is not None:
        out.append((args.kwarg.arg, "VAR_KEYWORD", inspect.Parameter.empty))
    return out


PUBLIC = _public()


def test_synopses_match_the_signatures() -> None:
    """A synopsis such as ``PartsAgent(...)`` has the real parameters, in order, and defaults."""
    synopses = _synopses()
    assert synopses, "no synopsis found: the check would pass on nothing"
    for where, name, function in synopses:
        real = [
            (p.name, p.kind.name, p.default)
            for p in inspect.signature(PUBLIC[name]).parameters.values()
        ]
        assert _documented(function) == real, f"{where}: {name}"


def _command_synopses() -> list[tuple[str, list[str], set[str]]]:
    """Every ``partsagent ...`` synopsis in a text block: its command words and its options."""
    found = []
    for block in BLOCKS:
        if block.lang != "text" or not block.code.startswith("partsagent "):
            continue
        for synopsis in re.split(r"\n(?=partsagent )", block.code.strip()):
            words = list(itertools.takewhile(re.compile(r"[a-z]+").fullmatch, synopsis.split()))
            found.append((block.id, words[1:], set(re.findall(r"--[\w-]+", synopsis))))
    return found


def test_command_synopses_name_every_option() -> None:
    """A command's synopsis shows every option its --help has, and no other."""
    synopses = _command_synopses()
    assert synopses, "no synopsis found: the check would pass on nothing"
    for where, words, documented in synopses:
        shown = io.StringIO()
        with contextlib.redirect_stdout(shown):
            assert cli_main([*words, "--help"]) == 0
        # One help line per option, its spellings first ("--redis URL, --redis-url URL").
        spellings = [
            set(re.findall(r"--[\w-]+", re.split(r"\s{2,}", line.strip())[0]))
            for line in shown.getvalue().splitlines()
            if line.strip().startswith("--") and not line.strip().startswith("--help")
        ]
        missing = [sorted(names) for names in spellings if not names & documented]
        unknown = documented - set().union(*spellings)
        assert (missing, unknown) == ([], set()), f"{where}: partsagent {' '.join(words)}"


def _prose(page: Path) -> str:
    return re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)


def _anchors(page: Path) -> set[str]:
    """The anchors GitHub makes of a page's headings."""
    headings = re.findall(r"^#+ (.+)$", _prose(page), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_links_and_paths_exist() -> None:
    """Every link to a page (and its anchor) and every repository path named in the docs exists."""
    bad = []
    for page in PAGES:
        prose = _prose(page)
        named = re.findall(r"`((?:tests|bench|examples|src|docs|\.ci)/[\w./-]*\w)`", prose)
        bad += [
            f"{page.name}: {path}"
            for path in named
            if not re.search(r"/[A-Z]+\.", path)  # a placeholder such as results/NAME.json
            and not (ROOT / path).exists()
        ]
        for target in re.findall(r"\]\(([^)\s]+)\)", prose):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            if not linked.exists() or (
                anchor and linked.suffix == ".md" and anchor not in _anchors(linked)
            ):
                bad.append(f"{page.name}: {target}")
    assert bad == []


def _module_map() -> set[str]:
    """The files architecture.md's module map names, as paths under src/partsagent/."""
    block = next(
        b for b in BLOCKS if b.page.name == "architecture.md" and b.code.startswith("src/")
    )
    entry = re.compile(r"^((?:[│ ]   )*)[├└]── (.+?)(?:\s{2,}.*)?$")
    folders: list[str] = []
    named: set[str] = set()
    for line in block.code.splitlines():
        match = entry.match(line)
        if match is None:
            continue
        depth = len(match.group(1)) // 4
        folders = folders[:depth]
        for name in match.group(2).split(", "):
            if name.endswith("/"):
                folders.append(name)
            else:
                named.add("".join(folders) + name)
    return named


def test_module_map_names_every_module() -> None:
    """architecture.md's module map lists every module of the package, and no other."""
    package = ROOT / "src" / "partsagent"
    modules = {
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.name != "__init__.py" or path.parent in {package, package / "testing"}
    }
    named = {name for name in _module_map() if name.endswith(".py")}
    assert (sorted(modules - named), sorted(named - modules)) == ([], [])


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda ex: ex.parsed.id)
def test_block(example: Example, tmp_path: Path) -> None:
    """The block does what its language and marker say (docs/index.md)."""
    example.namespace["tmp_path"] = tmp_path
    example.evaluate()
