"""Credentials in a URL (userinfo, key-like query values) never show: messages, logs, repr, CLI."""

from __future__ import annotations

import logging
import traceback
import uuid
from pathlib import Path

import orjson
import pytest
from structlog.testing import capture_logs

from partsagent import CatalogUnavailable, PartsAgent, PlannerError
from partsagent._cli.main import main
from partsagent._urls import redact_text, redact_url
from partsagent.catalog import BucketManager, HttpBucket
from partsagent.planning import LLMPlanner
from partsagent.testing import CatalogServer, ScriptedOpenAIServer, Step

SECRET = "sk-" + uuid.uuid4().hex
ASTRA = {"make": "Vauxhall", "model": "Astra", "year": 2018}
DAMAGE = [{"component": "Front Bumper Cover", "severity": "severe"}]


@pytest.fixture(autouse=True)
def _no_openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's own OpenAI settings out of every test."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "PARTSAGENT_LLM_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        pytest.param(
            f"http://host/v1?api-key={SECRET}", "http://host/v1?api-key=***", id="api-key"
        ),
        pytest.param(f"http://user:{SECRET}@host/v1", "http://***@host/v1", id="userinfo"),
        pytest.param(f"https://{SECRET}@host:8443/", "https://***@host:8443/", id="user-only"),
        pytest.param(
            f"https://h/b?X-Amz-Signature={SECRET}&X-Amz-Date=1&sv=2",
            "https://h/b?X-Amz-Signature=***&X-Amz-Date=***&sv=***",
            id="aws-signature",
        ),
        pytest.param(
            f"http://h/?key={SECRET}&api_key={SECRET}&token={SECRET}&page=2",
            "http://h/?key=***&api_key=***&token=***&page=***",
            id="every-value",
        ),
        *(
            pytest.param(
                f"https://fn.example/api/v1?{name}={SECRET}&x=1",
                f"https://fn.example/api/v1?{name}=***&x=***",
                id=name,
            )
            for name in ("code", "jwt", "session", "sid", "hmac", "q", "auth%5Fkey")
        ),
        pytest.param(f"http://h/v1?{SECRET}", "http://h/v1?***", id="bare-value"),
        pytest.param("http://h/v1?a=&b", "http://h/v1?a=&***", id="empty-and-bare"),
        pytest.param(f"http://h/#access_token={SECRET}", "http://h/#access_token=***", id="frag"),
        pytest.param(f"http://h/#{SECRET}", "http://h/#***", id="bare-frag"),
        pytest.param("http://127.0.0.1:8765/", "http://127.0.0.1:8765/", id="clean"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    """Userinfo and every query and fragment value become ***, whatever its name."""
    assert redact_url(url) == shown


def test_redact_text_finds_every_url() -> None:
    """URLs inside a foreign message are redacted wherever they stand."""
    text = f"GET http://u:{SECRET}@h/x?token={SECRET} failed; see https://h/?sig={SECRET}."
    out = redact_text(text)
    assert SECRET not in out
    assert "http://***@h/x?token=***" in out


def _shown(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)) + repr(exc) + str(exc)


