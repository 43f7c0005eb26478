"""Starting the application services (worker, ingest, gateways, API) under the supervisor."""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping

import httpx

from infra import processes
from verdictflow.platform.keys import provision_for_development
from verdictflow.platform.settings import Settings

SERVICES = ("worker", "ingest", "gateways", "api", "codec-server")


def argv(service: str) -> list[str]:
    cli = [sys.executable, "-m", "verdictflow"]
    return cli + (["gateway", "--all"] if service == "gateways" else [service])


def start_services(settings: Settings, env: Mapping[str, str] | None = None) -> None:
    """``env``: ``VF_*`` settings laid over this process's for the services (the cluster's)."""
    # Services only read organisation keys: the embedded system provisions them here.
    made = provision_for_development(settings)
    if made:
        print(f"✓ {len(made)} development key file(s) in {settings.keys_dir}")
    for name in SERVICES:
        processes.start(name, argv(name), settings=settings, env=env)
        print(f"✓ {name:<9} pid {processes.pid_of(name, settings)}")
    _wait_for_api(settings)


def _wait_for_api(settings: Settings, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{settings.api_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if not processes.is_running("api", settings):
            break
        time.sleep(0.5)
    raise RuntimeError("the task API did not become healthy:\n"
                       + processes.log_tail("api", settings))


def stop_services(settings: Settings) -> None:
    for name in reversed(SERVICES):
        processes.stop(name, settings)
