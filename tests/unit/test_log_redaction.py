"""Every line written is JSON and free of personal data, whoever logged it."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from verdictflow.platform.log import (
    bind_case,
    configure,
    get_logger,
    redact,
    redact_values,
    sensitive,
)

CPR = "010190-1234"
CPR_DIGITS = "0101901234"
NAME = "Jens Peter Hansen"
OFFENCE = "knivstik i opgangen"


@pytest.fixture
def log_file(tmp_path: Path, restore_logging: None) -> Path:
    path = tmp_path / "svc.json.log"
    configure("test-svc", "INFO", path)
    return path


def lines(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    assert CPR not in text and CPR_DIGITS not in text
    return [json.loads(line) for line in text.splitlines()]  # every line is JSON


def test_stdlib_logger_and_its_traceback_are_redacted(log_file: Path) -> None:
    kafka = logging.getLogger("aiokafka")
    kafka.warning("could not decode message for %s", CPR)
    try:
        raise ValueError(f"bad record: cpr={CPR_DIGITS}")
    except ValueError:
        kafka.exception("consumer failed")

    first, second = lines(log_file)
    assert first["event"] == "could not decode message for [cpr-redacted]"
    assert (first["logger"], first["level"], first["service"]) == ("aiokafka", "warning",
                                                                   "test-svc")
    assert "timestamp" in first
    assert second["event"] == "consumer failed"
    assert "Traceback" in second["exception"] and "ValueError" in second["exception"]
    assert "cpr=[cpr-redacted]" in second["exception"]


def test_structlog_exception_is_redacted(log_file: Path) -> None:
    try:
        raise RuntimeError(f"lookup of {CPR} failed")
    except RuntimeError:
        get_logger("ingest").exception("ingest.failed", case_id="c1")

    [line] = lines(log_file)
    assert line["case_id"] == "c1" and "[cpr-redacted]" in line["exception"]


def test_nested_personal_fields_are_redacted(log_file: Path) -> None:
    get_logger("worker").info(
        "payload.dump",
        payload={"case_id": "c1", "person": {"cpr": CPR, "name": NAME},
                 "verdict": {"offences": [{"description": OFFENCE}], "court": "Glostrup"},
                 "Registered-Address": "Strandesplanaden 10"},
        note=f"for {CPR_DIGITS}",
        cpr_as_int=101901234,  # leading zero lost
    )

    [line] = lines(log_file)
    payload = line["payload"]
    assert payload["person"] == "[redacted]" and payload["Registered-Address"] == "[redacted]"
    assert payload["verdict"] == {"offences": "[redacted]", "court": "Glostrup"}
    assert payload["case_id"] == "c1"
    assert line["note"] == "for [cpr-redacted]" and line["cpr_as_int"] == "[cpr-redacted]"
    assert NAME not in log_file.read_text() and OFFENCE not in log_file.read_text()


def test_cpr_shape_is_not_matched_inside_longer_numbers() -> None:
    out = redact(None, "info", {"event": "offset 12345678901234 and 010190-1234 and 0101901234x"})
    assert out["event"] == "offset 12345678901234 and [cpr-redacted] and [cpr-redacted]x"


def test_sensitive_values_are_masked_while_handling_the_event(log_file: Path) -> None:
    with sensitive(NAME, OFFENCE, "", None):
        get_logger("ingest").info("oops", text=f"{NAME.upper()} did {OFFENCE}")
        logging.getLogger("temporalio").error("failed for %s", NAME)
    get_logger("ingest").info("after", text=OFFENCE)

    inside, stdlib_line, after = lines(log_file)
    assert inside["text"] == "[redacted] did [redacted]"
    assert stdlib_line["event"] == "failed for [redacted]"
    assert after["text"] == OFFENCE  # only while the event is handled


def test_process_wide_values(log_file: Path) -> None:
    redact_values("hemmelig-token-123")
    logging.getLogger("uvicorn.error").info("header was hemmelig-token-123")

    [line] = lines(log_file)
    assert line["event"] == "header was [redacted]"


def test_case_binding_reaches_every_logger(log_file: Path) -> None:
    with bind_case("case-42", "pref-abc"):
        get_logger("worker").info("stage.changed", stage="disclosed")
        logging.getLogger("sqlalchemy.engine").warning("slow query")
    get_logger("worker").info("idle")

    ours, theirs, outside = lines(log_file)
    for line in (ours, theirs):
        assert (line["case_id"], line["person_ref"]) == ("case-42", "pref-abc")
    assert "case_id" not in outside and "person_ref" not in outside


def test_library_handlers_cannot_write_around_redaction(tmp_path: Path,
                                                        log_file: Path) -> None:
    noisy = logging.getLogger("noisy.lib")
    stray = tmp_path / "stray.log"
    noisy.addHandler(logging.FileHandler(stray))
    configure("test-svc", "INFO", log_file)  # a library configured before us: taken over

    noisy.warning("cpr %s", CPR)

    assert stray.read_text() == ""
    [line] = lines(log_file)
    assert line["event"] == "cpr [cpr-redacted]"


def test_level_is_respected(log_file: Path) -> None:
    get_logger("worker").debug("chatty")
    logging.getLogger("aiokafka").debug("chatty")
    assert lines(log_file) == []


def test_libraries_that_dump_message_values_stay_above_debug(tmp_path) -> None:  # noqa: ANN001
    import logging

    from verdictflow.platform.log import configure

    log_file = tmp_path / "debug.log"
    configure("t", "DEBUG", log_file)
    logging.getLogger("aiokafka.producer.producer").debug("Sending value=b'Testperson Secret'")
    logging.getLogger("verdictflow.something").debug("our own debug line")
    text = log_file.read_text()
    assert "Testperson Secret" not in text and "our own debug line" in text


def test_key_names_are_never_masked_values_still_are(log_file: Path) -> None:
    # "Per" is a name as well as the start of "person_ref": a registered value must mask
    # the value where it stands, never part of a key an operator searches by.
    with sensitive("Per", "person", NAME), bind_case("case-7", "p-abc123"):
        get_logger("ingest").info(
            "lookup", cpr_digest="sha256:ab12", personnummer_checked=True,
            note=f"Per called about {CPR}",
            nested={"person_ref": "p-abc123", "cpr_digest": CPR_DIGITS, "Per": "x",
                    CPR: "keyed by a CPR number"})

    [line] = lines(log_file)
    assert line["person_ref"] == "p-abc123" and line["case_id"] == "case-7"
    assert line["cpr_digest"] == "sha256:ab12" and line["personnummer_checked"] is True
    assert line["note"] == "[redacted] called about [cpr-redacted]"
    nested = line["nested"]
    assert nested["person_ref"] == "p-abc123"
    assert nested["cpr_digest"] == "[cpr-redacted]"  # the value is masked, not the name
    # A key that is data itself (the whole of a registered value, a CPR number) is masked.
    assert "Per" not in nested and nested["[redacted]"] == "x"
    assert nested["[cpr-redacted]"] == "keyed by a CPR number"
    assert "[redacted]_ref" not in log_file.read_text()
