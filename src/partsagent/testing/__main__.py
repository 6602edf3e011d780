"""``python -m partsagent.testing llm-server``: the scripted OpenAI-compatible server on its own.

Test an integration against the LLM planner without writing Python: start the
server with a script file (see ``_script.py`` for its format), point
``OPENAI_BASE_URL`` (or ``PARTSAGENT_LLM_BASE_URL``) at the URL it prints, and
stop it with Ctrl-C or SIGTERM. It exits 0 if every request matched the
script, 1 otherwise (the failures on stderr), 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Sequence

from .._exceptions import PartsAgentError
from ._llm_server import ScriptedOpenAIServer
from ._script import load_script

__all__ = ["main"]


async def _serve(args: argparse.Namespace) -> int:
    script = load_script(args.script)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with ScriptedOpenAIServer(script, api_key=args.api_key, port=args.port) as server:
        print(server.base_url, flush=True)
        await stop.wait()
    print(
        f"llm-server: {len(server.requests)} requests, {server.remaining} steps left, "
        f"{len(server.failures)} failures",
        file=sys.stderr,
    )
    for failure in server.failures:
        print(f"  - {failure}", file=sys.stderr)
    return 1 if server.failures else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and serve; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m partsagent.testing")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    llm = commands.add_parser(
        "llm-server", help="serve a scripted OpenAI-compatible chat endpoint on 127.0.0.1"
    )
    llm.add_argument("--port", type=int, default=0, help="port to listen on (default: any free)")
    llm.add_argument("--script", required=True, metavar="FILE", help="the answers, a JSON list")
    llm.add_argument(
        "--api-key", metavar="KEY", help="require 'Authorization: Bearer KEY' on every request"
    )
    args = parser.parse_args(argv)
    try:
        return asyncio.run(_serve(args))
    except (PartsAgentError, OSError) as exc:
        print(f"llm-server: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
