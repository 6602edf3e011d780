"""The child process of ``start_server_process``: a catalog server until SIGTERM.

Its own module, apart from ``_process``: ``python -m`` on a module the package
has already imported runs it twice (and says so with a RuntimeWarning).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from pathlib import Path

from .._catalog.open import sample_catalog_path
from ._faults import ServerOptions
from ._server import serve


def _main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m partsagent.testing._child")
    parser.add_argument("--directory", type=Path, default=sample_catalog_path())
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--options", default="{}", help="ServerOptions fields as JSON")
    parser.add_argument("--ready-file", type=Path, default=None)
    args = parser.parse_args(argv)
    options = ServerOptions(**json.loads(args.options))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.directory, args.host, args.port, options, args.ready_file))


if __name__ == "__main__":
    _main()
