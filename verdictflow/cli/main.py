"""``verdictflow``: one command for every process and tool."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from verdictflow.cli.ops import ops_app
from verdictflow.cli.policy import policy_app
from verdictflow.cli.reentry import reentry_app
from verdictflow.cli.report import report_app
from verdictflow.platform.ast_guard import serialise_ast_parse
from verdictflow.platform.settings import get_settings

if TYPE_CHECKING:  # imported where used: a command loads only what it needs
    from verdictflow.platform.database import Database
    from verdictflow.platform.keys import FileKeyStore

app = typer.Typer(help="verdictflow: durable, private follow-up of verdicts "
                       "(Almenboligloven § 63 d).",
                  no_args_is_help=True)
stack_app = typer.Typer(help="The embedded infrastructure: Temporal and Kafka.",
                        no_args_is_help=True)
services_app = typer.Typer(help="The application services under the supervisor.",
                           no_args_is_help=True)
dev_app = typer.Typer(help="Development helpers (embedded default only).", no_args_is_help=True)
keys_app = typer.Typer(help="Key management.", no_args_is_help=True)
app.add_typer(stack_app, name="stack")
app.add_typer(services_app, name="services")
app.add_typer(dev_app, name="dev")
app.add_typer(keys_app, name="keys")
db_app = typer.Typer(help="Database migrations (Alembic): read model and gateway store.",
                     no_args_is_help=True)
app.add_typer(db_app, name="db")
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
case_app = typer.Typer(help="Cases: purge (crypto-shredding).", no_args_is_help=True)
app.add_typer(case_app, name="case")
dlq_app = typer.Typer(help="Dead letters: what was refused and why; replay once mended.",
                      no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")
app.add_typer(policy_app, name="policy")
app.add_typer(reentry_app, name="reentry")
app.add_typer(report_app, name="report")
app.add_typer(ops_app, name="ops")


def _keys() -> FileKeyStore:
    from verdictflow.platform.keys import keystore_for

    return keystore_for(get_settings())


def _read_model() -> Database:
    """The read model, with the audit log, for this command (built once per command)."""
    from verdictflow.platform.readmodel import read_model_database

    return read_model_database(get_settings())


# -- infrastructure ---------------------------------------------------------------
@stack_app.command("up")
def stack_up(
    cluster: Annotated[bool, typer.Option(
        "--cluster", help="The scale path instead: Temporal's own server (built with Go) on "
        "PostgreSQL and three Kafka brokers with replication factor 3 (infra/cluster.py)")] = False,
) -> None:
    """Start Temporal and Kafka (idempotent), create topics and search attributes."""
    from infra import stack

    try:
        if cluster:
            stack.up_cluster(get_settings())
        else:
            stack.up(get_settings())
    except stack.StackError:
        raise typer.Exit(1) from None


@stack_app.command("jars")
def stack_jars() -> None:
    """Resolve the Kafka broker jars from Maven Central (infra/kafka/pom.xml)."""
    from infra import kafka

    print(f"✓ kafka jars in {kafka.ensure_jars(get_settings())}")


@stack_app.command("down")
def stack_down() -> None:
    """Stop everything verdictflow started: services, Kafka, Temporal, the cluster."""
    from infra import stack

    stack.down(get_settings())


@stack_app.command("status")
def stack_status() -> None:
    from infra import stack

    raise typer.Exit(stack.status(get_settings()))


@services_app.command("up")
def services_up(
    cluster: Annotated[bool, typer.Option(
        "--cluster", help="Point them at the cluster of `stack up --cluster`")] = False,
) -> None:
    """Start worker, ingest, gateways and API in the background (idempotent)."""
    from verdictflow.cli.launcher import start_services

    if cluster:
        from infra import cluster as scale
        from verdictflow.cli import migrate

        settings = get_settings()
        env = scale.service_env(settings)
        # An empty PostgreSQL: the read model's schema by its migrations, once, before the
        # services start (each would otherwise create the tables at once, and race).
        migrate.upgrade(scale.settings_for(settings))
        start_services(scale.settings_for(settings), env=env)
        for key in ("VF_TEMPORAL_ADDRESS", "VF_KAFKA_BOOTSTRAP"):
            print(f"  {key}={env[key]}")
        print(f"  (all VF_* settings of the cluster: {scale.cluster_dir(settings)}/cluster.env)")
    else:
        start_services(get_settings())


@services_app.command("down")
def services_down() -> None:
    from verdictflow.cli.launcher import stop_services

    stop_services(get_settings())


# -- long-running services -----------------------------------------------------------
@app.command()
def worker() -> None:
    """Run the Temporal worker (case and re-entry workflows, their activities)."""
    from verdictflow.platform.bytecode import share_code

    # Before the workflow modules are imported: the sandbox imports them again per case.
    share_code(("workflows",))
    from activities.deps import Deps
    from services.worker import run_worker
    from verdictflow.platform.metrics import serve_metrics
    from verdictflow.platform.runtime import serve
    from verdictflow.platform.temporal import connect

    settings = get_settings()

    async def main() -> None:
        deps = Deps.build(settings)
        serve_metrics(settings, "worker")
        await run_worker(await connect(settings, deps.keys, "worker"), deps)

    serve("worker", settings, main)


@app.command()
def ingest() -> None:
    """Run the Kafka → Temporal ingest (police verdicts and housing receipts)."""
    from services.ingest.service import run_ingest
    from verdictflow.platform.metrics import serve_metrics
    from verdictflow.platform.runtime import serve
    from verdictflow.platform.temporal import connect

    settings = get_settings()

    async def main() -> None:
        keys = _keys()
        serve_metrics(settings, "ingest")
        await run_ingest(settings, await connect(settings, keys, "ingest"), keys)

    serve("ingest", settings, main)


@app.command()
def gateway(
    org: Annotated[list[str] | None,
                   typer.Option(help="Housing organisation id (repeatable).")] = None,
    all_orgs: Annotated[bool, typer.Option(
        "--all", help="Every organisation in the reference data.")] = False,
) -> None:
    """Run the reference housing gateway for one or more organisations."""
    from services.gateway.service import run_gateways
    from verdictflow.platform.reference import load_reference
    from verdictflow.platform.runtime import serve

    settings = get_settings()
    orgs = list(org or [])
    if all_orgs:
        orgs = [o.id for o in load_reference(settings).partnerships.housing_organisations]
    if not orgs:
        raise typer.BadParameter("name at least one --org, or --all")

    async def main() -> None:
        from verdictflow.platform.metrics import serve_metrics

        serve_metrics(settings, "gateways")
        await run_gateways(settings, orgs, _keys())

    serve("gateways" if all_orgs else f"gateway-{orgs[0]}", settings, main)


@app.command()
def api() -> None:
    """Run the task API (FastAPI, OpenAPI at /docs)."""
    import uvicorn

    from services.api.app import create_app
    from verdictflow.platform.log import configure_service

    settings = get_settings()
    configure_service("api", settings)
    uvicorn.run(create_app(settings), host=settings.api_host, port=settings.api_port,
                log_config=None, access_log=False)


@app.command("codec-server")
def codec_server() -> None:
    """Run the codec server that decrypts payloads for operators (Web UI, temporal CLI)."""
    from services.codec_server.app import run_codec_server
    from verdictflow.platform.metrics import serve_metrics

    settings = get_settings()
    serve_metrics(settings, "codec_server")
    run_codec_server(settings)


# -- tools ---------------------------------------------------------------------------
@app.command()
def partnerships(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The partnerships: sources, parties, areas, organisations and departments, with
    every value the seed documents do not give marked illustrative."""
    from verdictflow.cli.partnerships_view import describe
    from verdictflow.platform.reference import load_reference

    data = load_reference(get_settings()).partnerships.to_json_dict()
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for line in describe(data):
        print(line)


