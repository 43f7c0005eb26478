"""The scale path (``make cluster-test``): one verdict through Temporal's own server on
PostgreSQL and three Kafka brokers with replication factor 3, then down again.

Not part of ``make test`` (``-m cluster``): its first run builds Temporal's server with Go.
The cluster gets a state directory and ports of its own; the Go builds are shared with
``make cluster`` (``{VF_STATE_DIR}/cluster/bin``), so a second run does not rebuild.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from infra import cluster, processes, stack
from services.api.app import create_app
from services.api.auth import issue_dev_token
from tests.integration.events import CPR, NAME, OFFENCE, ophaevelse, registered
from tests.integration.platform import as_json, eventually, produce, read_topic, running_platform
from verdictflow.domain.identity import case_id_for
from verdictflow.domain.topics import ALL_TOPICS, CASE_EVENTS, POLICE_VERDICTS, REENTRY_BLOCKS
from verdictflow.platform.settings import Settings

pytestmark = pytest.mark.cluster
ORG = "bbs"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def base() -> Iterator[Settings]:
    shared = Path(os.environ.get("VF_STATE_DIR", REPO / ".state"))
    # Not pytest's tmp_path: PostgreSQL runs as the postgres user, who must reach the
    # directory (pytest's are 0700 under root's).
    state = Path(tempfile.mkdtemp(prefix="vf-cluster-"))
    state.chmod(0o711)
    if (shared / "kafka" / "libs").exists():  # the jars `make jars` resolved, marker included
        shutil.copytree(shared / "kafka" / "libs", state / "kafka" / "libs")
    settings = Settings(environment="test", state_dir=state,
                        cluster_port_offset=int(os.environ.get("VF_TEST_PORT_OFFSET", "0")),
                        cluster_bin_dir=shared / "cluster" / "bin", receipt_timeout_seconds=60)
    try:
        yield settings
    finally:
        stack.down(settings)
        assert not cluster.running(settings)
        shutil.rmtree(state, ignore_errors=True)


async def test_one_verdict_through_the_cluster(base: Settings) -> None:
    began = time.monotonic()
    c = stack.up_cluster(base)
    up_seconds = time.monotonic() - began
    print(f"cluster up in {up_seconds:.1f}s")
    assert c.temporal_address.endswith(f":{cluster.ports(base).temporal}")
    assert len(c.kafka_bootstrap.split(",")) == 3
    assert c.database_url.startswith("postgresql+psycopg://")
    assert set(cluster.running(base)) == cluster.NAMES
    # Every project topic on all three brokers, all replicas in sync.
    assert cluster.replication(base) == {t: (3, 3) for t in ALL_TOPICS}

    verdict_id = f"KBV-CLUSTER-{uuid.uuid4().hex[:8]}"
    terminated = date.today() + timedelta(days=60)
    async with running_platform(c, orgs=[ORG, "pab"]) as platform:
        await produce(c, POLICE_VERDICTS, (verdict_id.encode(),
                                           json.dumps(registered(verdict_id)).encode()))
        case_id = case_id_for(verdict_id, platform.keys.pseudonym_key())
        app = create_app(c, temporal_client=platform.client)
        auth = {"Authorization": f"Bearer {issue_dev_token(c, platform.keys, ORG)}"}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://api") as api:
            async def my_task() -> dict | None:
                tasks = (await api.get("/tasks", headers=auth)).json()
                return next((t for t in tasks if t["case_id"] == case_id), None)

            task = await eventually(my_task, timeout=120, what="the decision task to open")
            decision = await api.post(f"/tasks/{task['task_id']}/decision", headers=auth,
                                      json=ophaevelse(terminated))
            assert decision.status_code == 200, decision.text

        async def block_placed() -> dict | None:
            for r in await read_topic(c, REENTRY_BLOCKS):
                e = as_json(r)
                if e["subject"] == case_id and e["type"].endswith("placed.v1"):
                    return e
            return None

        await eventually(block_placed, timeout=120, what="the re-entry block")
        # The case is on Temporal's server, in its PostgreSQL visibility store.
        described = await platform.client.get_workflow_handle(case_id).describe()
        assert described.search_attributes.get("VfHousingOrg") == [ORG]
        await platform.client.get_workflow_handle(case_id).terminate("test over")
        await platform.client.get_workflow_handle(f"reentry-{case_id}").terminate("test over")

    stages = [as_json(r)["data"]["stage"] for r in await read_topic(c, CASE_EVENTS)
              if as_json(r)["subject"] == case_id]
    assert stages[:4] == ["registered", "eligibility", "disclosed", "awaiting_decision"]
    assert "reentry_blocked" in stages

    # Replicated: each broker holds a copy of the case's events on its own disk.
    for node in range(1, cluster.BROKERS + 1):
        data = cluster.cluster_dir(base) / f"kafka-{node}" / "data"
        assert any(f.stat().st_size for f in data.glob(f"{CASE_EVENTS}-*/*.log")), node
    # Nothing personal in plaintext in PostgreSQL's files (Temporal's histories, the read
    # model, the WAL) nor on any broker outside the ingress topic.
    secrets = [CPR.encode(), NAME.encode(), OFFENCE.encode(), b"Strandesplanaden"]
    files = [f for f in (cluster.cluster_dir(base) / "postgres" / "data").rglob("*")
             if f.is_file()]
    files += [f for f in cluster.cluster_dir(base).glob("kafka-*/data/*/*")
              if f.is_file() and not f.parent.name.startswith(f"{POLICE_VERDICTS}-")]
    assert len(files) > 100
    for f in files:
        blob = f.read_bytes()
        for s in secrets:
            assert s not in blob, f"personal data in {f}"

    stopped = stack.down(base)
    assert set(stopped) >= cluster.NAMES
    for name in cluster.NAMES:
        assert not processes.is_running(name, base)
