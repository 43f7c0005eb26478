"""Case data keys held in memory: a purge still shreds at once, and the cache is bounded."""

from __future__ import annotations

from pathlib import Path

import pytest

from verdictflow.platform.casekeys import CaseKeyDestroyed, CaseKeyStore
from verdictflow.platform.keys import FileKeyStore


def counting_master(store: FileKeyStore) -> tuple[list[int], CaseKeyStore]:
    calls = [0]

    def master() -> tuple[str, dict[str, bytes]]:
        calls[0] += 1
        return store.master_keys()

    return calls, CaseKeyStore(store.dir / "case-keys.db", master, max_entries=3)


def test_a_destroyed_key_no_longer_opens_in_the_same_process(tmp_path: Path) -> None:
    case_keys = FileKeyStore(tmp_path / "keys").case_keys()
    case_keys.key("case-a", create=True)
    assert case_keys.cached_count() == 1  # held: the next payload does not reopen it
    case_keys.destroy("case-a")
    with pytest.raises(CaseKeyDestroyed):
        case_keys.key("case-a")


def test_a_purge_in_another_process_evicts_here_on_the_next_use(tmp_path: Path) -> None:
    here = FileKeyStore(tmp_path / "keys").case_keys()
    elsewhere = FileKeyStore(tmp_path / "keys").case_keys()  # its own cache, as a process
    key = here.key("case-a", create=True)
    assert elsewhere.key("case-a") == key and elsewhere.cached_count() == 1
    here.destroy("case-a")
    with pytest.raises(CaseKeyDestroyed):
        elsewhere.key("case-a")  # the purge marker changed: not served from memory


def test_the_cache_is_bounded_and_serves_from_memory(tmp_path: Path) -> None:
    store = FileKeyStore(tmp_path / "keys")
    calls, case_keys = counting_master(store)
    keys = {c: case_keys.key(c, create=True) for c in ("a", "b", "c", "d")}
    assert case_keys.cached_count() == 3  # the least recently used ("a") left
    before = calls[0]
    assert [case_keys.key(c) for c in ("b", "c", "d")] == [keys["b"], keys["c"], keys["d"]]
    assert calls[0] == before  # no unwrap: from memory
    assert case_keys.key("a") == keys["a"] and calls[0] == before + 1


def test_entries_expire_after_their_lifetime(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from verdictflow.platform import casekeys

    store = FileKeyStore(tmp_path / "keys")
    case_keys = CaseKeyStore(store.dir / "case-keys.db", store.master_keys, ttl_seconds=10)
    case_keys.key("a", create=True)
    assert case_keys.cached_count() == 1
    now = casekeys.time.monotonic()
    monkeypatch.setattr(casekeys.time, "monotonic", lambda: now + 11)
    case_keys.key("a")
    assert case_keys.cached_count() == 1  # expired, read again, held anew
    off = CaseKeyStore(store.dir / "case-keys.db", store.master_keys, ttl_seconds=0)
    off.key("a")
    assert off.cached_count() == 0  # a lifetime of 0: nothing held


def test_the_master_key_is_read_once_per_process(tmp_path: Path) -> None:
    store = FileKeyStore(tmp_path / "keys")
    first = store.master_keys()
    (tmp_path / "keys" / "master.key").unlink()
    assert store.master_keys() is first
