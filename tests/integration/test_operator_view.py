"""What an operator sees of a case in Temporal, through Temporal's own CLI: the case is
found by stage and organisation, and its summary and details read in plain text with ids
only (no codec server needed, nothing personal in them)."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from tests.integration.events import CPR, NAME, registered
from tests.integration.platform import eventually, running_platform
from verdictflow.domain.identity import case_id_for
from verdictflow.domain.topics import POLICE_VERDICTS

pytestmark = pytest.mark.integration
TEMPORAL = str(Path(sys.executable).parent / "temporal")


async def temporal_cli(address: str, *args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        TEMPORAL, *args, "--address", address, "--output", "json",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def test_a_case_is_listed_by_stage_and_organisation_with_its_summary(stack) -> None:  # noqa: ANN001
    verdict_id = f"KBV-OPS-{uuid.uuid4().hex[:8]}"
    async with running_platform(stack, orgs=["bbs"]) as platform:
        producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap)
        await producer.start()
        await producer.send_and_wait(POLICE_VERDICTS, json.dumps(registered(verdict_id)).encode(),
                                     key=verdict_id.encode())
        await producer.stop()
        case_id = case_id_for(verdict_id, platform.keys.pseudonym_key())
        query = "VfStage='awaiting_decision' AND VfHousingOrg='bbs'"

        async def listed() -> list[dict] | None:
            out = (await temporal_cli(stack.temporal_address, "workflow", "list",
                                      "--query", query)).strip()
            rows = json.loads(out) if out else []
            return rows if any(r["execution"]["workflowId"] == case_id for r in rows) else None

        await eventually(listed, what="the case in Temporal's list by stage and organisation")
        described = await temporal_cli(stack.temporal_address, "workflow", "describe",
                                       "--workflow-id", case_id)

    assert f"Verdict case {case_id} from police district" in described
    assert "**Registered by event**" in described
    for secret in (CPR, NAME, CPR[:6]):
        assert secret not in described
