"""``verdictflow policy check FILE`` on the shipped policies and on broken ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import verdictflow
from verdictflow.cli.main import app

CONFIG = Path(verdictflow.__file__).parent / "config"
V2 = json.loads((CONFIG / "eligibility-policy-v2.json").read_text(encoding="utf-8"))


def _check(path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["policy", "check", str(path)])
    return result.exit_code, result.output


@pytest.mark.parametrize("name", ["eligibility-policy-v1.json", "eligibility-policy-v2.json"])
def test_the_shipped_policies_pass(name: str) -> None:
    code, out = _check(CONFIG / name)
    assert code == 0, out
    assert out.rstrip().endswith(": ok")


def test_v2_says_what_it_found() -> None:
    code, out = _check(CONFIG / "eligibility-policy-v2.json")
    assert "19 listed offences; unconfirmed, sent to review: straffeloven § 119 b" in out
    assert "committal_order" in out and "proximity 1000 m" in out


def _broken(tmp_path: Path, change: Any) -> Path:
    raw = json.loads(json.dumps(V2))
    change(raw)
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(("change", "problem"), [
    (lambda r: r["sources"].pop("proximity_m"), "no source line for 'proximity_m'"),
    (lambda r: r["custodial_sanctions"].append("fine"), "both custodial and not"),
    (lambda r: r["custodial_sanctions"].append("house_arrest"), "unknown sentence kind"),
    (lambda r: r.update(proximity_m=0), "must be positive"),
    (lambda r: r.pop("accessory_sections"), "cannot read it"),
    (lambda r: r.update(version="v9"), "unknown policy version 'v9'"),
    (lambda r: r.update(reminder_days=[7, 30]), "reminder_days"),
])
def test_problems_are_printed_and_exit_1(tmp_path: Path, change: Any, problem: str) -> None:
    code, out = _check(_broken(tmp_path, change))
    assert code == 1
    assert problem in out


def test_not_json_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert _check(bad)[0] == 1 and "not JSON" in _check(bad)[1]
    assert _check(tmp_path / "absent.json")[0] == 1


def test_a_broken_v1_is_refused_too(tmp_path: Path) -> None:
    raw = json.loads((CONFIG / "eligibility-policy-v1.json").read_text(encoding="utf-8"))
    raw["qualifying_sanctions"].append("acquittal")
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    code, out = _check(path)
    assert code == 1 and "an acquittal can never be disclosed" in out


def test_explain_refuses_what_is_not_a_case_id_before_reaching_temporal(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Nothing listens here: an attempt to connect would fail differently, after a wait.
    monkeypatch.setenv("VF_TEMPORAL_ADDRESS", "127.0.0.1:1")
    monkeypatch.setenv("VF_STATE_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["policy", "explain", "../../etc/passwd"])
    assert result.exit_code == 1
    assert "is not a case id" in result.output
