"""Fixtures shared by the unit tests."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import structlog

from verdictflow.platform import log as vflog


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Logging as it was before the test: the test may ``configure`` its own pipeline."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    yield
    for handler in root.handlers[:]:
        root.removeHandler(handler)
        handler.close()
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])
    logging.captureWarnings(False)
    structlog.reset_defaults()
    vflog._process_values.clear()
