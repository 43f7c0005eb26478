"""``python -m infra.logpump FILE MAX_BYTES BACKUPS``: stdin, line by line, into a rotating file.

The supervisor pipes a process's stdout and stderr here (Kafka's and Temporal's own
output, a service's crash): a detached process has nobody else to bound what it writes.
The pump lives as long as the pipe has a writer, so it ends by itself when the process
does, and it is no part of the process's group: stopping, signalling and the pid file
concern the real program alone. Imports nothing of the project, to start fast.
"""

from __future__ import annotations

import logging
import signal
import sys
from logging.handlers import RotatingFileHandler

MAX_LINE = 64 * 1024  # a longer line (a binary blob) is written in pieces


def pump(source: object, target: RotatingFileHandler) -> None:
    read = source.readline  # type: ignore[attr-defined]
    while line := read(MAX_LINE):
        text = line.decode("utf-8", errors="backslashreplace").removesuffix("\n")
        target.emit(logging.makeLogRecord({"msg": text}))


def main(argv: list[str]) -> int:
    path, max_bytes, backups = argv[0], int(argv[1]), int(argv[2])
    # Its own session, so no terminal signal; the program's last words must still be
    # written, so an interrupt aimed at the program is not one for the pump.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    target = RotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups,
                                 encoding="utf-8")
    target.setFormatter(logging.Formatter("%(message)s"))
    try:
        pump(sys.stdin.buffer, target)
    finally:
        target.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
