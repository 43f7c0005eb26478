"""`verdictflow audit verify`, the command an auditor runs, on an intact and a tampered log."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from verdictflow.platform.audit import record_audit
from verdictflow.platform.readmodel import read_model_database
from verdictflow.platform.settings import Settings


def verify(state: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VF_STATE_DIR": str(state), "VF_ENVIRONMENT": "test"}
    return subprocess.run([sys.executable, "-m", "verdictflow", "audit", "verify"],
                          capture_output=True, text=True, env=env, timeout=60)


def test_audit_verify_detects_a_changed_entry(tmp_path: Path) -> None:
    read_model = read_model_database(Settings(state_dir=tmp_path, environment="test"))
    for n in range(5):
        record_audit(read_model, actor=f"cw-{n}", action="disclosure.read",
                     org_id="bbs", case_id=f"case-{n}")
    ok = verify(tmp_path)
    assert ok.returncode == 0 and "5 entries" in ok.stdout

    db = sqlite3.connect(tmp_path / "verdictflow.db", isolation_level=None)
    db.execute("DROP TRIGGER IF EXISTS audit_log_no_update")  # what an insider would do first
    db.execute("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3")
    db.close()
    bad = verify(tmp_path)
    assert bad.returncode == 1
    assert "seq 3: entry_hash does not match its content" in bad.stdout
