"""A Kafka outage writes a few lines, not megabytes: the real broker is stopped under the
running services, and what their log grew by is measured.

Before repeats were collapsed, 30 s without the broker wrote 7.5 MB under
``make demo`` (``bench/log_outage.py`` measures that case: every service, 15 gateways).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path

import pytest
import structlog

from infra import kafka
from tests.integration.platform import running_platform
from verdictflow.platform.log import configure

pytestmark = pytest.mark.integration
OUTAGE_S = 20
# Each distinct failure once, its summary, and the consumers' start and recovery lines.
BOUND_BYTES = 40_000


async def test_an_outage_grows_the_log_by_a_bounded_amount(stack) -> None:  # noqa: ANN001
    path = Path(stack.state_dir, "logs", "outage-services.json.log")
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure("outage", "INFO", path, max_bytes=stack.log_max_bytes,
              backups=stack.log_backups, repeat_window_s=60)
    try:
        async with running_platform(stack, orgs=["bbs", "pab", "aab"]):
            await asyncio.sleep(5)  # consumers joined their groups
            before = path.stat().st_size
            began = time.monotonic()
            await asyncio.to_thread(kafka.stop, stack)
            try:
                await asyncio.sleep(OUTAGE_S - (time.monotonic() - began))
                during = path.stat().st_size
            finally:
                await asyncio.to_thread(kafka.start, stack)
            await asyncio.sleep(5)  # the consumers find the broker again
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
            handler.close()  # ends every run: the summaries are written
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
        structlog.reset_defaults()

    lines = [json.loads(x) for x in path.read_text().splitlines()]
    summaries = [x for x in lines if x.get("repeated")]
    suppressed = sum(x["count"] - 1 for x in summaries)
    print(json.dumps({"outage_s": OUTAGE_S, "log_bytes_during_outage": during - before,
                      "log_bytes_total": path.stat().st_size, "lines": len(lines),
                      "summaries": len(summaries), "lines_not_written": suppressed}))
    assert during - before < BOUND_BYTES
    # The broker was really missed: the consumers retried hundreds of times, counted.
    assert suppressed > 200
    assert any("Unable connect to node" in x["event"] for x in summaries)
