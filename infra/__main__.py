"""``python -m infra up|down|status`` (the same functions ``verdictflow stack`` calls)."""

from __future__ import annotations

import argparse
import logging
import os
import sys

import structlog

from infra import stack
from verdictflow.platform.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra", description=__doc__)
    parser.add_argument("command", choices=("up", "down", "status"))
    parser.add_argument("-v", "--verbose", action="store_true", help="show supervisor logs")
    args = parser.parse_args(argv)

    settings = get_settings()
    # The step lines are the output; structured logs only on request, and to stderr.
    level = logging.getLevelName(settings.log_level.upper()) if args.verbose else logging.WARNING
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )
    try:
        if args.command == "up":
            stack.up(settings)
        elif args.command == "down":
            stack.down(settings)
        else:
            return stack.status(settings)
    except stack.StackError:
        return 1  # the ✗ line has been printed
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter teardown: temporalio's Rust client threads can abort a finalizing
    # interpreter ("PyGILState_Release ... finalizing", temporalio/sdk-python#300),
    # turning a successful run into exit code 134.
    os._exit(code)