@app.command("case-id")
def case_id(verdict_id: str) -> None:
    """The case id (and workflow id) a verdict id maps to."""
    from verdictflow.domain.identity import case_id_for

    print(case_id_for(verdict_id, _keys().pseudonym_key()))


@dlq_app.command("list")
def dlq_list(topic: Annotated[str, typer.Argument(help="The source topic, e.g. "
                                                  "police.verdicts.v1")]) -> None:
    """The dead letters of TOPIC: where each came from, its kind and reason (no content)."""
    from verdictflow.platform.dlq import DeadLetterError, list_dead_letters

    try:
        letters = asyncio.run(list_dead_letters(get_settings(), topic))
    except DeadLetterError as exc:
        raise typer.BadParameter(str(exc)) from None
    for d in letters:
        print(f"{d.partition}:{d.offset}  {d.kind:<9} from {d.original_topic}"
              f"[{d.original_partition}]@{d.original_offset}  {d.reason}")
    print(f"{len(letters)} dead letter(s) on {topic}.dlq")


@dlq_app.command("replay")
def dlq_replay(
    topic: Annotated[str, typer.Argument(help="The source topic.")],
    position: Annotated[str, typer.Argument(help="PARTITION:OFFSET on TOPIC.dlq, "
                                            "as `dlq list` prints it")],
) -> None:
    """Publish a dead letter's original to TOPIC again (audited), once its cause is mended."""
    from verdictflow.platform.dlq import DeadLetterError, replay

    try:
        partition, offset = (int(part) for part in position.split(":"))
    except ValueError:
        raise typer.BadParameter("POSITION is PARTITION:OFFSET, e.g. 0:17") from None
    try:
        letter = asyncio.run(replay(get_settings(), _keys(), _read_model(), topic, partition,
                                    offset))
    except DeadLetterError as exc:
        print(f"✗ {exc}", file=sys.stderr)
        raise typer.Exit(1) from None
    print(f"✓ replayed the original of {topic}.dlq {position} ({letter.kind}) to {topic}")


