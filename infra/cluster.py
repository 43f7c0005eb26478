"""The scale path on one machine: Temporal's own server on PostgreSQL, three Kafka brokers.

What a user who outgrows the embedded stack runs, started here on loopback ports so that
the project's services can be pointed at it through the ordinary ``VF_*`` settings:

- PostgreSQL from Debian's package (``initdb``/``postgres``), run as the ``postgres`` system
  user when we are root (the server refuses root). Databases ``temporal``,
  ``temporal_visibility`` (schemas applied by Temporal's ``temporal-sql-tool``) and
  ``verdictflow`` (the read model), one role each, passwords generated into
  ``{state_dir}/cluster/secrets.json`` (mode 0600).
- Temporal's server, built with the local Go toolchain from the module version pinned in
  ``infra/cluster/go.mod`` (the Go module proxy is its registry), cached per version under
  ``{cluster_bin_dir}/<version>`` with the module's PostgreSQL schema files beside it. All
  four services (frontend, history, matching, worker) in one process, 4 history shards.
- Kafka in KRaft combined mode, three nodes that are each broker and controller (a quorum
  of three), from the same Maven Central jars as the embedded broker; topics with
  replication factor 3 and ``min.insync.replicas=2``, so one broker may be lost without
  losing an acknowledged (``acks=all``) record or stopping producers.

Every process is supervised like the embedded stack (``infra.processes``), named
``cluster-*``; ``stop`` ends them in order (brokers together, then Temporal, then
PostgreSQL). Ports: ``ports()``; the settings a service needs: ``service_env()``.
"""

from __future__ import annotations

import base64
import json
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import structlog
from aiokafka.admin import AIOKafkaAdminClient

from infra import _sync, kafka, processes, temporal
from verdictflow.platform.settings import Settings

log = structlog.get_logger(__name__)

GO_MODULE_DIR = Path(__file__).resolve().parent / "cluster"
HOST = "127.0.0.1"
BROKERS = 3
REPLICATION_FACTOR = 3
MIN_INSYNC_REPLICAS = 2
HISTORY_SHARDS = 4  # fixed for the life of a Temporal cluster: it cannot be changed later
RETENTION = timedelta(days=7)  # closed workflow histories; cases themselves run for years
START_TIMEOUT = 180.0
PG_USER = "postgres"  # the system user the server runs as when we are root
POSTGRES = "cluster-postgres"
TEMPORAL = "cluster-temporal"
KAFKA_NODES = tuple(f"cluster-kafka-{i}" for i in range(1, BROKERS + 1))
# Stop order: the brokers first (together: stopped one by one the last would wait for a
# controller majority that is gone), then Temporal, then the database under it.
STOP_ORDER = (KAFKA_NODES, (TEMPORAL,), (POSTGRES,))
NAMES = frozenset(n for group in STOP_ORDER for n in group)


class ClusterError(RuntimeError):
    pass


@dataclass(frozen=True)
class Ports:
    postgres: int
    temporal: int  # frontend gRPC: what clients and workers dial
    temporal_http: int
    history: int
    matching: int
    worker: int
    membership: int  # first of four (frontend, history, matching, worker)
    brokers: tuple[int, ...]
    controllers: tuple[int, ...]


def ports(settings: Settings) -> Ports:
    # Away from the embedded stack (7233, 9092, …), the tests' (17xxx-19xxx) and the chaos
    # trials' (24xxx, 27xxx, 28xxx), and below Linux's ephemeral range (32768-).
    o = settings.cluster_port_offset
    return Ports(
        postgres=25432 + o, temporal=22233 + o, temporal_http=22243 + o,
        history=22234 + o, matching=22235 + o, worker=22239 + o, membership=23933 + o,
        brokers=tuple(29092 + 2 * i + o for i in range(BROKERS)),
        controllers=tuple(29093 + 2 * i + o for i in range(BROKERS)),
    )  # fmt: skip


def cluster_dir(settings: Settings) -> Path:
    return settings.state_dir / "cluster"


