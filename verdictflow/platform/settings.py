"""One settings object for every process, read from the environment (prefix ``VF_``).

Defaults describe the embedded stack on this machine; anything pointing at a user's
own Kafka or Temporal is a matter of setting ``VF_KAFKA_BOOTSTRAP`` or
``VF_TEMPORAL_ADDRESS`` (and ``VF_MANAGE_KAFKA=false`` / ``VF_MANAGE_TEMPORAL=false`` so
``make up`` leaves them alone).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # verdictflow/
REPO_DIR = PACKAGE_DIR.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VF_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    state_dir: Path = REPO_DIR / ".state"

    # Temporal
    temporal_address: str = "127.0.0.1:7233"
    temporal_ui_port: int = 8233
    temporal_namespace: str = "default"
    task_queue: str = "verdictflow"
    manage_temporal: bool = True

    # Kafka
    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_controller_port: int = 9093
    manage_kafka: bool = True
    # How long a producer waits to put records sent at about the same time into one
    # request: in a backlog the worker's activities publish stage events concurrently, and
    # one request per record cost the broker and the client more CPU than the cases
    # themselves' logic. A few ms added to each publish; ``acks=all`` is unchanged.
    kafka_linger_ms: int = Field(default=5, ge=0, le=1000)

    # The scale path (``make cluster``): Temporal's own server on PostgreSQL and three Kafka
    # brokers, on loopback ports of their own moved by this offset (see infra/cluster.py).
    # Its Go builds are cached per Temporal version under ``cluster_bin_dir`` (default
    # ``{state_dir}/cluster/bin``).
    cluster_port_offset: int = Field(default=0, ge=0, le=20000)
    cluster_bin_dir: Path | None = None

    # Read model
    database_url: str = ""

    # Task API
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_token_ttl_minutes: int = 8 * 60

    # Access tokens (OIDC resource server). An empty JWKS URL means the development issuer
    # in the key store (platform.identity_provider); production refuses to start that way.
    oidc_issuer: str = "verdictflow-dev"
    oidc_audience: str = "verdictflow-api"
    oidc_jwks_url: str = ""
    # The caseworker pages' sign-in (authorization code with PKCE) at the same issuer, whose
    # discovery document is ``{oidc_issuer}/.well-known/openid-configuration``. Empty client
    # id: no OIDC sign-in is offered (outside production, the development sign-in is).
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_redirect_url: str = ""  # e.g. https://tasks.example.dk/ui/login/callback
    oidc_scopes: str = "openid"

    # Codec server: decrypts Temporal payloads for operators in the Web UI and the CLI.
    codec_server_port: int = 8081
    codec_cors_origin: str = "http://127.0.0.1:8233"  # the Temporal Web UI, exactly

    # Configuration files (policy and reference data are data, versioned, not constants)
    # Every ``eligibility-policy-*.json`` here is loaded: a case is assessed by the version it
    # started on for life. New cases start on ``policy_version`` when set, else on the newest
    # version in force (its ``effective_from``) on the day they are registered.
    policy_dir: Path = PACKAGE_DIR / "config"
    policy_version: str | None = None
    partnerships_file: Path = PACKAGE_DIR / "config" / "partnerships.json"

    # A housing organisation's disclosure request stays open this long (no law sets it: the
    # partnership's choice); the police district's review of it is due after the second.
    disclosure_request_open_days: int = Field(default=90, ge=1, le=3650)
    disclosure_request_review_days: int = Field(default=14, ge=1, le=365)

    # How long the case waits for a housing organisation's receipt before sending again.
    receipt_timeout_seconds: int = 3600

    # Case data keys held in memory (casekeys.py): a purge evicts at once in this process
    # and, through the purge marker, in every process on the machine; this is the bound for
    # any process that cannot see the marker. 0 seconds or entries: no cache.
    case_key_cache_seconds: float = Field(default=60.0, ge=0, le=3600)
    case_key_cache_entries: int = Field(default=10_000, ge=0, le=1_000_000)

    # Ingest: cases it started that have not yet reached a waiting stage (read model), at
    # most this many; beyond, it stops reading new verdicts until some settle (receipts
    # and changes to existing cases go on). A case counts at most ``ingest_in_flight_seconds``.
    ingest_max_in_flight: int = Field(default=64, ge=0, le=100_000)
    ingest_in_flight_seconds: float = Field(default=120.0, gt=0, le=240)
    # Receipts of different cases checked and signalled this many at once (one case's in
    # order): each waits on Temporal, and one at a time capped a deep backlog at the rate
    # one receipt's round trip allows. 1: one after another, as before.
    ingest_receipt_lanes: int = Field(default=16, ge=1, le=256)

    # The worker (services/worker.py; README "Worker tuning"). Open cases wait for a
    # caseworker for days and wake a few times (a reminder, the decision); only cases in
    # flight (ingest bounds them, above) wake every few milliseconds. A cached case costs
    # the worker 0.24 MB (0.35 before its code was shared: bench/worker_memory.py); a case
    # evicted from the cache costs, when it next wakes, one replay of its whole history
    # (~75 events, tens of ms of CPU). 500 holds the in-flight cases eight times over and
    # keeps the worker under 300 MB however many cases are open; 1,000 (the SDK's default)
    # would pass 400 MB at 10,000. 0: no cache (every task replays).
    worker_max_cached_workflows: int = Field(default=500, ge=0, le=100_000)
    # Workflow tasks run on a thread of their own, one at a time under the GIL: more slots
    # than a 2-core machine works off within the workflow task timeout (10 s) only move the
    # queue from the server into the worker, where that timeout is running.
    worker_max_concurrent_workflow_tasks: int = Field(default=50, ge=2, le=1000)
    # Activities wait on I/O (SQLite through asyncio.to_thread, Kafka); slots bound how many
    # are started at once, each well inside EFFECT's 30 s (the SDK's default, 100).
    worker_max_concurrent_activities: int = Field(default=100, ge=1, le=1000)
    # Local activities are reads within a workflow task (LOCAL_READ): one or two per case
    # in flight; 100 (the SDK's default) is more than the in-flight bound.
    worker_max_concurrent_local_activities: int = Field(default=100, ge=1, le=1000)
    # How long a workflow task may wait on this worker's sticky queue before the server
    # hands it to any worker with the full history, which this worker then replays from
    # the start. In a deep backlog tasks wait behind each other for seconds; at the SDK's
    # 10 s they fell to the normal queue and replays doubled the worker's CPU per case (issue
    # 11), feeding the backlog. 30 s holds them; the cost is that a crashed worker's cases
    # wait up to 30 s for another worker (a graceful stop releases them at once).
    worker_sticky_schedule_to_start_seconds: float = Field(default=30.0, ge=1, le=600)
    # Pollers per queue (the SDK's default, 5): one process on a few cores needs no more.
    worker_workflow_task_pollers: int = Field(default=5, ge=2, le=100)
    worker_activity_task_pollers: int = Field(default=5, ge=1, le=100)

    # Prometheus /metrics, one port per process (0: off); the API serves /metrics on its own
    # app. ``sdk_metrics_port_*``: the Temporal SDK's own exporter in that process (its
    # Runtime binds it). Loopback by default: a production stack sets VF_METRICS_HOST.
    metrics_host: str = "127.0.0.1"
    metrics_port_worker: int = Field(default=0, ge=0, le=65535)
    metrics_port_ingest: int = Field(default=0, ge=0, le=65535)
    metrics_port_gateways: int = Field(default=0, ge=0, le=65535)
    metrics_port_codec_server: int = Field(default=0, ge=0, le=65535)
    sdk_metrics_port_worker: int = Field(default=0, ge=0, le=65535)
    sdk_metrics_port_ingest: int = Field(default=0, ge=0, le=65535)
    sdk_metrics_port_api: int = Field(default=0, ge=0, le=65535)

    log_level: str = "INFO"
    log_file: Path | None = None
    # Every log file (a service's JSON log, the supervisor's capture of a process) rotates at
    # this size, keeping this many old files (0 bytes: never rotate).
    log_max_bytes: int = 10 * 1024 * 1024
    log_backups: int = 5
    # Identical warnings and errors within this window are written once, then counted.
    log_repeat_window_seconds: float = 60.0

    @model_validator(mode="after")
    def _derive(self) -> Settings:
        self.state_dir = self.state_dir.resolve()
        if not self.database_url:
            self.database_url = f"sqlite:///{self.state_dir / 'verdictflow.db'}"
        return self

    @property
    def keys_dir(self) -> Path:
        return self.state_dir / "keys"

    @property
    def temporal_host(self) -> str:
        return self.temporal_address.rsplit(":", 1)[0]

    @property
    def temporal_port(self) -> int:
        return int(self.temporal_address.rsplit(":", 1)[1])

    @property
    def kafka_port(self) -> int:
        return int(self.kafka_bootstrap.split(",")[0].rsplit(":", 1)[1])

    @property
    def api_url(self) -> str:
        return f"http://{self.api_host}:{self.api_port}"

    @property
    def temporal_ui_url(self) -> str:
        return f"http://{self.temporal_host}:{self.temporal_ui_port}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
