"""The real system as separate OS processes, the way ``make up`` and ``services up`` run it.

Temporal and Kafka come from ``infra.stack``; worker, ingest, gateways, API and codec
server from ``verdictflow.cli.launcher``; all under the supervisor, in a state directory
and on ports of their own. The services read their settings from the environment like
any deployment, so the environment of this process is what configures them: every
``VF_*`` variable of the caller is dropped and the chaos stack's own are set.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from infra import kafka, processes, temporal
from infra import stack as infra_stack
from verdictflow.cli.launcher import SERVICES, argv, start_services
from verdictflow.platform.settings import Settings

INFRA = ("kafka", "temporal")
# Away from the test stack's 17xxx-19xxx; VF_TEST_PORT_OFFSET moves them all together.
PORTS = {
    "VF_KAFKA_BOOTSTRAP": ("127.0.0.1:{}", 24092),
    "VF_KAFKA_CONTROLLER_PORT": ("{}", 24093),
    "VF_TEMPORAL_ADDRESS": ("127.0.0.1:{}", 27233),
    "VF_TEMPORAL_UI_PORT": ("{}", 28233),
    "VF_API_PORT": ("{}", 28000),
    "VF_CODEC_SERVER_PORT": ("{}", 28081),
}


def chaos_environment(state_dir: Path) -> dict[str, str]:
    offset = int(os.environ.get("VF_TEST_PORT_OFFSET", "0"))
    env = {name: fmt.format(port + offset) for name, (fmt, port) in PORTS.items()}
    return env | {
        "VF_ENVIRONMENT": "test",
        "VF_STATE_DIR": str(state_dir),
        "VF_DATABASE_URL": f"sqlite:///{state_dir / 'verdictflow.db'}",
        "VF_MANAGE_KAFKA": "true",
        "VF_MANAGE_TEMPORAL": "true",
        # The product's default: nothing lost may be papered over by a re-publication.
        "VF_RECEIPT_TIMEOUT_SECONDS": "3600",
        "VF_LOG_LEVEL": "INFO",
    }


class ChaosSystem:
    """Starts, kills (SIGKILL, the whole process group) and restarts the system's parts."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def up(self) -> None:
        infra_stack.up(self.settings)
        # Keys as an operator provisions them, before any service needs one.
        subprocess.run([sys.executable, "-m", "verdictflow", "keys", "init"], check=True)
        start_services(self.settings)

    def down(self) -> None:
        infra_stack.down(self.settings)

    def pid(self, name: str) -> int | None:
        return processes.pid_of(name, self.settings)

    def kill(self, name: str) -> None:
        """SIGKILL: no shutdown hook, no offset commit, no goodbye to Temporal or Kafka."""
        pid = self.pid(name)
        assert pid is not None, f"{name} is not running"
        os.killpg(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while processes.is_running(name, self.settings):
            assert time.monotonic() < deadline, f"{name} (pid {pid}) outlived SIGKILL"
            time.sleep(0.05)

    def restart(self, name: str) -> None:
        """Start ``name`` again through the supervisor; infrastructure is waited on."""
        if name == "kafka":
            kafka.start(self.settings)
        elif name == "temporal":
            temporal.start(self.settings)
        else:
            processes.start(name, argv(name), settings=self.settings)

    def dead(self) -> dict[str, str]:
        """Parts that are not running, with the tail of their log: nothing restarts them."""
        return {name: processes.log_tail(name, self.settings, 20)
                for name in (*SERVICES, *INFRA)
                if not processes.is_running(name, self.settings)}


@contextmanager
def chaos_system(state_dir: Path, shared_jars: Path) -> Iterator[ChaosSystem]:
    """The system up in a fresh ``state_dir``; everything it started is stopped on the way
    out. The directory stays until the next run, logs included, for a post-mortem."""
    with pytest.MonkeyPatch.context() as mp:
        for name in [n for n in os.environ if n.startswith("VF_") and n != "VF_TEST_PORT_OFFSET"]:
            mp.delenv(name)
        for name, value in chaos_environment(state_dir).items():
            mp.setenv(name, value)
        system = ChaosSystem(Settings())  # what every child process reads too
        infra_stack.down(system.settings)  # a run killed before its teardown left these
        shutil.rmtree(state_dir, ignore_errors=True)
        state_dir.mkdir(parents=True)
        if shared_jars.exists():  # reuse the jars `make jars` resolved (marker included)
            shutil.copytree(shared_jars, state_dir / "kafka" / "libs")
        try:
            system.up()
            yield system
        finally:  # also when up() failed halfway
            system.down()
