"""One thread at a time in ``ast.parse``, on the CPython versions where two at once can fail.

CPython 3.11 before 3.11.8 (and 3.12 before 3.12.2) counts the AST constructor's recursion
depth in state that every thread of the interpreter shares. When a thread turning a parse
tree into ``ast`` objects is switched out mid-way (a garbage collection there can run
Python code and hand the GIL over) and another thread parses meanwhile, the first one's
count comes back wrong and its ``ast.parse`` raises ``SystemError: AST constructor
recursion depth mismatch`` (python/cpython#106905, fixed by python/cpython#113035 and its
backports #113472 and #113476).

Python 3.11 reaches ``ast.parse`` whenever it formats a traceback (to place the ``^^^``
under the failing expression), and so does pytest when it shows a failed test. A worker
reports activity and workflow failures from several threads at once, and CI lost a whole
test session to this: pytest crashed (INTERNALERROR) while it rendered a failed test as a
worker thread formatted another traceback. Every caller looks ``ast.parse`` up on the
module when it calls it, so one re-entrant lock around it serialises them all.
"""

from __future__ import annotations

import ast
import functools
import sys
import threading
from typing import Any

AFFECTED = sys.version_info < (3, 11, 8) or (3, 12) <= sys.version_info < (3, 12, 2)


def serialise_ast_parse() -> bool:
    """Install the lock once per process where the bug exists; True if it is in place."""
    if not AFFECTED:
        return False
    if getattr(ast.parse, "__verdictflow_serialised__", False):
        return True
    original = ast.parse
    # Re-entrant: a garbage collection inside the conversion may format a traceback itself.
    lock = threading.RLock()

    @functools.wraps(original)
    def parse(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return original(*args, **kwargs)

    parse.__verdictflow_serialised__ = True  # type: ignore[attr-defined]
    ast.parse = parse
    return True
