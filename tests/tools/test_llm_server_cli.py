"""`python -m partsagent.testing llm-server`: the scripted model on its own, driven by the CLI."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ASTRA = {"make": "Vauxhall", "model": "Astra", "year": 2018}
SCRIPT: list[dict[str, Any]] = [
    {"tool_calls": [{"name": "resolve_vehicle", "arguments": ASTRA}]},
    {"tool_calls": [{"name": "map_component", "arguments": {"component": "Hood"}}]},
    {
        "tool_calls": [
            {
                "name": "submit_parts_list",
                "arguments": {
                    "lines": [
                        {
                            "component": "Hood",
                            "category_id": "CAT003",
                            "axle": "front",
                            "reason": "damaged",
                            "why": "Reported minor damage.",
                        }
                    ]
                },
            }
        ],
        "content": "Here is the parts list.",
        "usage": {"prompt_tokens": 100, "completion_tokens": 20},
    },
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _server(script: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "partsagent.testing", "llm-server", "--script", str(script), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_cli_report_against_the_scripted_server(tmp_path: Path) -> None:
    """The server prints its URL; `partsagent report --planner llm` is planned by the script."""
    script = tmp_path / "script.json"
    script.write_text(json.dumps(SCRIPT), encoding="utf-8")
    port = _free_port()
    server = _server(script, "--port", str(port), "--api-key", "test-key")
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()  # printed once it listens
        assert url == f"http://127.0.0.1:{port}/v1"
        env = {**os.environ, "OPENAI_BASE_URL": url, "OPENAI_API_KEY": "test-key"}
        run = subprocess.run(
            [sys.executable, "-m", "partsagent", "report", "--planner", "llm"]
            + ["--vehicle", "Vauxhall Astra 2018", "--damage", "Hood:severe", "--json"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=30)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["planner"] == "llm"
    assert [line["category"]["id"] for line in report["lines"]] == ["CAT003"]
    assert server.returncode == 0, err
    assert "3 requests, 0 steps left, 0 failures" in err


def test_requests_off_script_fail_the_run(tmp_path: Path) -> None:
    """A request the script does not cover is answered 500 and makes the server exit 1."""
    script = tmp_path / "script.json"
    script.write_text(json.dumps([{"text": "only one answer"}]), encoding="utf-8")
    server = _server(script)
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]})
        statuses = [_post(url, body) for _ in range(2)]
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=30)
    assert statuses == [200, 500]
    assert server.returncode == 1
    assert "2 requests, 0 steps left, 1 failures" in err
    assert "beyond the script of 1 steps" in err


def _post(url: str, body: str) -> int:
    """POST a chat completion with the standard library; returns the HTTP status."""
    request = urllib.request.Request(
        f"{url}/chat/completions",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            status: int = resp.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_bad_script_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """A script that is not a list of steps exits 2 naming the problem, without a traceback."""
    script = tmp_path / "script.json"
    script.write_text(json.dumps([{"tool_calls": []}]), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "partsagent.testing", "llm-server", "--script", str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 2
    assert run.stderr.strip() == ("llm-server: error: step 1: tool_calls must be a non-empty list")
