"""Running a long-lived service until SIGTERM/SIGINT, with its lifecycle logged."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable

from verdictflow.platform.log import configure_service, get_logger
from verdictflow.platform.settings import Settings


def serve(name: str, settings: Settings, main: Callable[[], Awaitable[None]]) -> None:
    configure_service(name, settings)
    log = get_logger(name)

    async def runner() -> None:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, task.cancel)  # type: ignore[union-attr]
        log.info("service_started")
        try:
            await main()
        except asyncio.CancelledError:
            log.info("service_stopping")

    asyncio.run(runner())
