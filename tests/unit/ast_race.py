"""Two threads in ``ast.parse`` at once, garbage collections handing the GIL over between them.

Run as a script: ``python ast_race.py SECONDS [guarded]``; prints the parses that
succeeded and the ``SystemError``s raised, as JSON (unguarded, it stops at the first).
A process of its own: the test session's conftest installs the guard.
"""

from __future__ import annotations

import ast
import gc
import json
import sys
import threading
import time
from pathlib import Path

from verdictflow.platform.ast_guard import serialise_ast_parse

SOURCE = (Path(__file__).parents[2] / "workflows" / "case" / "workflow.py").read_text()


def race(seconds: float, until_failure: bool) -> tuple[int, list[str]]:
    parsed, errors = [0], []
    stop = time.monotonic() + seconds

    def parse_at_depth(depth: int) -> None:
        if depth:  # the two threads start their conversions from different stack depths
            return parse_at_depth(depth - 1)
        while time.monotonic() < stop and not (until_failure and errors):
            try:
                ast.parse(SOURCE)
                parsed[0] += 1
            except SystemError as exc:
                errors.append(str(exc))

    # A collection during the conversion runs Python code (here: this callback), which
    # lets the other thread in, as a finalizer could.
    gc.callbacks.append(lambda phase, info: time.sleep(0) if phase == "start" else None)
    threads = [threading.Thread(target=parse_at_depth, args=(d,)) for d in (5, 40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return parsed[0], errors


if __name__ == "__main__":
    guarded = sys.argv[2:] == ["guarded"]
    if guarded:
        serialise_ast_parse()
    ok, failed = race(float(sys.argv[1]), until_failure=not guarded)
    print(json.dumps({"parsed": ok, "errors": failed[:3], "failed": len(failed)}))
