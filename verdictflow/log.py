"""structlog JSON logging with a last line of defence against personal data.

Code logs ids and pseudonyms only; ``redact`` is there for the day somebody logs an
exception message or a payload by mistake: CPR-shaped numbers are masked and fields
whose name says they hold personal data or verdict details are dropped.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path
from typing import Any

import structlog

_CPR_SHAPED = re.compile(r"(?<!\d)\d{6}-?\d{4}(?!\d)")
SENSITIVE_KEYS = frozenset(
    {"cpr", "name", "person", "address", "registered_address", "offences", "description",
     "crime_scene", "sentence", "content", "disclosure", "justification"}
)


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return _CPR_SHAPED.sub("[cpr-redacted]", value)
    if isinstance(value, dict):
        return {k: ("[redacted]" if k in SENSITIVE_KEYS else _scrub(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub(v) for v in value]
    return value


def redact(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    return _scrub(event_dict)


def configure(service: str, level: str = "INFO", log_file: Path | None = None) -> None:
    stream = open(log_file, "a", buffering=1) if log_file else sys.stderr  # noqa: SIM115
    logging.basicConfig(level=level, stream=stream, format="%(message)s", force=True)
    # Third-party loggers go through the same redaction by way of structlog's formatter.
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.WriteLoggerFactory(stream),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)
