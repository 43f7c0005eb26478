import copy
import json
from datetime import date

import pytest
from jsonschema import Draft202012Validator

from verdictflow.domain.contract import (
    DATA_SCHEMAS,
    MAX_EVENT_BYTES,
    InvalidEvent,
    load_schemas,
    validate_event,
)
from verdictflow.domain.topics import (
    DISCLOSURE_RECEIVED,
    POLICE_TYPES,
    VERDICT_APPEALED,
    VERDICT_FINALIZED,
    VERDICT_OVERTURNED,
)

# The example of docs/contracts.md (the registered event), as the contract describes it.
CONTRACT_EXAMPLE = """{
  "specversion": "1.0",
  "id": "0f8e2a4c-8d1b-4a47-9e35-8f6d2c1b7a90",
  "source": "urn:dk:politi:kbh-vestegn",
  "type": "dk.politi.verdict.registered.v1",
  "time": "2026-11-18T14:03:00+01:00",
  "subject": "KBV-2026-004711",
  "datacontenttype": "application/json",
  "data": {
    "verdict_id": "KBV-2026-004711",
    "police_district": "kbh-vestegn",
    "case_reference": "0100-70111-00123-26",
    "court": "Retten i Glostrup",
    "decided_on": "2026-11-18",
    "final": true,
    "person": {
      "cpr": "0101901234",
      "name": "Test Testesen",
      "registered_address": {"street": "Strandesplanaden 12, 3. tv", "postcode": "2660",
                             "city": "Brøndby Strand"}
    },
    "offences": [
      {"law": "straffeloven", "section": "244", "description": "vold"}
    ],
    "sentence": {"kind": "unconditional_custody", "days": 60},
    "crime_scene": {"street": "Brøndby Strand Centret", "postcode": "2660",
                    "city": "Brøndby Strand", "lat": 55.6197, "lon": 12.4186}
  }
}"""
EXAMPLE = json.loads(CONTRACT_EXAMPLE)

RECEIPT = {
    "specversion": "1.0",
    "id": "7d5b3c0a-1e2f-4a5b-8c9d-0e1f2a3b4c5d",
    "source": "urn:dk:bolig:bbs",
    "type": DISCLOSURE_RECEIVED,
    "time": "2026-11-19T08:00:00Z",
    "subject": "case-abc",
    "datacontenttype": "application/json",
    "data": {
        "disclosure_id": "disc-1",
        "case_id": "case-abc",
        "recipient_org": "bbs",
        "key_id": "bbs-2026-1",
        "received_at": "2026-11-19T08:00:00.123Z",
        "digest": "a" * 64,
        "signature": "c2lnbmF0dXJl",
    },
}


def encode(event) -> bytes:
    return json.dumps(event, ensure_ascii=False).encode()


def reason(event, allowed=POLICE_TYPES) -> str:
    with pytest.raises(InvalidEvent) as exc:
        validate_event(encode(event) if not isinstance(event, bytes) else event, allowed)
    return exc.value.reason


def changed(base, mutate):
    e = copy.deepcopy(base)
    mutate(e)
    return e


def test_contract_example_validates():
    assert validate_event(CONTRACT_EXAMPLE.encode(), POLICE_TYPES) == EXAMPLE


def test_schemas_are_package_data_and_valid():
    schemas = load_schemas()
    assert set(schemas.data) == set(DATA_SCHEMAS)
    for v in [schemas.envelope, *schemas.data.values()]:
        Draft202012Validator.check_schema(v.schema)
        assert v.schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_invalid_event_is_a_value_error_with_reason():
    err = InvalidEvent("x")
    assert isinstance(err, ValueError) and err.reason == "x"


@pytest.mark.parametrize(
    "field", ["specversion", "id", "source", "type", "time", "subject", "datacontenttype", "data"]
)
def test_missing_envelope_field(field):
    assert reason(changed(EXAMPLE, lambda e: e.pop(field))) == f'missing field "{field}"'


@pytest.mark.parametrize(
    "path",
    [
        "verdict_id",
        "police_district",
        "case_reference",
        "court",
        "decided_on",
        "final",
        "person",
        "person.cpr",
        "person.name",
        "person.registered_address",
        "person.registered_address.postcode",
        "offences",
        "sentence",
        "sentence.kind",
        "crime_scene",
        "crime_scene.street",
    ],
)
def test_missing_data_field(path):
    def drop(e):
        *parents, leaf = path.split(".")
        node = e["data"]
        for p in parents:
            node = node[p]
        node.pop(leaf)

    assert reason(changed(EXAMPLE, drop)).startswith(f'missing field "data.{path}"')


