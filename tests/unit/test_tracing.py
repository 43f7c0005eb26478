"""The trace id: the event's own id when it is a plain token, else a digest of it."""

from __future__ import annotations

from verdictflow.domain.tracing import trace_id_for


def test_a_plain_event_id_is_the_trace_id() -> None:
    assert trace_id_for("3f2c8a10-5b7e-4d21-9c3a-7e1f0b2d4a66") \
        == "3f2c8a10-5b7e-4d21-9c3a-7e1f0b2d4a66"
    assert trace_id_for("evt-ops-1") == "evt-ops-1"


def test_an_id_that_could_carry_data_is_digested() -> None:
    for given in ("cpr-0101901234", "010190-1234", "Jens Hansen", "x" * 101, "a/b"):
        traced = trace_id_for(given)
        assert traced.startswith("h-") and len(traced) == 34 and given not in traced
    assert trace_id_for("Jens Hansen") == trace_id_for("Jens Hansen")  # stable
