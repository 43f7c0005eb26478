"""Reading a disclosure on the platform side: both seals opened, as one document.

The recipient organisation's key opens the outer seal; the case's data key, released
here, opens the personal part. After a purge the case key is gone and so is the content.
"""

from __future__ import annotations

from typing import Any

from verdictflow.domain.sealing import (
    SealedDisclosure,
    SealError,
    open_case_layer,
    open_disclosure,
)
from verdictflow.platform.keys import KeyStore


def read_disclosure(sealed: SealedDisclosure, org_id: str, keys: KeyStore) -> dict[str, Any]:
    """Raises SealError (tampered, wrong recipient) or CaseKeyDestroyed (purged)."""
    if sealed.recipient_org != org_id:
        raise SealError("sealed for another housing organisation")
    private = keys.org_decryption_keys(org_id).get(sealed.recipient_key_id)
    if private is None:
        raise SealError(f"sealed to key {sealed.recipient_key_id!r}, which {org_id} does not hold")
    _, platform = keys.platform_signing()
    content = open_disclosure(
        sealed, recipient_org=org_id, recipient_key_id=sealed.recipient_key_id,
        recipient_private=private, platform_public=platform.public_key())
    layer = content.pop("personal", None)
    if layer is None:  # sealed before the case layer existed
        return content
    personal = open_case_layer(layer, sealed.case_id, keys.case_keys().key(sealed.case_id))
    rules = personal.pop("rules", [])
    content["assessment"] = {**content.get("assessment", {}), "rules": rules}
    return {**content, **personal}