@pytest.mark.parametrize(
    "mutate,expected",
    [
        (lambda e: e.__setitem__("specversion", "0.3"), 'specversion must be "1.0"'),
        (
            lambda e: e.__setitem__("datacontenttype", "text/plain"),
            'datacontenttype must be "application/json"',
        ),
        (lambda e: e["data"].__setitem__("final", "yes"), "data.final must be of type boolean"),
        (
            lambda e: e["data"]["sentence"].__setitem__("days", -1),
            "data.sentence.days must be at least 0",
        ),
        (
            lambda e: e["data"]["sentence"].__setitem__("days", "60"),
            "data.sentence.days must be of type integer",
        ),
        (lambda e: e["data"]["sentence"].pop("days"), 'missing field "data.sentence.days"'),
        (
            lambda e: e["data"]["sentence"].__setitem__("kind", "prison"),
            "data.sentence.kind must be one of",
        ),
        (
            lambda e: e["data"]["crime_scene"].__setitem__("lat", "55.6"),
            "data.crime_scene.lat must be of type number",
        ),
        (
            lambda e: e["data"]["crime_scene"].pop("lon"),
            "data.crime_scene.lat requires data.crime_scene.lon",
        ),
        (
            lambda e: e["data"].__setitem__("offences", []),
            "data.offences must have at least 1 items",
        ),
        (
            lambda e: e["data"]["offences"][0].pop("section"),
            'missing field "data.offences[0].section"',
        ),
        (
            lambda e: e["data"].__setitem__("decided_on", "2026-02-30"),
            "data.decided_on is not a valid date",
        ),
        (
            lambda e: e["data"]["person"]["registered_address"].__setitem__("postcode", 2660),
            "data.person.registered_address.postcode must be of type string",
        ),
    ],
)
def test_bad_values(mutate, expected):
    assert reason(changed(EXAMPLE, mutate)).startswith(expected)


def test_optional_parts():
    no_coords = changed(
        EXAMPLE, lambda e: [e["data"]["crime_scene"].pop(k) for k in ("lat", "lon")]
    )
    validate_event(encode(no_coords), POLICE_TYPES)
    fine = changed(
        EXAMPLE, lambda e: e["data"].__setitem__("sentence", {"kind": "fine", "amount_dkk": 3000})
    )
    validate_event(encode(fine), POLICE_TYPES)
    acquittal = changed(EXAMPLE, lambda e: e["data"].__setitem__("sentence", {"kind": "acquittal"}))
    validate_event(encode(acquittal), POLICE_TYPES)
    hyphen = changed(EXAMPLE, lambda e: e["data"]["person"].__setitem__("cpr", "010190-1234"))
    validate_event(encode(hyphen), POLICE_TYPES)
    # no modulus-11 check: 0101901235 fails it and is still a valid CPR number since 2007
    mod11 = changed(EXAMPLE, lambda e: e["data"]["person"].__setitem__("cpr", "0101901235"))
    validate_event(encode(mod11), POLICE_TYPES)


@pytest.mark.parametrize("cpr", ["12345678901", "0101-901234", "O1O1901234", "010190 1234"])
def test_bad_cpr_reason_names_path_and_rule_but_not_the_value(cpr):
    r = reason(changed(EXAMPLE, lambda e: e["data"]["person"].__setitem__("cpr", cpr)))
    assert r.startswith("data.person.cpr does not match ^\\d{6}-?\\d{4}$")
    assert cpr not in r and "0101901234" not in r


def test_reasons_never_echo_values():
    secrets = {"name": 4242424242, "cpr": 1904951234}
    r = reason(changed(EXAMPLE, lambda e: e["data"]["person"].update(secrets)))
    assert "4242424242" not in r and "1904951234" not in r and "Testesen" not in r
    r = reason(changed(EXAMPLE, lambda e: e.__setitem__("time", "Test Testesen 0101901234")))
    assert r.startswith("time ") and "Testesen" not in r and "0101901234" not in r


@pytest.mark.parametrize(
    "time,ok",
    [
        ("2026-11-18T14:03:00Z", True),
        ("2026-11-18T14:03:00+01:00", True),
        ("2026-11-18T14:03:00.123456Z", True),
        ("2026-11-18t14:03:00z", True),
        ("2026-11-18 14:03:00Z", False),
        ("2026-11-18T14:03:00", False),
        ("2026-11-18T25:00:00Z", False),
        ("2026-13-18T14:03:00Z", False),
        ("2026-11-18", False),
    ],
)
def test_time_is_rfc3339(time, ok):
    event = encode(changed(EXAMPLE, lambda e: e.__setitem__("time", time)))
    if ok:
        validate_event(event, POLICE_TYPES)
    else:
        assert reason(event).startswith("time ")