def temporal_version() -> str:
    """The Temporal server version pinned in infra/cluster/go.mod."""
    text = (GO_MODULE_DIR / "go.mod").read_text()
    found = re.search(r"^\s*go\.temporal\.io/server (v\S+)", text, re.MULTILINE)
    if not found:
        raise ClusterError("infra/cluster/go.mod does not require go.temporal.io/server")
    return found.group(1)


def bin_dir(settings: Settings) -> Path:
    return (settings.cluster_bin_dir or cluster_dir(settings) / "bin") / temporal_version()


# -- the settings the project's services use against the cluster ---------------------------
def _secrets(settings: Settings) -> dict[str, str]:
    path = cluster_dir(settings) / "secrets.json"
    if path.is_file():
        loaded: dict[str, str] = json.loads(path.read_text())
        return loaded
    made = {role: secrets.token_hex(16) for role in ("postgres", "temporal", "verdictflow")}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(made, fh)
    return made


def database_url(settings: Settings) -> str:
    pw = _secrets(settings)["verdictflow"]
    return f"postgresql+psycopg://verdictflow:{pw}@{HOST}:{ports(settings).postgres}/verdictflow"


def settings_for(settings: Settings) -> Settings:
    """``settings`` pointed at the cluster: what the services and tests connect to."""
    p = ports(settings)
    return settings.model_copy(update={
        "temporal_address": f"{HOST}:{p.temporal}",
        "kafka_bootstrap": ",".join(f"{HOST}:{b}" for b in p.brokers),
        "manage_temporal": False,
        "manage_kafka": False,
        "database_url": database_url(settings),
    })  # fmt: skip


def service_env(settings: Settings) -> dict[str, str]:
    """The ``VF_*`` environment that points a service (or the benchmark) at the cluster."""
    c = settings_for(settings)
    return {
        "VF_STATE_DIR": str(settings.state_dir),
        "VF_TEMPORAL_ADDRESS": c.temporal_address,
        "VF_KAFKA_BOOTSTRAP": c.kafka_bootstrap,
        "VF_MANAGE_TEMPORAL": "false",
        "VF_MANAGE_KAFKA": "false",
        "VF_DATABASE_URL": c.database_url,
    }


def _write_env_file(settings: Settings) -> Path:
    path = cluster_dir(settings) / "cluster.env"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds a password
    with os.fdopen(fd, "w") as fh:
        fh.writelines(f"{k}={v}\n" for k, v in service_env(settings).items())
    return path


# -- building Temporal's server --------------------------------------------------------------
def _go() -> str:
    go = shutil.which("go")
    if not go:
        raise ClusterError("go not found on PATH: needed once to build Temporal's server")
    return go


def _check_go(env: dict[str, str]) -> None:
    """The local Go must satisfy the module's go line (GOTOOLCHAIN=local: no download)."""
    def parse(v: str) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", v)[:3])

    wanted = re.search(r"^go (\S+)", (GO_MODULE_DIR / "go.mod").read_text(), re.MULTILINE)
    have = subprocess.run([_go(), "env", "GOVERSION"], env=env, capture_output=True,
                          text=True).stdout.strip()
    if wanted and parse(have.removeprefix("go")) < parse(wanted.group(1)):
        raise ClusterError(f"Temporal {temporal_version()} needs Go >= {wanted.group(1)}; "
                           f"this machine has {have or 'none that answers'}")