@case_app.command("purge")
def case_purge(
    case_id_: Annotated[str, typer.Argument(metavar="CASE_ID")],
    force: Annotated[bool, typer.Option(
        help="Terminate the case's workflows if still running.")] = False,
    actor: Annotated[str, typer.Option(help="Who orders the purge (audited).")] = "operator",
) -> None:
    """Crypto-shred a case: destroy its data key, so no copy of its personal data opens."""
    from verdictflow.platform.purge import CaseStillOpen, purge_case
    from verdictflow.platform.temporal import connect

    settings, keys = get_settings(), _keys()

    async def main() -> None:
        result = await purge_case(_read_model(), keys, await connect(settings, keys), case_id_,
                                  actor=actor, force=force)
        print(f"✓ {result.case_id} purged (key destroyed now: {result.key_destroyed}, "
              f"tasks cleared: {result.tasks_cleared})")

    try:
        asyncio.run(main())
    except CaseStillOpen as exc:
        print(f"✗ {exc}")
        raise typer.Exit(1) from None


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate both databases to head (tables create_all made are stamped first)."""
    from verdictflow.cli.migrate import db_upgrade_command

    raise typer.Exit(db_upgrade_command(get_settings()))


@db_app.command("current")
def db_current() -> None:
    """Each database's revision, and the head."""
    from verdictflow.cli.migrate import db_current_command

    raise typer.Exit(db_current_command(get_settings()))


@db_app.command("check")
def db_check() -> None:
    """Models against databases: exit 1 and the differences, if any."""
    from verdictflow.cli.migrate import db_check_command

    raise typer.Exit(db_check_command(get_settings()))


@audit_app.command("verify")
def audit_verify(
    expected_head: Annotated[str | None, typer.Option(help="An anchored head, SEQ:HASH.")] = None,
) -> None:
    """Check the hash chain of the audit log: a changed or removed entry is reported."""
    from verdictflow.platform.audit import audit_verify_command

    raise typer.Exit(audit_verify_command(get_settings(), expected_head))


@audit_app.command("head")
def audit_head() -> None:
    """Print the chain's head (SEQ:HASH), to anchor outside the database."""
    from verdictflow.platform.audit import audit_head_command

    raise typer.Exit(audit_head_command(get_settings()))


