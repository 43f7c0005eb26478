"""Running a long-lived service until SIGTERM/SIGINT, with its lifecycle logged."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable

from verdictflow.log import configure, get_logger
from verdictflow.settings import Settings


def serve(name: str, settings: Settings, main: Callable[[], Awaitable[None]]) -> None:
    log_file = settings.state_dir / "logs" / f"{name}.json.log" if settings.log_file is None \
        else settings.log_file
    log_file.parent.mkdir(parents=True, exist_ok=True)
    configure(name, settings.log_level, log_file)
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
