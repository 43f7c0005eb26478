"""One local Apache Kafka node (KRaft, broker+controller) run from Maven Central jars.

Everything lives under ``{state_dir}/kafka``: ``libs/`` (jars), ``data/`` (log dirs),
``server.properties``, ``log4j2.properties`` and ``cluster.id``. The broker's output
goes to ``{state_dir}/logs/kafka.log`` through the process supervisor.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeAlias

import structlog
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

from infra import _sync, processes
from verdictflow.domain.topics import ALL_TOPICS, POLICE_VERDICTS
from verdictflow.platform.settings import Settings

log = structlog.get_logger(__name__)

NAME = "kafka"
# aiokafka's describe_cluster (cluster_id, controller_id, brokers) and our topics.
ClusterInfo: TypeAlias = dict[str, Any]
HOST = "127.0.0.1"
POM = Path(__file__).resolve().parent / "kafka" / "pom.xml"
PARTITIONS = 3
START_TIMEOUT = 60.0
JVM_OPTS = [
    "-Xms128m",
    "-Xmx512m",
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-Djava.awt.headless=true",
]

# Startup, shutdown and errors stay at INFO; per-partition, per-thread and per-request
# chatter from these loggers is turned down to WARN.
QUIET_LOGGERS = (
    "state.change.logger", "kafka.log", "kafka.cluster", "kafka.request.logger",
    "kafka.server.ClientQuotaManager$ThrottledChannelReaper",
    "kafka.server.NodeToControllerRequestThread",
    "org.apache.kafka.common.config", "org.apache.kafka.common.utils.AppInfoParser",
    "org.apache.kafka.controller", "org.apache.kafka.coordinator", "org.apache.kafka.raft",
    "org.apache.kafka.image", "org.apache.kafka.queue", "org.apache.kafka.storage",
    "org.apache.kafka.server.purgatory", "org.apache.kafka.server.util",
)  # fmt: skip


def _log4j2_config() -> str:
    # Console only: the supervisor already sends stdout to logs/kafka.log.
    lines = [
        "status = warn",
        "appender.out.type = Console",
        "appender.out.name = out",
        "appender.out.layout.type = PatternLayout",
        "appender.out.layout.pattern = [%d] %p %m (%c{1})%n",
        "rootLogger.level = info",
        "rootLogger.appenderRef.out.ref = out",
    ]
    for i, name in enumerate(QUIET_LOGGERS):
        lines += [f"logger.q{i}.name = {name}", f"logger.q{i}.level = warn"]
    return "\n".join(lines) + "\n"


class KafkaError(RuntimeError):
    pass


def kafka_dir(settings: Settings) -> Path:
    return settings.state_dir / "kafka"


def libs_dir(settings: Settings) -> Path:
    return kafka_dir(settings) / "libs"


def data_dir(settings: Settings) -> Path:
    return kafka_dir(settings) / "data"


def _java() -> str:
    java = shutil.which("java")
    if not java:
        raise KafkaError("java not found on PATH (Kafka needs Java 17+)")
    return java


def _classpath(settings: Settings) -> str:
    return f"{libs_dir(settings)}/*"


def ensure_jars(settings: Settings) -> Path:
    """Copy the broker jars resolved by infra/kafka/pom.xml into ``{state_dir}/kafka/libs``.

    Skipped when the marker file says the jars came from the current pom.
    """
    with processes.lock("kafka-jars", settings):
        return _ensure_jars(settings)


def _ensure_jars(settings: Settings) -> Path:
    libs = libs_dir(settings)
    marker = libs / ".pom.sha256"
    digest = hashlib.sha256(POM.read_bytes()).hexdigest()
    if marker.is_file() and marker.read_text().strip() == digest:
        return libs
    mvn = shutil.which("mvn")
    if not mvn:
        raise KafkaError("mvn not found on PATH: needed once to fetch the Kafka jars")
    # Download next to the target and swap, so an interrupted run never looks complete.
    tmp = libs.with_name("libs.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    cmd = [
        mvn, "-B", "-q", "-f", str(POM), "dependency:copy-dependencies",
        f"-DoutputDirectory={tmp}", "-DincludeScope=runtime",
    ]  # fmt: skip
    log.info("kafka.jars.fetch", pom=str(POM), into=str(libs))
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0 or not any(tmp.glob("kafka_2.13-*.jar")):
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
        raise KafkaError(f"mvn could not fetch the Kafka jars (exit {result.returncode}):\n{tail}")
    shutil.rmtree(libs, ignore_errors=True)
    tmp.rename(libs)
    marker.write_text(digest + "\n")
    return libs


def _cluster_id(settings: Settings) -> str:
    """The cluster id, made once per state dir so the storage is never re-formatted."""
    path = kafka_dir(settings) / "cluster.id"
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_file():
        return path.read_text().strip()
    meta = data_dir(settings) / "meta.properties"
    if meta.is_file():  # formatted storage but a lost cluster.id: keep the storage's id
        for line in meta.read_text().splitlines():
            if line.startswith("cluster.id="):
                path.write_text(line.split("=", 1)[1].strip() + "\n")
                return path.read_text().strip()
    # Kafka's Uuid text form: url-safe base64 of 16 random bytes, no padding. One in 64
    # starts with "-", which tools read as an option: draw again rather than risk it.
    cid = "-"
    while cid.startswith("-"):
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    path.write_text(cid + "\n")
    return cid


def _write_config(settings: Settings) -> Path:
    port, cport = settings.kafka_port, settings.kafka_controller_port
    props = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.bootstrap.servers": f"{HOST}:{cport}",
        "listeners": f"PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{cport}",
        "advertised.listeners": f"PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{cport}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(data_dir(settings)),
        "num.partitions": str(PARTITIONS),
        "auto.create.topics.enable": "false",
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        # 50 partitions each (the defaults) only slow the first consumer group down here.
        "offsets.topic.num.partitions": "5",
        "transaction.state.log.num.partitions": "5",
        "group.initial.rebalance.delay.ms": "0",
    }
    kdir = kafka_dir(settings)
    kdir.mkdir(parents=True, exist_ok=True)
    (kdir / "log4j2.properties").write_text(_log4j2_config())
    path = kdir / "server.properties"
    path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
    return path


def _jvm(settings: Settings) -> list[str]:
    log4j = kafka_dir(settings) / "log4j2.properties"
    return [_java(), *JVM_OPTS, f"-Dlog4j2.configurationFile={log4j}", "-cp", _classpath(settings)]


def _format_storage(settings: Settings, config: Path) -> None:
    cluster_id = _cluster_id(settings)  # also (re)writes cluster.id, which health() checks
    if (data_dir(settings) / "meta.properties").is_file():
        return
    cmd = [
        *_jvm(settings), "kafka.tools.StorageTool", "format", "--standalone",
        "--ignore-formatted", f"--cluster-id={cluster_id}", "-c", str(config),
    ]  # fmt: skip
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
        raise KafkaError(f"formatting Kafka storage failed:\n{tail}")
    log.info("kafka.storage.formatted", data=str(data_dir(settings)))


async def _describe(settings: Settings, timeout: float = 5.0) -> ClusterInfo:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap, request_timeout_ms=int(timeout * 1000)
    )
    try:
        await asyncio.wait_for(admin.start(), timeout)
        cluster = await asyncio.wait_for(admin.describe_cluster(), timeout)
        topics = await asyncio.wait_for(admin.list_topics(), timeout)
        return {**cluster, "topics": [t for t in topics if not t.startswith("__")]}
    finally:
        await admin.close()


@contextmanager
def _quiet_aiokafka() -> Iterator[None]:
    # Polling a broker that is still starting: every refused connection would log an ERROR.
    logger = logging.getLogger("aiokafka")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def describe(settings: Settings, timeout: float = 5.0) -> ClusterInfo | None:
    """Cluster id, brokers and (non-internal) topics, or None if Kafka does not answer."""
    try:
        with _quiet_aiokafka():
            return _sync.run(_describe(settings, timeout))
    except Exception:
        return None


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((HOST, port)) == 0


def _fail(msg: str, settings: Settings) -> KafkaError:
    if not settings.manage_kafka:
        return KafkaError(msg)
    return KafkaError(f"{msg}\n--- last lines of {processes.log_path(NAME, settings)} ---\n"
                      f"{processes.log_tail(NAME, settings, 30)}")


def health(settings: Settings, timeout: float = 5.0) -> ClusterInfo | None:
    """Like ``describe``, but None unless the broker is up and, if managed, is ours.

    The cluster id check keeps a foreign broker that holds the port from passing as ours.
    """
    info = describe(settings, timeout)
    if not info or not info.get("brokers"):
        return None
    ours = kafka_dir(settings) / "cluster.id"
    if settings.manage_kafka and (
        not ours.is_file() or info.get("cluster_id") != ours.read_text().strip()
    ):
        return None
    return info


def wait_healthy(settings: Settings, timeout: float = START_TIMEOUT) -> ClusterInfo:
    """Block until the broker is healthy (see ``health``); raise KafkaError on timeout."""
    deadline = time.monotonic() + timeout
    while (info := health(settings, timeout=3.0)) is None:
        if settings.manage_kafka and not processes.is_running(NAME, settings):
            raise _fail("Kafka exited during startup", settings)
        if time.monotonic() >= deadline:
            raise _fail(f"Kafka at {settings.kafka_bootstrap} not healthy after {timeout:.0f}s",
                        settings)
        time.sleep(0.5)
    return info


def start(settings: Settings, timeout: float = START_TIMEOUT) -> ClusterInfo:
    """Start the local broker (idempotent) and wait until it is healthy.

    With ``settings.manage_kafka`` False only waits for the external broker.
    Returns the cluster description (see ``describe``).
    """
    if not settings.manage_kafka:
        return wait_healthy(settings, timeout)
    # Held across the checks, formatting and start, so concurrent `up`s cannot interleave.
    with processes.lock("kafka-setup", settings):
        if not processes.is_running(NAME, settings):
            for port in (settings.kafka_port, settings.kafka_controller_port):
                if _port_open(port):
                    raise KafkaError(f"port {HOST}:{port} is already in use by another process")
            ensure_jars(settings)
            config = _write_config(settings)
            _format_storage(settings, config)
            argv = [*_jvm(settings), "kafka.Kafka", str(config)]
            processes.start(NAME, argv, settings=settings)
    return wait_healthy(settings, timeout)


# The police topic holds CPR numbers in plaintext, so it is kept short; but an oversized
# record is dead-lettered by reference only, and must still be readable at its offset when
# an operator comes to it: seven days, the README's minimum for this topic.
TOPIC_CONFIGS = {POLICE_VERDICTS: {"retention.ms": str(7 * 24 * 3600 * 1000)}}


async def _ensure_topics(settings: Settings, replication_factor: int,
                         min_insync_replicas: int | None) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    try:
        await admin.start()
        missing = [t for t in ALL_TOPICS if t not in set(await admin.list_topics())]
        if missing:
            extra = ({"min.insync.replicas": str(min_insync_replicas)}
                     if min_insync_replicas else {})
            new = [NewTopic(t, num_partitions=PARTITIONS, replication_factor=replication_factor,
                            topic_configs={**TOPIC_CONFIGS.get(t, {}), **extra})
                   for t in missing]
            response = await admin.create_topics(new)
            # aiokafka annotates create_topics as returning the base Response; every
            # CreateTopicsResponse version it may return has topic_errors.
            for topic, code, *rest in response.topic_errors:  # type: ignore[attr-defined]
                err = for_code(code) if code else None
                if err and err is not TopicAlreadyExistsError:
                    raise KafkaError(f"creating topic {topic} failed: {err.__name__} {rest}")
            log.info("kafka.topics.created", topics=missing)
        return missing
    finally:
        await admin.close()


def ensure_topics(settings: Settings, replication_factor: int = 1,
                  min_insync_replicas: int | None = None) -> list[str]:
    """Create every topic of ALL_TOPICS that is missing; return the ones created.

    The embedded broker is one node (factor 1); the cluster (infra/cluster.py) asks for 3
    replicas of which 2 must be in sync for a write to be acknowledged.
    """
    return _sync.run(_ensure_topics(settings, replication_factor, min_insync_replicas))


def stop(settings: Settings, timeout: float = 20) -> bool:
    return processes.stop(NAME, settings, timeout)