def ensure_binaries(settings: Settings) -> Path:
    """``temporal-server`` and ``temporal-sql-tool`` of the pinned version, built once.

    The module's PostgreSQL schema files are copied next to them, so nothing at run time
    depends on the Go module cache.
    """
    target = bin_dir(settings)
    if (target / ".complete").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with processes.lock("cluster-build", settings):
        if (target / ".complete").is_file():
            return target
        tmp = target.with_name(target.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        # GOTOOLCHAIN=local: use this machine's Go; the go.mod's go line says which it needs.
        env = {"GOTOOLCHAIN": "local", "CGO_ENABLED": "0", "GOFLAGS": "-mod=mod", **os.environ}
        _check_go(env)
        began = time.monotonic()
        log.info("cluster.temporal.build", version=temporal_version(), into=str(target))
        built = subprocess.run(
            [_go(), "build", "-trimpath", "-o", f"{tmp}/", "go.temporal.io/server/cmd/server",
             "go.temporal.io/server/cmd/tools/sql"],
            cwd=GO_MODULE_DIR, env=env, capture_output=True, text=True)
        if built.returncode != 0:
            tail = "\n".join((built.stdout + built.stderr).splitlines()[-30:])
            raise ClusterError(f"go build of Temporal's server failed:\n{tail}")
        (tmp / "server").rename(tmp / "temporal-server")
        (tmp / "sql").rename(tmp / "temporal-sql-tool")
        module = subprocess.run(
            [_go(), "list", "-m", "-f", "{{.Dir}}", "go.temporal.io/server"],
            cwd=GO_MODULE_DIR, env=env, capture_output=True, text=True, check=True)
        schema = Path(module.stdout.strip()) / "schema" / "postgresql" / "v12"
        shutil.copytree(schema, tmp / "schema", copy_function=shutil.copyfile,
                        ignore=shutil.ignore_patterns("*.go"))
        for root, dirs, _files in os.walk(tmp / "schema"):  # module cache dirs are read-only
            for d in dirs:
                os.chmod(Path(root) / d, 0o755)
        (tmp / ".complete").write_text(f"{time.monotonic() - began:.0f}s\n")
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
    return target


# -- PostgreSQL ----------------------------------------------------------------------------------
def _pg_bindir() -> Path:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    # Debian keeps the server programs off PATH, one folder per major version.
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                      key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if not versions:
        raise ClusterError("no PostgreSQL server (initdb) here: make cluster-deps installs "
                           "Debian's postgresql package")
    return versions[-1].parent


def _as_pg_user() -> list[str]:
    """The prefix that runs a command as the database's owner (the server refuses root)."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        raise ClusterError(f"running as root and there is no '{PG_USER}' system user to run "
                           "PostgreSQL as (Debian's postgresql package makes it)") from None
    return ["setpriv", f"--reuid={PG_USER}", f"--regid={PG_USER}", "--init-groups"]


def _pg_dir(settings: Settings) -> Path:
    return cluster_dir(settings) / "postgres"


def _chown_pg(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, PG_USER, PG_USER)


def _initdb(settings: Settings) -> None:
    home, data = _pg_dir(settings), _pg_dir(settings) / "data"
    if (data / "PG_VERSION").is_file():
        return
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o700)
    _chown_pg(home)
    pwfile = home / "initdb.pw"
    pwfile.write_text(_secrets(settings)["postgres"] + "\n")
    _chown_pg(pwfile)
    try:
        result = subprocess.run(
            [*_as_pg_user(), str(_pg_bindir() / "initdb"), "-D", str(data), "-U", "postgres",
             f"--pwfile={pwfile}", "--auth-local=peer", "--auth-host=scram-sha-256",
             "--encoding=UTF8", "--locale=C"],
            capture_output=True, text=True)
    finally:
        pwfile.unlink(missing_ok=True)
    if result.returncode != 0:
        raise ClusterError(f"initdb failed: {(result.stdout + result.stderr)[-600:]}")


def _pg_connect(settings: Settings, user: str = "postgres", dbname: str = "postgres") -> Any:
    import psycopg  # the [postgres] extra; imported here so the embedded stack needs none

    return psycopg.connect(host=HOST, port=ports(settings).postgres, user=user,
                           password=_secrets(settings)[user], dbname=dbname,
                           connect_timeout=3, autocommit=True)


def _start_postgres(settings: Settings) -> None:
    _initdb(settings)
    port = ports(settings).postgres
    if not processes.is_running(POSTGRES, settings):
        _free(port)
        processes.start(POSTGRES, [
            *_as_pg_user(), str(_pg_bindir() / "postgres"), "-D", str(_pg_dir(settings) / "data"),
            "-p", str(port), "-k", str(_pg_dir(settings)),
            "-c", f"listen_addresses={HOST}", "-c", "max_connections=200",
        ], settings=settings)  # fmt: skip
    _wait(POSTGRES, settings, lambda: _pg_connect(settings).close() is None)


def _provision_postgres(settings: Settings) -> None:
    """Roles and the read model's database (idempotent); Temporal's are the sql tool's."""
    pw = _secrets(settings)
    with _pg_connect(settings) as conn:
        roles = {r[0] for r in conn.execute("SELECT rolname FROM pg_roles")}
        for role, extra in (("temporal", "CREATEDB"), ("verdictflow", "")):
            verb = "ALTER" if role in roles else "CREATE"
            conn.execute(f"{verb} ROLE {role} LOGIN {extra} PASSWORD '{pw[role]}'")
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'verdictflow'").fetchone():
            conn.execute("CREATE DATABASE verdictflow OWNER verdictflow")


def _sql_tool(settings: Settings, db: str, *args: str) -> None:
    tool = bin_dir(settings) / "temporal-sql-tool"
    result = subprocess.run(
        [str(tool), "--plugin", "postgres12", "--ep", HOST, "-p", str(ports(settings).postgres),
         "-u", "temporal", "--pw", _secrets(settings)["temporal"], "--db", db, *args],
        capture_output=True, text=True)
    if result.returncode != 0:
        raise ClusterError(f"temporal-sql-tool {' '.join(args[:1])} on {db} failed:\n"
                           f"{(result.stdout + result.stderr)[-800:]}")


def _apply_temporal_schemas(settings: Settings) -> None:
    with _pg_connect(settings) as conn:
        existing = {r[0] for r in conn.execute("SELECT datname FROM pg_database")}
    for db, schema in (("temporal", "temporal"), ("temporal_visibility", "visibility")):
        if db not in existing:
            _sql_tool(settings, db, "create-database")
            _sql_tool(settings, db, "setup-schema", "-v", "0.0")
        # Up to the newest version the pinned module ships; nothing to do when there already.
        _sql_tool(settings, db, "update-schema", "-d",
                  str(bin_dir(settings) / "schema" / schema / "versioned"))


# -- Temporal -------------------------------------------------------------------------------
def _temporal_dir(settings: Settings) -> Path:
    return cluster_dir(settings) / "temporal"


def _temporal_config(settings: Settings) -> dict[str, Any]:
    p, pw = ports(settings), _secrets(settings)["temporal"]

    def store(db: str, conns: int) -> dict[str, Any]:
        return {"sql": {
            "pluginName": "postgres12", "databaseName": db, "connectAddr": f"{HOST}:{p.postgres}",
            "connectProtocol": "tcp", "user": "temporal", "password": pw,
            "maxConns": conns, "maxIdleConns": conns, "maxConnLifetime": "1h"}}

    def rpc(grpc: int, membership: int, http: int | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"grpcPort": grpc, "membershipPort": membership, "bindOnIP": HOST}
        if http is not None:
            out["httpPort"] = http
        return {"rpc": out}

    return {
        "log": {"stdout": True, "level": "warn"},
        "persistence": {
            "defaultStore": "default", "visibilityStore": "visibility",
            "numHistoryShards": HISTORY_SHARDS,
            "datastores": {"default": store("temporal", 20),
                           "visibility": store("temporal_visibility", 10)},
        },
        "global": {"membership": {"maxJoinDuration": "30s", "broadcastAddress": HOST}},
        "services": {
            "frontend": rpc(p.temporal, p.membership, p.temporal_http),
            "history": rpc(p.history, p.membership + 1),
            "matching": rpc(p.matching, p.membership + 2),
            "worker": rpc(p.worker, p.membership + 6),
        },
        "clusterMetadata": {
            "enableGlobalNamespace": False, "failoverVersionIncrement": 10,
            "masterClusterName": "active", "currentClusterName": "active",
            "clusterInformation": {"active": {
                "enabled": True, "initialFailoverVersion": 1, "rpcName": "frontend",
                "rpcAddress": f"{HOST}:{p.temporal}", "httpAddress": f"{HOST}:{p.temporal_http}"}},
        },
        "dcRedirectionPolicy": {"policy": "noop"},
        "dynamicConfigClient": {"filepath": str(_temporal_dir(settings) / "dynamicconfig.yaml"),
                                "pollInterval": "10s"},
    }  # fmt: skip


# Search attributes registered by the operator service are read from a cache; on a small
# cluster read it through, so a worker started right after `up` can upsert them at once.
DYNAMIC_CONFIG = """system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
"""


def _start_temporal(settings: Settings) -> None:
    tdir = _temporal_dir(settings)
    (tdir / "config").mkdir(parents=True, exist_ok=True)
    # JSON is YAML: the config is written without a YAML library. It holds a password.
    config = tdir / "config" / "development.yaml"
    fd = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(_temporal_config(settings), fh, indent=1)
    (tdir / "dynamicconfig.yaml").write_text(DYNAMIC_CONFIG)
    if not processes.is_running(TEMPORAL, settings):
        p = ports(settings)
        _free(p.temporal, p.temporal_http, p.history, p.matching, p.worker,
              *(p.membership + i for i in (0, 1, 2, 6)))
        processes.start(TEMPORAL, [
            str(bin_dir(settings) / "temporal-server"), "--root", str(tdir), "--config", "config",
            "--env", "development", "--allow-no-auth", "start",
        ], settings=settings)  # fmt: skip
    c = settings_for(settings)

    async def frontend_serving() -> bool:
        client = await temporal.connect(c, timeout=3.0)
        return await client.service_client.check_health(timeout=timedelta(seconds=3))

    _wait(TEMPORAL, settings, lambda: _sync.run(frontend_serving()))
    _sync.run(_register_namespace(c))
    _wait(TEMPORAL, settings, lambda: temporal.is_healthy(c, timeout=3.0))
    temporal.ensure_search_attributes(c)


async def _register_namespace(settings: Settings) -> None:
    from google.protobuf.duration_pb2 import Duration
    from temporalio.api.workflowservice.v1 import RegisterNamespaceRequest
    from temporalio.service import RPCError, RPCStatusCode

    client = await temporal.connect(settings)
    retention = Duration(seconds=int(RETENTION.total_seconds()))
    try:
        await client.workflow_service.register_namespace(RegisterNamespaceRequest(
            namespace=settings.temporal_namespace, workflow_execution_retention_period=retention))
        log.info("cluster.temporal.namespace.registered", namespace=settings.temporal_namespace)
    except RPCError as err:
        if err.status != RPCStatusCode.ALREADY_EXISTS:
            raise


# -- Kafka ------------------------------------------------------------------------------------
def _kafka_dir(settings: Settings, node: int) -> Path:
    return cluster_dir(settings) / f"kafka-{node}"


def _kafka_config(settings: Settings, node: int) -> Path:
    p = ports(settings)
    broker, controller = p.brokers[node - 1], p.controllers[node - 1]
    voters = ",".join(f"{i + 1}@{HOST}:{c}" for i, c in enumerate(p.controllers))
    props = {
        "process.roles": "broker,controller",
        "node.id": str(node),
        "controller.quorum.voters": voters,
        "listeners": f"PLAINTEXT://{HOST}:{broker},CONTROLLER://{HOST}:{controller}",
        "advertised.listeners": f"PLAINTEXT://{HOST}:{broker}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(_kafka_dir(settings, node) / "data"),
        "num.partitions": str(kafka.PARTITIONS),
        "default.replication.factor": str(REPLICATION_FACTOR),
        "min.insync.replicas": str(MIN_INSYNC_REPLICAS),
        "unclean.leader.election.enable": "false",
        "auto.create.topics.enable": "false",
        "offsets.topic.replication.factor": str(REPLICATION_FACTOR),
        "transaction.state.log.replication.factor": str(REPLICATION_FACTOR),
        "transaction.state.log.min.isr": str(MIN_INSYNC_REPLICAS),
        "share.coordinator.state.topic.replication.factor": str(REPLICATION_FACTOR),
        "share.coordinator.state.topic.min.isr": str(MIN_INSYNC_REPLICAS),
        "offsets.topic.num.partitions": "5",
        "transaction.state.log.num.partitions": "5",
        "group.initial.rebalance.delay.ms": "0",
    }
    kdir = _kafka_dir(settings, node)
    kdir.mkdir(parents=True, exist_ok=True)
    (kdir / "log4j2.properties").write_text(kafka._log4j2_config())
    path = kdir / "server.properties"
    path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
    return path


def _kafka_cluster_id(settings: Settings) -> str:
    path = cluster_dir(settings) / "kafka.cluster.id"
    if not path.is_file():
        # The Uuid text form Kafka wants (see infra/kafka.py); never one starting with "-".
        cid = "-"
        while cid.startswith("-"):
            cid = base64.urlsafe_b64encode(secrets.token_bytes(16)).decode().rstrip("=")
        path.write_text(cid + "\n")
    return path.read_text().strip()


def _kafka_jvm(settings: Settings, node: int) -> list[str]:
    log4j = _kafka_dir(settings, node) / "log4j2.properties"
    return [kafka._java(), *kafka.JVM_OPTS, f"-Dlog4j2.configurationFile={log4j}",
            "-cp", kafka._classpath(settings)]


def _start_kafka(settings: Settings) -> None:
    cid = _kafka_cluster_id(settings)
    for node in range(1, BROKERS + 1):
        name = KAFKA_NODES[node - 1]
        config = _kafka_config(settings, node)
        if not (_kafka_dir(settings, node) / "data" / "meta.properties").is_file():
            result = subprocess.run(
                [*_kafka_jvm(settings, node), "kafka.tools.StorageTool", "format",
                 "--ignore-formatted", f"--cluster-id={cid}", "-c", str(config)],
                capture_output=True, text=True)
            if result.returncode != 0:
                raise ClusterError(f"formatting Kafka node {node} failed:\n"
                                   f"{(result.stdout + result.stderr)[-800:]}")
        if not processes.is_running(name, settings):
            p = ports(settings)
            _free(p.brokers[node - 1], p.controllers[node - 1])
            processes.start(name, [*_kafka_jvm(settings, node), "kafka.Kafka", str(config)],
                            settings=settings)


def _wait_kafka(settings: Settings) -> None:
    c = settings_for(settings)

    def all_brokers() -> bool:
        info = kafka.describe(c, timeout=3.0)
        return bool(info and info.get("cluster_id") == _kafka_cluster_id(settings)
                    and len(info.get("brokers", [])) == BROKERS)

    _wait(KAFKA_NODES[0], settings, all_brokers, also=KAFKA_NODES[1:])


async def _replication(settings: Settings) -> dict[str, tuple[int, int]]:
    """Per project topic: (smallest replica count, smallest in-sync count) of its partitions."""
    from verdictflow.domain.topics import ALL_TOPICS

    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    try:
        await admin.start()
        out = {}
        for t in await admin.describe_topics(list(ALL_TOPICS)):
            parts = t["partitions"] or [{"replicas": [], "isr": []}]  # not propagated yet
            out[t["topic"]] = (min(len(p["replicas"]) for p in parts),
                               min(len(p["isr"]) for p in parts))
        return out
    finally:
        await admin.close()


def replication(settings: Settings) -> dict[str, tuple[int, int]]:
    return _sync.run(_replication(settings_for(settings)))


# -- supervision helpers ------------------------------------------------------------------
def _free(*port_list: int) -> None:
    for port in port_list:
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex((HOST, port)) == 0:
                raise ClusterError(f"port {HOST}:{port} is already in use by another process")


def _wait(name: str, settings: Settings, ready: Any, also: tuple[str, ...] = (),
          timeout: float = START_TIMEOUT) -> None:
    """Poll ``ready()`` until true; fail early with the log tail if the process died."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if ready():
                return
        except Exception:  # noqa: BLE001, S110 - not up yet
            pass
        for n in (name, *also):
            if not processes.is_running(n, settings):
                raise ClusterError(f"{n} exited during startup\n--- last lines of "
                                   f"{processes.log_path(n, settings)} ---\n"
                                   f"{processes.log_tail(n, settings, 30)}")
        if time.monotonic() >= deadline:
            raise ClusterError(f"{name} not ready after {timeout:.0f}s\n"
                               f"{processes.log_tail(name, settings, 30)}")
        time.sleep(1.0)


# -- up / down -------------------------------------------------------------------------------
def up(settings: Settings, say: Any = print) -> Settings:
    """Build (once), start and provision the cluster; idempotent. Returns its settings."""
    began = time.monotonic()
    cdir = cluster_dir(settings)
    cdir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:  # the postgres user must be able to reach its directory
        cdir.chmod(0o711)
    with ThreadPoolExecutor(max_workers=2) as pool:  # a Go build and a Maven fetch
        built = pool.submit(ensure_binaries, settings)
        jars = pool.submit(kafka.ensure_jars, settings)
        bins, libs = built.result(), jars.result()
    say(f"✓ build     Temporal {temporal_version()} in {bins} ({time.monotonic() - began:.0f}s)")
    say(f"✓ jars      {libs}")
    with processes.lock("cluster-setup", settings):
        _start_kafka(settings)  # the JVMs warm up while PostgreSQL and Temporal start
        _start_postgres(settings)
        _provision_postgres(settings)
        _apply_temporal_schemas(settings)
        p = ports(settings)
        say(f"✓ postgres  {HOST}:{p.postgres} (databases temporal, temporal_visibility, "
            "verdictflow)")
        _start_temporal(settings)
        say(f"✓ temporal  {HOST}:{p.temporal} (server {temporal_version()}, {HISTORY_SHARDS} "
            f"history shards, namespace {settings.temporal_namespace}, search attributes)")
        _wait_kafka(settings)
        c = settings_for(settings)
        kafka.ensure_topics(c, replication_factor=REPLICATION_FACTOR,
                            min_insync_replicas=MIN_INSYNC_REPLICAS)
        # Topics are created at once, their partitions' replicas come in sync just after.
        full = (REPLICATION_FACTOR, REPLICATION_FACTOR)
        _wait(KAFKA_NODES[0], settings,
              lambda: set(replication(settings).values()) == {full}, also=KAFKA_NODES[1:],
              timeout=60)
        rep = replication(settings)
        say(f"✓ kafka     {c.kafka_bootstrap} ({BROKERS} brokers, KRaft quorum of "
            f"{BROKERS}; topics: {len(rep)}, replication {REPLICATION_FACTOR}, "
            f"min.insync.replicas {MIN_INSYNC_REPLICAS})")
    env = _write_env_file(settings)
    say(f"cluster up in {time.monotonic() - began:.1f}s; its settings: {env}")
    return settings_for(settings)


def running(settings: Settings) -> list[str]:
    return [n for n in processes.running(settings) if n in NAMES]


def stop(settings: Settings, timeout: float = 30) -> list[str]:
    """Stop the cluster's processes (brokers together, Temporal, PostgreSQL)."""
    stopped: list[str] = []
    for group in STOP_ORDER:
        with ThreadPoolExecutor(max_workers=len(group)) as pool:
            done = list(pool.map(lambda n: (n, processes.stop(n, settings, timeout)), group))
        stopped += [n for n, was in done if was]
    return stopped
