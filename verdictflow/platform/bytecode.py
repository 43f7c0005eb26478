"""The worker compiles each workflow module once, and its sandboxed cases share the code.

Temporal's workflow sandbox imports the workflow module afresh for every workflow instance:
each new case, and each case the worker replays after evicting it from its cache. Each of
those imports compiled ``workflows/case/workflow.py`` from source where
``PYTHONDONTWRITEBYTECODE`` is set (this machine, and most container images): about 7 ms
and 9 % of the worker's CPU in a backlog (py-spy); where a ``.pyc`` exists it is read and
unmarshalled instead, still a new copy of every code object per case (about 107 KB of the
155 KB of Python objects an instance holds before any history: bench/sandbox_instances.py).

Code objects are immutable, so one copy serves every instance: this finder gives the
modules of the named packages a loader that keeps the code it compiled, keyed by the
source file's path, size and modification time (an edited module is compiled again, never
run stale). Each import still executes the module into a fresh namespace, so every
instance has its own globals, classes and functions, and the sandbox's isolation between
workflow runs, which determinism rests on, is untouched. Only the worker installs it
(``verdictflow worker``); the other services import each module once.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec, SourceFileLoader
from types import CodeType, ModuleType
from typing import Any

# (path, size, mtime) -> the code compiled from it; one entry per module version.
_CODE: dict[tuple[str, int, float], CodeType] = {}


class SharedCodeLoader(SourceFileLoader):
    def get_code(self, fullname: str) -> CodeType:
        path = self.get_filename(fullname)
        stats = self.path_stats(path)
        key = (path, int(stats["size"]), float(stats["mtime"]))
        code = _CODE.get(key)
        if code is None:
            compiled = super().get_code(fullname)
            if compiled is None:  # only for a loader without source; ours always has one
                raise ImportError(f"no code for {fullname}", name=fullname)
            code = _CODE.setdefault(key, compiled)
        return code


class SharedCodeFinder(MetaPathFinder):
    """Finds the named packages' modules as the other finders do, with a
    ``SharedCodeLoader``."""

    def __init__(self, packages: Sequence[str]) -> None:
        self.packages = frozenset(packages)

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if fullname.partition(".")[0] not in self.packages:
            return None
        # The finders after this one decide where the module is (sys.path, or an editable
        # install's own finder); only the loader of a plain source file is replaced.
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if type(spec.loader) is SourceFileLoader:
                    spec.loader = SharedCodeLoader(spec.loader.name, spec.loader.path)
                return spec
        return None

    def invalidate_caches(self) -> None:
        _CODE.clear()


def share_code(packages: Sequence[str] = ("workflows",)) -> SharedCodeFinder:
    """From now on, imports of ``packages``' modules in this process share their code.
    Returns the finder (``unshare_code`` removes it)."""
    finder = SharedCodeFinder(packages)
    sys.meta_path.insert(0, finder)
    return finder


def unshare_code(finder: Any) -> None:
    if finder in sys.meta_path:
        sys.meta_path.remove(finder)
    _CODE.clear()
