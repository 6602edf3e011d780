"""The rule: measurements go only to subscribers the application set up; never printed unasked."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest
import structlog
from structlog.testing import capture_logs

from _recorder import Recorder, recording
from partsagent._metrics import metrics_enabled
from partsagent.metrics import (
    SummaryAggregator,
    capture_metrics,
    install_aggregator,
    set_metrics_enabled,
    timer,
    uninstall_aggregator,
)


@pytest.fixture
def renderer() -> Iterator[Recorder]:
    """structlog configured by the 'application' to end in a Recorder; restored after."""
    try:
        with recording() as rec:
            yield rec
    finally:
        set_metrics_enabled(None)


def test_configuring_structlog_does_not_switch_metric_events_on(renderer: Recorder) -> None:
    """structlog.configure and structlog.testing.capture_logs leave metric events off."""
    with capture_logs():
        pass
    assert structlog.is_configured()
    assert metrics_enabled() is False
    with timer("catalog.articles"):
        pass
    structlog.get_logger().info("app.event")
    assert [e["event"] for e in renderer.events] == ["app.event"]


def test_a_consumer_gets_events_that_stay_out_of_the_logs(renderer: Recorder) -> None:
    """An installed aggregator sees metric events; the application's renderer does not."""
    agg = SummaryAggregator()  # drop=False: still kept out of the logs unless asked
    install_aggregator(agg)
    try:
        assert metrics_enabled() is True
        with timer("catalog.models"):
            pass
    finally:
        uninstall_aggregator(agg)
    assert metrics_enabled() is False
    assert agg.summary()["operations"]["catalog.models"]["calls"] == 1
    assert renderer.events == []


def test_set_metrics_enabled_true_puts_them_in_the_logs(renderer: Recorder) -> None:
    """Asked for with set_metrics_enabled(True), metric events reach the application's logs."""
    set_metrics_enabled(True)
    with timer("catalog.models"):
        pass
    assert [e["event"] for e in renderer.events] == ["partsagent.catalog.models"]


def test_the_log_sink_uses_standard_logging_when_structlog_is_not_configured(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Without structlog configured, set_metrics_enabled(True) logs to the 'partsagent' logger."""
    was = structlog.is_configured()
    old = structlog.get_config()
    structlog.reset_defaults()
    set_metrics_enabled(True)
    try:
        with caplog.at_level(logging.INFO, logger="partsagent"), timer("catalog.models"):
            pass
    finally:
        set_metrics_enabled(None)
        if was:
            structlog.configure(**old)
    [record] = [r for r in caplog.records if r.name == "partsagent"]
    assert record.levelno == logging.INFO
    assert record.partsagent_event == "partsagent.catalog.models"  # type: ignore[attr-defined]
    fields = record.partsagent_fields  # type: ignore[attr-defined]
    assert fields["metric"] is True
    assert fields["outcome"] == "ok"


def test_no_processor_is_ever_added_to_the_application_chain(renderer: Recorder) -> None:
    """Subscribers, the log sink and capture_metrics leave structlog's processor list as it was."""
    processors = structlog.get_config()["processors"]
    before = list(processors)
    agg = SummaryAggregator()
    install_aggregator(agg)
    set_metrics_enabled(True)
    try:
        with capture_metrics(), timer("catalog.models"):
            assert structlog.get_config()["processors"] == before
    finally:
        uninstall_aggregator(agg)
    assert structlog.get_config()["processors"] is processors
    assert processors == before == [renderer]


def test_set_metrics_enabled_false_silences_even_consumers(renderer: Recorder) -> None:
    """Forced off, not even capture_metrics or an aggregator receives events."""
    set_metrics_enabled(False)
    with capture_metrics() as events, timer("catalog.models"):
        pass
    assert events == []
    assert renderer.events == []


_SCRIPT = """
import asyncio, sys
import structlog
from structlog.testing import capture_logs
from partsagent import PartsAgent
from partsagent.metrics import set_metrics_enabled

with capture_logs():  # e.g. a test helper imported by the application
    pass
structlog.configure(processors=[structlog.processors.KeyValueRenderer()])
if sys.argv[1] == "asked":
    set_metrics_enabled(True)

async def main():
    async with PartsAgent() as agent:
        await agent.process_damage_report(
            {"make": "Vauxhall", "model": "Astra", "year": 2018}, "front bumper smashed"
        )

asyncio.run(main())
"""


@pytest.mark.parametrize(
    ("mode", "printed"),
    [pytest.param("unasked", False, id="unasked"), pytest.param("asked", True, id="asked")],
)
def test_an_application_that_never_asked_prints_nothing(mode: str, printed: bool) -> None:
    """A process that configured structlog but never asked for metrics prints no metric line."""
    run = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_SCRIPT), mode],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = [line for line in run.stdout.splitlines() if "metric=True" in line]
    assert bool(lines) is printed
    if printed:
        # A catalog miss (the sample is packed: the articles come with the categories).
        assert any("event='partsagent.catalog.categories'" in line for line in lines)
    else:
        assert run.stdout == ""