@dev_app.command("token")
def dev_token(
    org: Annotated[str, typer.Option(help="Organisation id the token is scoped to.")],
    role: Annotated[str, typer.Option(help="caseworker, supervisor, police_reviewer, "
                                           "municipality_caseworker, operator or auditor"),
                    ] = "caseworker",
    subject: Annotated[str | None, typer.Option()] = None,
    municipality: Annotated[str | None, typer.Option(help="Municipality claim.")] = None,
) -> None:
    """Issue a bearer token for the task API and the codec server (development issuer)."""
    from services.api.auth import issue_dev_token
    from verdictflow.platform.identity_provider import ROLES

    settings = get_settings()
    if settings.environment == "production":
        raise typer.BadParameter("development tokens are not issued in production")
    if role not in ROLES:
        raise typer.BadParameter(f"role must be one of: {', '.join(sorted(ROLES))}")
    print(issue_dev_token(settings, _keys(), org, role=role, subject=subject,
                          municipality=municipality))


@keys_app.command("init")
def keys_init() -> None:
    """Provision every missing key (owner-only files); production requires this step."""
    from verdictflow.platform.keys import provision
    from verdictflow.platform.reference import load_reference

    settings = get_settings()
    orgs = [o.id for o in load_reference(settings).partnerships.housing_organisations]
    made = provision(_keys(), orgs)
    if made:
        from verdictflow.platform.audit import KEY_PROVISION, record_audit

        record_audit(_read_model(), actor="operator", action=KEY_PROVISION,
                     detail=f"{len(made)} key files")
    print(f"✓ {len(made)} key file(s) created in {settings.keys_dir}" if made
          else f"✓ all keys present in {settings.keys_dir}")


@keys_app.command("rotate")
def keys_rotate(
    codec: Annotated[bool, typer.Option(help="Rotate the payload codec key.")] = False,
    org: Annotated[str | None, typer.Option(help="Rotate this organisation's keys.")] = None,
) -> None:
    """Rotate keys; old codec keys stay available for decryption."""
    from verdictflow.platform.audit import KEY_ROTATE, record_audit

    if not codec and not org:
        raise typer.BadParameter("say what to rotate: --codec and/or --org ORG")
    keys, db = _keys(), _read_model()
    if org:
        _known_org(keys, org)
    if codec:
        kid = keys.rotate_codec_key()
        record_audit(db, actor="operator", action=KEY_ROTATE, detail=f"codec primary {kid}")
        print(f"codec primary key is now {kid}")
    if org:
        k = keys.rotate_org_keys(org)
        record_audit(db, actor="operator", action=KEY_ROTATE, org_id=org,
                     detail=f"encryption {k.encryption_key_id} signing {k.signing_key_id}")
        print(f"{org}: encryption key {k.encryption_key_id}, signing key {k.signing_key_id}")


PASSPHRASE_ENV = "VF_KEYS_BACKUP_PASSPHRASE"


def _passphrase(env_name: str, *, confirm: bool) -> str:
    from verdictflow.platform.keyarchive import WeakPassphrase, check_passphrase

    value = os.environ.get(env_name)
    if value is None:
        if not sys.stdin.isatty():
            raise typer.BadParameter(f"set {env_name} to the passphrase, or run in a terminal")
        value = typer.prompt("Backup passphrase", hide_input=True, confirmation_prompt=confirm)
    try:
        check_passphrase(value)
    except WeakPassphrase as exc:
        raise typer.BadParameter(str(exc)) from None
    return value


@keys_app.command("backup")
def keys_backup(
    file: Annotated[Path, typer.Argument(help="The encrypted archive to write.")],
    passphrase_env: Annotated[str, typer.Option(
        help="Environment variable holding the passphrase; unset: asked for.")] = PASSPHRASE_ENV,
    force: Annotated[bool, typer.Option(help="Replace FILE if it exists.")] = False,
) -> None:
    """Seal the whole key store into one archive (scrypt, AES-256-GCM); audited."""
    from verdictflow.platform.audit import KEY_BACKUP, record_audit
    from verdictflow.platform.keyarchive import ArchiveError
    from verdictflow.platform.keybackup import BackupRefused, backup

    settings = get_settings()
    passphrase = _passphrase(passphrase_env, confirm=True)
    try:
        held = backup(settings.keys_dir, file, passphrase, force=force)
    except (BackupRefused, ArchiveError) as exc:
        print(f"✗ {exc}")
        raise typer.Exit(1) from None
    record_audit(_read_model(), actor="operator", action=KEY_BACKUP,
                 detail=f"{held.files} files, {held.case_keys} case keys")
    print(f"✓ {held.files} key files ({held.case_keys} case keys, "
          f"{held.case_keys_destroyed} of them destroyed) sealed into {file}")