def test_unknown_type():
    r = reason(changed(EXAMPLE, lambda e: e.__setitem__("type", "dk.politi.verdict.deleted.v1")))
    assert r.startswith('unknown type "dk.politi.verdict.deleted.v1"')
    r = reason(changed(EXAMPLE, lambda e: e.__setitem__("type", "0101901234 Test Testesen")))
    assert r.startswith("unknown type (not shown)") and "0101901234" not in r


def test_allowed_types_are_per_topic():
    assert reason(RECEIPT).startswith(f'unknown type "{DISCLOSURE_RECEIVED}"')
    assert reason(EXAMPLE, (DISCLOSURE_RECEIVED,)).startswith("unknown type")


def test_subject_must_be_the_verdict_id():
    r = reason(changed(EXAMPLE, lambda e: e.__setitem__("subject", "KBV-2026-999999")))
    assert r == "subject must equal data.verdict_id for police events"


@pytest.mark.parametrize(
    "raw,expected",
    [
        (b"\xff\xfe{}", "invalid UTF-8"),
        (b"{not json", "not JSON"),
        (b"", "not JSON"),
        (b"[1, 2]", "the event must be a JSON object"),
        (b'{"a": NaN}', "not JSON: NaN is not allowed"),
        (b'{"id": "1", "id": "2"}', "not valid for the contract: an object has a duplicate key"),
        (b" " * (MAX_EVENT_BYTES + 1), "event is larger than"),
    ],
)
def test_unreadable_messages(raw, expected):
    assert reason(raw).startswith(expected)


def _change_event(type_, data):
    return changed(EXAMPLE, lambda e: (e.__setitem__("type", type_), e.__setitem__("data", data)))


def test_change_events():
    base = {"verdict_id": "KBV-2026-004711", "decided_on": "2026-12-01"}
    for t in (VERDICT_APPEALED, VERDICT_FINALIZED, VERDICT_OVERTURNED):
        validate_event(encode(_change_event(t, base)), POLICE_TYPES)
    full = {
        **base,
        "court": "Østre Landsret",
        "sentence": {"kind": "unconditional_custody", "days": 30},
        "offences": [{"law": "straffeloven", "section": "244"}],
    }
    validate_event(encode(_change_event(VERDICT_FINALIZED, full)), POLICE_TYPES)
    assert reason(
        _change_event(VERDICT_FINALIZED, {**base, "sentence": {"kind": "jail"}})
    ).startswith("data.sentence.kind must be one of")
    assert reason(
        _change_event(VERDICT_FINALIZED, {**base, "sentence": {"kind": "conditional_custody"}})
    ).startswith('missing field "data.sentence.days"')
    assert (
        reason(_change_event(VERDICT_APPEALED, {"verdict_id": "KBV-2026-004711"}))
        == 'missing field "data.decided_on"'
    )
    assert (
        reason(_change_event(VERDICT_OVERTURNED, {**base, "verdict_id": "OTHER"}))
        == "subject must equal data.verdict_id for police events"
    )


def test_receipt():
    allowed = (DISCLOSURE_RECEIVED,)
    assert validate_event(encode(RECEIPT), allowed) == RECEIPT
    for field in RECEIPT["data"]:
        bad = changed(RECEIPT, lambda e, f=field: e["data"].pop(f))
        assert reason(bad, allowed) == f'missing field "data.{field}"'
    assert reason(
        changed(RECEIPT, lambda e: e["data"].__setitem__("digest", "A" * 64)), allowed
    ).startswith("data.digest does not match")
    assert reason(
        changed(RECEIPT, lambda e: e["data"].__setitem__("digest", "ab")), allowed
    ).startswith("data.digest does not match")
    assert reason(
        changed(RECEIPT, lambda e: e["data"].__setitem__("signature", "not base64!")), allowed
    ).startswith("data.signature does not match")
    assert reason(
        changed(RECEIPT, lambda e: e["data"].__setitem__("received_at", "yesterday")), allowed
    ).startswith("data.received_at")
    assert (
        reason(changed(RECEIPT, lambda e: e["data"].__setitem__("key_id", 7)), allowed)
        == "data.key_id must be of type string"
    )


def test_every_sample_event_validates():
    from pathlib import Path

    import verdictflow
    from verdictflow.domain.partnerships import load_partnerships
    from verdictflow.domain.samples import sample_verdicts

    ps = load_partnerships(
        (Path(verdictflow.__file__).parent / "config" / "partnerships.json").read_text()
    )
    for s in sample_verdicts(ps, date(2026, 11, 23)):
        for e in s.events:
            assert validate_event(encode(e), POLICE_TYPES) == e
            assert e["subject"] == s.verdict_id
            assert (
                e["source"]
                == f"urn:dk:politi:{e['data'].get('police_district', e['source'].split(':')[-1])}"
            )
