"""``python -m partsagent``: the same command line as the ``partsagent`` script."""

from __future__ import annotations

from ._cli.main import run

if __name__ == "__main__":
    run()
