"""The ``partsagent`` command line: ``report`` and ``catalog generate|ls|serve``.

Every command is registered by a ``_register_*`` function that adds a
subparser and sets ``handler`` (a callable taking the parsed namespace and
returning an exit status); add a command by adding one such function to
``_COMMANDS``. Errors the user can fix (any ``PartsAgentError`` and argparse
usage errors) exit 2 with one ``partsagent: error: ...`` line on stderr, or,
when the command was given ``--json``, one JSON object
``{"error": {"type", "message"[, "candidates"]}}`` there instead.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import version
from typing import NoReturn

import orjson

from .._exceptions import PartsAgentError, UnresolvedVehicle
from .catalog import register_catalog
from .errors import error_object
from .report import register_report

__all__ = ["build_parser", "main", "run"]

PROG = "partsagent"
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as a Unix tool killed by it

Handler = Callable[[argparse.Namespace], int]


class _ArgumentError(Exception):
    """An argparse usage error, turned into an exception so main() prints one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _ArgumentError(f"{message} (see '{self.prog} --help')")


_COMMANDS: tuple[Callable[[argparse._SubParsersAction[_Parser]], None], ...] = (
    register_report,
    register_catalog,
)


def build_parser() -> argparse.ArgumentParser:
    """The full parser; each command sets ``handler`` on the namespace."""
    parser = _Parser(prog=PROG, description="Turn a vehicle damage report into a priced estimate.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {version('partsagent')}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for register in _COMMANDS:
        register(commands)
    return parser


def _fail(message: str, status: int = EXIT_USAGE) -> int:
    if sys.stderr is not None:
        print(f"{PROG}: error: {' '.join(message.split())}", file=sys.stderr)
    return status


def _fail_json(exc: PartsAgentError) -> int:
    """The error as one JSON object on stderr: what a program reads instead of the line."""
    if sys.stderr is not None:
        sys.stderr.write(orjson.dumps(error_object(exc)).decode() + "\n")
    return EXIT_USAGE


def _unwrap(exc: BaseException) -> BaseException:
    """The first error of a task group's ExceptionGroup (the batch runs in one)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def main(argv: Sequence[str] | None = None, *, owns_process: bool = False) -> int:
    """Run the command line; returns the exit status instead of exiting.

    ``owns_process``: nothing else runs in this process (the ``partsagent``
    script), so a command may set process-wide state, such as logging, for good.
    """
    args: argparse.Namespace | None = None
    try:
        try:
            args = build_parser().parse_args(argv)
            args.owns_process = owns_process
            handler: Handler = args.handler
            return handler(args)
        except BaseExceptionGroup as group:
            raise _unwrap(group) from None
    except PartsAgentError as exc:
        if args is not None and getattr(args, "json", False):
            return _fail_json(exc)
        if not isinstance(exc, UnresolvedVehicle):
            return _fail(str(exc))
        # The candidates, best first, one per line: a person picks one and runs again.
        status = _fail(exc.headline)
        for candidate in () if exc.unknown else exc.candidates:
            print(f"  {candidate.describe()}", file=sys.stderr)
        return status
    except _ArgumentError as exc:
        return _fail(str(exc))
    except SystemExit as exc:  # --help and --version exit through argparse
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader (e.g. `| head`) left: stop quietly, with SIGPIPE's status, and
        # keep Python from reporting the failed flush of stdout at exit.
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as exc:  # stdout closed or full, a device error: one line, no traceback
        _silence_stdout()
        return _fail(f"cannot write the output: {exc.strerror or exc}", EXIT_FAILED)


def _silence_stdout() -> None:
    """Point fd 1 at /dev/null, so that the interpreter's last flush of stdout cannot fail."""
    try:
        fd = sys.stdout.fileno()
    except (OSError, AttributeError, ValueError):  # no real stdout (None, or a test's capture)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def run() -> NoReturn:
    """The ``partsagent`` script and ``python -m partsagent``: the process is the command's."""
    raise SystemExit(main(owns_process=True))
