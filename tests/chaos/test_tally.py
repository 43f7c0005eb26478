"""The chaos figures' arithmetic (pure; runs with the unit tests, not only under chaos)."""

from collections import Counter

from tests.chaos.tally import KINDS, Tally, _only


def test_lost_and_doubled_per_kind_add_up() -> None:
    found = {k: Counter({"case-a": 1, "case-b": 1}) for k in KINDS}
    found["cases"] = Counter({"case-a": 2, "case-b": 1})  # two runs under one case id
    found["tasks"] = Counter({"case-a": 1})  # case-b's task never opened
    t = Tally(2, found)
    assert t.figures() == {"cases": 3, "disclosures": 2, "kept": 2, "tasks": 1,
                           "lost": 1, "doubled": 1}
    assert t.detail()["tasks"] == {"lost": 1, "doubled": 0}
    assert not t.complete


def test_the_same_record_read_twice_is_one_record() -> None:
    pairs = [("case-a", "case-a-d1"), ("case-a", "case-a-d1"),  # redelivered: one
             ("case-b", "case-b-d1"), ("case-b", "case-b-d2"),  # a second id: doubled
             ("case-x", "case-x-d1")]  # another scenario's case: not counted
    assert _only({"case-a", "case-b"}, pairs) == Counter({"case-a": 1, "case-b": 2})
