"""structlog JSON logging that cannot carry personal data, whoever writes the line.

Code logs ids and pseudonyms only; redaction is the last line of defence for the day
somebody logs an exception message or a payload by mistake. Every line goes through
one stdlib handler whose ``ProcessorFormatter`` renders it: our structlog events and
the libraries' stdlib records (aiokafka, temporalio, uvicorn, sqlalchemy) alike, so
a library that quotes a message in its own error is redacted like our code. In every
string, tracebacks included (rendered to text first, then scrubbed):

- CPR-shaped numbers (``DDMMYY-SSSS``, ten digits with an optional hyphen, not part
  of a longer run of digits) become ``[cpr-redacted]``;
- fields whose name says personal data or verdict details become ``[redacted]``, at
  any depth;
- values registered as sensitive (``redact_values`` for the whole process,
  ``sensitive(...)`` for the event being handled) become ``[redacted]``.

Key names are never masked in part: ``person_ref`` and ``cpr_digest`` are the names an
operator searches by (the pseudonym exists to be searched). A key is masked only when it
is data itself: CPR-shaped, or the whole of a registered value (a dict keyed by a name).

After rendering, repeated warnings and errors are collapsed into one summary line
(``verdictflow.platform.log_collapse``: an outage retries the same failure thousands of times), and
a service's file rotates by size.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from verdictflow.domain.identity import mask_cpr_shaped
from verdictflow.platform.log_collapse import CollapsingHandler

if TYPE_CHECKING:
    from verdictflow.platform.settings import Settings

REDACTED = "[redacted]"
CPR_REDACTED = "[cpr-redacted]"
SENSITIVE_KEYS = frozenset(
    {"cpr", "cpr_number", "cpr_nummer", "personnummer", "name", "first_name", "last_name",
     "full_name", "person", "persons", "address", "registered_address", "street", "phone",
     "email", "offences", "offence", "description", "crime_scene", "sentence", "content",
     "disclosure", "justification", "plaintext", "cleartext"}
)
# Shorter values would mask half of every line ("a", "Bo"); a short name is caught by
# its key or by the whole string it is part of, registered as such.
_MIN_SENSITIVE_LEN = 3

_process_values: set[str] = set()
_process_lock = threading.Lock()
_context_values: ContextVar[tuple[str, ...]] = ContextVar("vf_sensitive", default=())
_service = "verdictflow"


# -- the sensitive-value registry -------------------------------------------------------
def redact_values(*values: str | None) -> None:
    """Never log these strings in this process (a test CPR, a secret, a fixture name)."""
    with _process_lock:
        _process_values.update(v for v in values if v and len(v) >= _MIN_SENSITIVE_LEN)


@contextmanager
def sensitive(*values: str | None) -> Iterator[None]:
    """Mask these strings in anything logged while handling one event (contextvars, so
    concurrent tasks keep their own). Register a name's parts too if they may appear
    alone: ``sensitive(name, *name.split(), *descriptions)``."""
    fresh = tuple(v for v in values if v and len(v) >= _MIN_SENSITIVE_LEN)
    token = _context_values.set(_context_values.get() + fresh)
    try:
        yield
    finally:
        _context_values.reset(token)


@lru_cache(maxsize=64)
def _pattern(values: frozenset[str]) -> re.Pattern[str] | None:
    if not values:
        return None
    # Longest first, so a full name is masked whole before one of its parts.
    alternatives = sorted(values, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, alternatives)), re.IGNORECASE)


def _current_pattern() -> re.Pattern[str] | None:
    with _process_lock:
        values = frozenset(_process_values)
    return _pattern(values | frozenset(_context_values.get()))


# -- redaction --------------------------------------------------------------------------
def _scrub_text(text: str, pattern: re.Pattern[str] | None) -> str:
    if pattern is not None:
        text = pattern.sub(REDACTED, text)
    return mask_cpr_shaped(text, CPR_REDACTED)


def _is_sensitive_key(key: Any) -> bool:
    return isinstance(key, str) and key.strip().lower().replace("-", "_") in SENSITIVE_KEYS


def _scrub_key(key: Any, pattern: re.Pattern[str] | None) -> Any:
    if not isinstance(key, str):
        return _scrub(key, pattern)
    if pattern is not None and pattern.fullmatch(key):
        return REDACTED
    return mask_cpr_shaped(key, CPR_REDACTED)


def _scrub(value: Any, pattern: re.Pattern[str] | None) -> Any:
    if isinstance(value, str):
        return _scrub_text(value, pattern)
    if isinstance(value, dict):
        return {_scrub_key(k, pattern): (REDACTED if _is_sensitive_key(k)
                                         else _scrub(v, pattern))
                for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_scrub(v, pattern) for v in value]
    if value is None or isinstance(value, (bool, float)):
        return value
    if isinstance(value, int):
        # A CPR number kept as an integer (its leading zero lost) is still one.
        return CPR_REDACTED if 10**8 <= value < 10**10 else value
    # Anything else (a model, a dataclass, bytes) would reach the renderer as its repr,
    # unscrubbed: scrub the text here instead.
    return _scrub_text(repr(value) if isinstance(value, bytes) else str(value), pattern)


def redact(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """structlog processor: mask CPR numbers, drop sensitive fields, mask registered values."""
    pattern = _current_pattern()
    return {_scrub_key(k, pattern): (REDACTED if _is_sensitive_key(k) else _scrub(v, pattern))
            for k, v in event_dict.items()}


def _add_service(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    # Not a contextvar: threads started by libraries would not inherit it.
    event_dict.setdefault("service", _service)
    return event_dict


# -- case context -----------------------------------------------------------------------
@contextmanager
def bind_case(case_id: str, person_ref: str | None = None) -> Iterator[None]:
    """Every line logged inside carries the case id and the pseudonymous person reference
    (never the CPR number: that is what ``person_ref`` exists for)."""
    ids = {"case_id": case_id} | ({"person_ref": person_ref} if person_ref else {})
    with structlog.contextvars.bound_contextvars(**ids):
        yield


# -- configuration ----------------------------------------------------------------------
def _shared_chain() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


CONTENT_DUMPING_LOGGERS = ("aiokafka", "kafka", "temporalio.service", "httpx", "httpcore")


def _render_summary(summary: dict[str, Any]) -> str:
    # Built from lines already redacted; redacted again so that nothing is written unmasked.
    return json.dumps(redact(None, "", summary), ensure_ascii=False)


class _ServiceLogFile(RotatingFileHandler):
    """A rotating file written by this process alone: rotation renames the file, and a
    second writer would go on writing into the renamed backup. If another process holds
    the file, this one writes ``NAME-PID.EXT`` beside it instead."""

    def __init__(self, path: Path, max_bytes: int, backups: int) -> None:
        self._claim: IO[str] | None = None
        for candidate in (path, _own_name(path)):
            claim = open(candidate.with_name(f".{candidate.name}.lock"), "w")  # noqa: SIM115
            try:
                fcntl.flock(claim, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                claim.close()
                continue
            self._claim = claim
            path = candidate
            break
        super().__init__(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")

    def close(self) -> None:
        super().close()
        if self._claim is not None:
            self._claim.close()  # releases the lock
            self._claim = None


def _own_name(path: Path) -> Path:
    name, _, ext = path.name.partition(".")
    return path.with_name(f"{name}-{os.getpid()}.{ext}" if ext else f"{name}-{os.getpid()}")


def configure(service: str, level: str = "INFO", log_file: Path | None = None, *,
              max_bytes: int = 0, backups: int = 0, repeat_window_s: float = 60.0) -> None:
    """One JSON line per record, on stderr or appended to ``log_file``, redacted.

    ``log_file`` rotates at ``max_bytes`` keeping ``backups`` old files (0: never).
    Repeated warnings and errors within ``repeat_window_s`` are counted, not written
    (see ``verdictflow.platform.log_collapse``; 0 writes every line).
    """
    global _service
    _service = service
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_chain(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _add_service,
            structlog.processors.StackInfoRenderer(),
            # Tracebacks become text first, so that redact sees what would be written.
            structlog.processors.format_exc_info,
            redact,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
    )
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
        if getattr(old, "_verdictflow", False):
            old.close()  # first: it may hold the claim on the same file
    target: logging.Handler = (_ServiceLogFile(log_file, max_bytes, backups) if log_file
                               else logging.StreamHandler(sys.stderr))
    handler = CollapsingHandler(target, repeat_window_s, _render_summary)
    handler.setFormatter(formatter)
    handler._verdictflow = True  # type: ignore[attr-defined]  # ours to close on reconfigure
    root.addHandler(handler)
    root.setLevel(level)
    # A library that brought its own handler would write around the redaction.
    for existing in list(logging.root.manager.loggerDict.values()):
        if isinstance(existing, logging.Logger):
            for old in existing.handlers[:]:
                existing.removeHandler(old)
            existing.propagate = True
    logging.captureWarnings(True)  # warnings quote arguments too
    # These libraries write whole message values and RPC bodies at DEBUG: never that low.
    floor = max(logging.getLevelName(level) if isinstance(level, str) else level, logging.INFO)
    for name in CONTENT_DUMPING_LOGGERS:
        logging.getLogger(name).setLevel(floor)

    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_shared_chain(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.stdlib.BoundLogger,
        logger_factory=structlog.stdlib.LoggerFactory(),
        # Not cached: configure() may run again in one process (the tests do), and a cached
        # logger would keep writing through the pipeline it was first used with.
        cache_logger_on_first_use=False,
    )


def configure_service(service: str, settings: Settings) -> Path:
    """A service's logging as the settings say: ``{state_dir}/logs/{service}.json.log``
    unless ``VF_LOG_FILE`` names another, rotated and with repeats collapsed."""
    log_file = settings.log_file or settings.state_dir / "logs" / f"{service}.json.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    configure(service, settings.log_level, log_file, max_bytes=settings.log_max_bytes,
              backups=settings.log_backups, repeat_window_s=settings.log_repeat_window_seconds)
    return log_file


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    return structlog.stdlib.get_logger(name)