@pytest.mark.parametrize(
    "template",
    [
        pytest.param("http://127.0.0.1:{port}/v1?api-key={secret}", id="query"),
        pytest.param("http://user:{secret}@127.0.0.1:{port}/v1", id="userinfo"),
        *(
            pytest.param(f"http://127.0.0.1:{{port}}/api?{name}={{secret}}", id=name)
            for name in ("code", "jwt", "session", "sid", "hmac")
        ),
    ],
)
async def test_llm_base_url_secret_never_shown(
    template: str,
    unused_tcp_port: int,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A key in the model base URL is in no message, repr, traceback, chained error or log."""
    caplog.set_level(logging.DEBUG)
    url = template.format(port=unused_tcp_port, secret=SECRET)
    monkeypatch.setenv("PARTSAGENT_LLM_BASE_URL", url)
    planner = LLMPlanner(api_key="test-key", model="scripted", max_retries=0, timeout=5)
    async with PartsAgent(planner=planner) as agent:
        with capture_logs() as logs, pytest.raises(PlannerError) as caught:
            await agent.process_damage_report(ASTRA, DAMAGE)
        shown = [repr(agent), repr(planner), repr(planner.chat), _shown(caught.value)]
    assert "127.0.0.1" in str(caught.value)  # the endpoint is still named
    for text in [*shown, repr(logs), caplog.text]:
        assert SECRET not in text
    # Nothing of the openai error (whose message may hold the key) is kept on the error.
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None


async def test_planner_error_keeps_no_openai_exception() -> None:
    """An endpoint error becomes a PlannerError with no chained openai exception."""
    async with ScriptedOpenAIServer([Step.fail(500, f"boom {SECRET}")]) as model:
        planner = LLMPlanner(base_url=model.base_url, api_key=SECRET, model="m", max_retries=0)
        async with PartsAgent(planner=planner) as agent:
            with pytest.raises(PlannerError) as caught:
                await agent.process_damage_report(ASTRA, DAMAGE)
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None
    assert SECRET not in _shown(caught.value)


def test_llm_base_url_secret_not_in_batch_lines(
    tmp_path: Path,
    unused_tcp_port: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """In --batch, the error line of a failed LLM report names the endpoint without its key."""
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv(
        "PARTSAGENT_LLM_BASE_URL", f"http://127.0.0.1:{unused_tcp_port}/v1?api-key={SECRET}"
    )
    batch = tmp_path / "in.jsonl"
    batch.write_bytes(orjson.dumps({"vehicle": ASTRA, "damaged_parts": DAMAGE}) + b"\n")
    status = main(["report", "--batch", str(batch), "--planner", "llm"])
    out, err = capsys.readouterr()
    assert status == 1
    line = orjson.loads(out)
    assert line["error"]["type"] == "PlannerError"
    assert "api-key=***" in line["error"]["message"]
    assert SECRET not in out + err


async def test_catalog_url_credentials_work_and_never_show(
    catalog_server: CatalogServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A catalog URL with userinfo and a token is used as given, and shown without them."""
    caplog.set_level(logging.DEBUG)
    base = catalog_server.url.replace("http://", f"http://reader:{SECRET}@")
    async with BucketManager(HttpBucket(f"{base}?token={SECRET}")) as manager:
        makes = await manager.get_manufacturers()
        arts = await manager.get_articles_concurrent(
            [("117", "127445", c) for c in ("CAT001", "CAT002")]
        )
        shown = [repr(manager), repr(manager.source), manager.source.name]
    assert makes
    assert all(r.ok for r in arts)
    # The token went along with every request (the server ignores it, a real one would not).
    assert catalog_server.stats.total >= 2
    for text in shown:
        assert SECRET not in text
        assert "***" in text


async def test_dead_catalog_url_credentials_never_show(
    unused_tcp_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    """A catalog that cannot be reached fails with messages, logs and a chain free of secrets."""
    caplog.set_level(logging.DEBUG)
    url = f"http://user:{SECRET}@127.0.0.1:{unused_tcp_port}/bucket/?sig={SECRET}"
    manager = BucketManager(url, attempts=2, backoff_initial=0.01, backoff_max=0.01)
    async with manager, PartsAgent(manager) as agent:
        with capture_logs() as logs, pytest.raises(CatalogUnavailable) as caught:
            await agent.process_damage_report(ASTRA, DAMAGE)
        shown = [repr(agent), _shown(caught.value), repr(logs), caplog.text]
    chained = caught.value.__cause__ or caught.value.__context__
    while chained is not None:
        shown.append(_shown(chained))
        chained = chained.__cause__ or chained.__context__
    for text in shown:
        assert SECRET not in text


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("ftp://user:{secret}@host/bucket", id="bad-scheme"),
        pytest.param("http://user:{secret}@127.0.0.1:{port}/?token={secret}", id="dead"),
    ],
)
def test_cli_catalog_url_secret_never_shown(
    url: str, unused_tcp_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI's one error line names the catalog URL without its credentials."""
    catalog = url.format(secret=SECRET, port=unused_tcp_port)
    status = main(
        ["report", "--vehicle", "Vauxhall Astra 2018", "--damage", "Hood", "--catalog", catalog]
    )
    out, err = capsys.readouterr()
    assert status == 2
    assert len(err.strip().splitlines()) >= 1
    assert SECRET not in out + err
