"""The key backup format on its own: sealed under the passphrase, every byte authenticated."""

from __future__ import annotations

import json
import struct

import pytest

from verdictflow.platform.keyarchive import (
    MAGIC,
    ArchiveError,
    ScryptCost,
    UnreadableArchive,
    WeakPassphrase,
    pack,
    read_header,
    unpack,
)

CHEAP = ScryptCost(n=2**10)  # the format under test, not the cost
PASS = "correct horse battery staple"
MEMBERS = {
    "master.key": b"\x01" * 32,
    "codec/primary": b"k0a1b2c3d",
    "codec/k0a1b2c3d.key": b"\x02" * 32,
    "orgs/bbs/encryption.pem": b"-----BEGIN PRIVATE KEY-----\nMC4C\n",
    "orgs/bbs/encryption.pem.retired-a1b2c3": b"-----BEGIN PRIVATE KEY-----\nold\n",
    "case-keys.db": b"SQLite format 3\x00" + b"\x00" * 100,
    "empty": b"",
}


def test_round_trip_and_nothing_readable_in_the_file() -> None:
    archive = pack(MEMBERS, PASS, cost=CHEAP)
    assert unpack(archive, PASS) == MEMBERS
    for name, data in MEMBERS.items():
        assert name.encode() not in archive
        if len(data) > 8:
            assert data not in archive
    assert pack(MEMBERS, PASS, cost=CHEAP) != archive  # fresh salt and nonce each time


def test_the_header_says_version_and_kdf_and_the_default_cost_is_owasps() -> None:
    _, header = read_header(pack(MEMBERS, PASS))
    assert header["format"] == 1
    assert {k: header["kdf"][k] for k in ("name", "n", "r", "p")} == {
        "name": "scrypt", "n": 2**17, "r": 8, "p": 1}
    assert header["cipher"]["name"] == "aes-256-gcm"


def test_a_wrong_passphrase_is_a_clear_error() -> None:
    archive = pack(MEMBERS, PASS, cost=CHEAP)
    with pytest.raises(UnreadableArchive, match="wrong passphrase"):
        unpack(archive, PASS + "!")


def test_any_flipped_bit_is_refused() -> None:
    archive = pack({"master.key": b"\x01" * 32}, PASS, cost=CHEAP)
    for at in range(len(archive)):
        damaged = bytearray(archive)
        damaged[at] ^= 1 << (at % 8)
        with pytest.raises(UnreadableArchive):
            unpack(bytes(damaged), PASS)


@pytest.mark.parametrize("cut", [0, 4, len(MAGIC) + 2, len(MAGIC) + 10, -1, -17])
def test_a_truncated_archive_is_refused(cut: int) -> None:
    archive = pack(MEMBERS, PASS, cost=CHEAP)
    with pytest.raises(UnreadableArchive):
        unpack(archive[:cut], PASS)


def reheader(archive: bytes, change) -> bytes:  # noqa: ANN001 - a header editing function
    prefix, header = read_header(archive)
    change(header)
    raw = json.dumps(header).encode()
    return MAGIC + struct.pack(">I", len(raw)) + raw + archive[len(prefix):]


@pytest.mark.parametrize("change", [
    lambda h: h.update(format=2),
    lambda h: h["kdf"].update(name="pbkdf2"),
    lambda h: h["kdf"].update(n=2**30),  # would allocate 128 GiB before failing
    lambda h: h["kdf"].update(n=1000),
    lambda h: h["kdf"].update(r=10**6),
    lambda h: h["kdf"].update(n="1024"),
    lambda h: h["kdf"].update(salt="00"),
    lambda h: h["cipher"].update(nonce="zz"),
    lambda h: h.pop("cipher"),
], ids=["version", "kdf", "huge-n", "n-not-power-of-two", "huge-r", "n-string", "short-salt",
        "bad-nonce", "no-cipher"])
def test_a_header_this_version_cannot_trust_is_refused_before_deriving(change) -> None:  # noqa: ANN001
    archive = reheader(pack(MEMBERS, PASS, cost=CHEAP), change)
    with pytest.raises(UnreadableArchive):
        unpack(archive, PASS)


@pytest.mark.parametrize("passphrase", ["", "short", " " * 20, "eleven char"])
def test_short_passphrases_are_refused(passphrase: str) -> None:
    with pytest.raises(WeakPassphrase):
        pack(MEMBERS, passphrase, cost=CHEAP)


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a/../../b", ".hidden", "a//b", "",
                                  "a/b/c/d/e", "a\\b", "a\x00b", "orgs/ bbs"])
def test_unsafe_member_paths_are_refused(name: str) -> None:
    with pytest.raises(ArchiveError):
        pack({name: b"x"}, PASS, cost=CHEAP)


def test_the_passphrase_is_compared_as_unicode_text() -> None:
    """The same passphrase typed where é is one code point or e and a combining accent."""
    archive = pack(MEMBERS, "caf\u00e9 au lait, bitte", cost=CHEAP)
    assert unpack(archive, "cafe\u0301 au lait, bitte") == MEMBERS