@keys_app.command("restore")
def keys_restore(
    file: Annotated[Path, typer.Argument(help="An archive from `keys backup`.")],
    passphrase_env: Annotated[str, typer.Option(
        help="Environment variable holding the passphrase; unset: asked for.")] = PASSPHRASE_ENV,
    force: Annotated[bool, typer.Option(
        help="Replace an existing key store (it is moved aside, not deleted).")] = False,
) -> None:
    """Restore the key store from an archive into $VF_STATE_DIR/keys; audited."""
    from infra import processes
    from verdictflow.cli.launcher import SERVICES
    from verdictflow.platform.audit import KEY_RESTORE, record_audit
    from verdictflow.platform.keyarchive import ArchiveError
    from verdictflow.platform.keybackup import BackupRefused, restore
    from verdictflow.platform.purge import reapply_purges

    settings = get_settings()
    running = [name for name in SERVICES if processes.is_running(name, settings)]
    if running:  # they hold keys in memory and would write case keys into the old store
        print(f"✗ stop the services first ({', '.join(running)} running)")
        raise typer.Exit(1)
    passphrase = _passphrase(passphrase_env, confirm=False)
    try:
        held, aside = restore(file, settings.keys_dir, passphrase, force=force)
    except (BackupRefused, ArchiveError, OSError) as exc:
        print(f"✗ {exc}")
        raise typer.Exit(1) from None
    db = _read_model()
    record_audit(db, actor="operator", action=KEY_RESTORE,
                 detail=f"{held.files} files, {held.case_keys} case keys")
    print(f"✓ {held.files} key files ({held.case_keys} case keys) restored into "
          f"{settings.keys_dir}")
    if aside:
        print(f"  the key store it replaced is kept at {aside}")
    again = reapply_purges(db, _keys())
    if again:
        print(f"  {len(again)} case(s) purged after this backup was made: purged again")


def _known_org(keys: FileKeyStore, org: str) -> None:
    """Rotation creates keys: only for an organisation that has some or is in the reference."""
    from verdictflow.platform.keys import InvalidKeyId, MissingKey
    from verdictflow.platform.reference import load_reference

    try:
        keys.org_keys(org)
    except InvalidKeyId as exc:
        raise typer.BadParameter(str(exc)) from None
    except MissingKey:
        known = load_reference(get_settings()).partnerships.housing_organisations
        if org not in {o.id for o in known}:
            raise typer.BadParameter(f"{org!r} has no keys and is not an organisation in the "
                                     "reference data") from None


@app.command()
def send(
    path: Annotated[str, typer.Argument(help="A JSON file: one CloudEvent or a list.")],
) -> None:
    """Produce police verdict events from a file onto police.verdicts.v1."""
    from verdictflow.domain.topics import POLICE_VERDICTS
    from verdictflow.platform.kafka import EventPublisher

    with open(path, encoding="utf-8") as f:
        events = json.load(f)
    events = events if isinstance(events, list) else [events]

    async def main() -> None:
        async with EventPublisher(get_settings()) as pub:
            for e in events:
                await pub.publish(POLICE_VERDICTS, str(e.get("subject", "")), e)

    asyncio.run(main())
    print(f"sent {len(events)} event(s) to {POLICE_VERDICTS}")


@app.command()
def demo() -> None:
    """Send sample verdicts, let the gateways receipt, decide tasks, print the result."""
    from verdictflow.cli.demo import run_demo

    raise typer.Exit(asyncio.run(run_demo(get_settings())))


def main() -> None:
    """Console entry point.

    Exits through ``os._exit`` once output is flushed: temporalio's native runtime can
    abort the interpreter while it finalizes (sdk-python#300), turning a success into
    exit code 134.
    """
    serialise_ast_parse()
    code: int = 0
    try:
        app()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    logging.shutdown()  # os._exit skips atexit: the log's last lines (repeat summaries)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
