"""The scale path's layout (infra/cluster.py), checked without building or starting it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from infra import cluster, processes
from verdictflow.platform.settings import Settings


def _settings(tmp_path: Path, offset: int = 0) -> Settings:
    return Settings(environment="test", state_dir=tmp_path, cluster_port_offset=offset)


def _all_ports(p: cluster.Ports) -> list[int]:
    return [p.postgres, p.temporal, p.temporal_http, p.history, p.matching, p.worker,
            *(p.membership + i for i in (0, 1, 2, 6)), *p.brokers, *p.controllers]


def test_ports_are_distinct_and_clear_of_the_embedded_stack(tmp_path: Path) -> None:
    s = _settings(tmp_path)
    ports = _all_ports(cluster.ports(s))
    assert len(set(ports)) == len(ports)
    embedded = {s.temporal_port, s.temporal_ui_port, s.kafka_port, s.kafka_controller_port,
                s.api_port, s.codec_server_port}
    assert not embedded & set(ports)
    moved = _all_ports(cluster.ports(_settings(tmp_path, 700)))
    assert moved == [p + 700 for p in ports]


def test_temporal_config_binds_loopback_and_uses_postgres(tmp_path: Path) -> None:
    s = _settings(tmp_path)
    config = cluster._temporal_config(s)
    text = json.dumps(config)
    hosts = set(re.findall(r"\b(\d+\.\d+\.\d+\.\d+)\b", text))
    assert hosts == {"127.0.0.1"}
    stores = config["persistence"]["datastores"]
    assert {v["sql"]["pluginName"] for v in stores.values()} == {"postgres12"}
    assert config["persistence"]["numHistoryShards"] == cluster.HISTORY_SHARDS
    assert {svc["rpc"]["bindOnIP"] for svc in config["services"].values()} == {"127.0.0.1"}


def test_brokers_replicate_three_ways_with_two_in_sync(tmp_path: Path) -> None:
    s = _settings(tmp_path)
    for node in (1, 2, 3):
        props = dict(line.split("=", 1) for line in
                     cluster._kafka_config(s, node).read_text().splitlines())
        assert props["node.id"] == str(node)
        assert props["controller.quorum.voters"].count("@127.0.0.1:") == 3
        assert props["default.replication.factor"] == "3"
        assert props["min.insync.replicas"] == "2"
        assert props["offsets.topic.replication.factor"] == "3"
        assert props["listeners"].count("127.0.0.1") == 2


def test_services_are_pointed_at_the_cluster(tmp_path: Path) -> None:
    s = _settings(tmp_path)
    env = cluster.service_env(s)
    p = cluster.ports(s)
    assert env["VF_TEMPORAL_ADDRESS"] == f"127.0.0.1:{p.temporal}"
    assert env["VF_KAFKA_BOOTSTRAP"].split(",") == [f"127.0.0.1:{b}" for b in p.brokers]
    assert env["VF_MANAGE_TEMPORAL"] == env["VF_MANAGE_KAFKA"] == "false"
    assert env["VF_DATABASE_URL"].startswith("postgresql+psycopg://verdictflow:")
    # The same settings, read back from that environment as a service would.
    read = Settings(**{k.removeprefix("VF_").lower(): v for k, v in env.items()})
    assert read.temporal_address == env["VF_TEMPORAL_ADDRESS"]
    assert not read.manage_kafka
    secrets_file = cluster.cluster_dir(s) / "secrets.json"
    assert secrets_file.stat().st_mode & 0o077 == 0  # passwords: owner only


def test_the_cluster_is_stopped_by_its_own_order_not_with_the_apps() -> None:
    assert all(n.startswith(processes.CLUSTER_PREFIX) for n in cluster.NAMES)
    assert cluster.STOP_ORDER[-1] == (cluster.POSTGRES,)  # the database goes last
    assert cluster.temporal_version().startswith("v1.")
