"""What a new sandboxed case workflow instance costs the worker: compiled from source,
read from a kept ``.pyc``, or sharing code compiled once (``verdictflow.platform.bytecode``).

Temporal's sandbox imports the workflow module afresh for every instance: each new case and
each replay after an eviction. This creates ``--n`` instances of ``VerdictCaseWorkflow`` the
way the worker does (``SandboxedWorkflowRunner.create_instance``, before any history) and
keeps them, in one process per mode (``MODES``), each with ``PYTHONDONTWRITEBYTECODE`` set
as on this machine; one JSON line each: ms per instance (wall and CPU time; a shared
machine distorts the first, not the second), and the Python memory each instance holds
(tracemalloc, in a second pass), by file.

    .venv/bin/python -m bench.sandbox_instances --n 200

Not a test: a measurement that prints figures with their conditions.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
# compile: PYTHONDONTWRITEBYTECODE, each import compiles the source (the worker before);
# bytecode: .pyc kept (sys.pycache_prefix), each import reads and unmarshals it;
# shared: the worker's way now (verdictflow.platform.bytecode), compiled once, code shared.
MODES = ("compile", "bytecode", "shared")


def instances(n: int) -> list[Any]:
    import temporalio.converter
    from temporalio import workflow
    from temporalio.api.common.v1 import Payloads
    from temporalio.api.failure.v1 import Failure
    from temporalio.worker import WorkflowInstanceDetails
    from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, _runner

    from workflows.case.workflow import VerdictCaseWorkflow

    runner = SandboxedWorkflowRunner()
    details = WorkflowInstanceDetails(
        payload_converter_factory=temporalio.converter.DataConverter.default.
        _new_payload_converter,
        failure_converter_class=temporalio.converter.DataConverter.default.
        failure_converter_class,
        interceptor_classes=[], defn=workflow._Definition.must_from_class(VerdictCaseWorkflow),
        info=_runner._fake_info, randomness_seed=-1, extern_functions={},
        disable_eager_activity_execution=False, worker_level_failure_exception_types=[],
        patch_activation_callback=None, last_completion_result=Payloads(),
        last_failure=Failure())
    return [runner.create_instance(details) for _ in range(n)]


async def measure(mode: str, n: int) -> dict[str, Any]:
    """In this process, already set up for ``mode`` by ``main``; on an event loop, as in
    the worker (an instance registers itself on the running loop)."""
    instances(3)  # the first imports, and the .pyc written where bytecode is kept
    gc.collect()
    t0, cpu0 = time.perf_counter(), time.process_time()
    kept = instances(n)
    ms = (time.perf_counter() - t0) * 1000 / n
    cpu_ms = (time.process_time() - cpu0) * 1000 / n
    del kept
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    kept = instances(n)
    gc.collect()
    after = tracemalloc.take_snapshot()
    grown = after.compare_to(before, "filename")
    top = sorted(grown, key=lambda s: s.size_diff, reverse=True)[:6]
    return {"bench": "sandbox_instances", "mode": mode, "n": n,
            "python": sys.version.split()[0], "loadavg_start": os.getloadavg()[0],
            "dont_write_bytecode": sys.dont_write_bytecode,
            "ms_per_instance": round(ms, 2), "cpu_ms_per_instance": round(cpu_ms, 2),
            "python_kb_per_instance": round(sum(s.size_diff for s in grown) / 1024 / n, 1),
            "kb_per_instance_by_file": {
                str(s.traceback[0].filename).replace(str(REPO) + "/", "")
                .split("site-packages/")[-1]: round(s.size_diff / 1024 / n, 1) for s in top},
            "instances_kept": len(kept)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=200)
    p.add_argument("--mode", choices=MODES)
    args = p.parse_args()
    if args.mode:  # a child: one mode, one line
        if args.mode == "bytecode":  # .pyc files kept in a directory of their own
            sys.pycache_prefix = os.environ["VF_BENCH_PYCACHE"]
            sys.dont_write_bytecode = False
        elif args.mode == "shared":
            from verdictflow.platform.bytecode import share_code

            share_code(("workflows",))
        print(json.dumps(asyncio.run(measure(args.mode, args.n))), flush=True)  # noqa: T201
        return
    with tempfile.TemporaryDirectory(prefix="vf-pycache-") as cache:
        for mode in MODES:
            env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "VF_BENCH_PYCACHE": cache}
            subprocess.run([sys.executable, "-m", "bench.sandbox_instances", "--n",
                            str(args.n), "--mode", mode], cwd=REPO, env=env, check=True)


if __name__ == "__main__":
    main()
