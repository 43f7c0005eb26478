"""The development identity provider: access tokens shaped and signed as an OIDC provider's.

In production, tokens come from the partners' identity provider (``VF_OIDC_ISSUER`` and
``VF_OIDC_JWKS_URL``) and this module issues nothing. It exists so that the embedded stack,
the demo and the tests use tokens verified by exactly the production code path: asymmetric
signature (EdDSA, Ed25519), the key chosen by ``kid`` from a JWKS, issuer, audience and
expiry checked. The private key lives in the key store (``keys/dev-idp/``, owner-only); the
task API publishes the public half at ``/.well-known/jwks.json`` outside production.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, get_args

import jwt
from jwt.algorithms import OKPAlgorithm

from verdictflow.platform.keys import KeyStore
from verdictflow.platform.settings import Settings

DEV_ISSUER = "verdictflow-dev"  # the default of settings.oidc_issuer; refused in production
ALGORITHM = "EdDSA"

# What a token's ``role`` claim may say. The ``org`` claim's meaning follows the role: a
# housing organisation id, a police district id (police_reviewer) or a municipality id
# (municipality_caseworker); operators and auditors carry their own organisation's id.
Role = Literal["caseworker", "supervisor", "municipality_caseworker", "police_reviewer",
               "operator", "auditor"]
ROLES: tuple[str, ...] = get_args(Role)


def jwks(keys: KeyStore) -> dict[str, Any]:
    """The public JWKS of the development issuer (what an IdP serves at its jwks_uri)."""
    kid, private = keys.dev_idp_signing()
    jwk: dict[str, Any] = OKPAlgorithm.to_jwk(private.public_key(), as_dict=True)
    return {"keys": [{**jwk, "kid": kid, "use": "sig", "alg": ALGORITHM}]}


def issue_dev_token(settings: Settings, keys: KeyStore, org_id: str, role: str = "caseworker",
                    subject: str | None = None, ttl: timedelta | None = None,
                    municipality: str | None = None) -> str:
    """A signed access token for local use (``verdictflow dev token --org ORG``).

    ``municipality`` adds a ``municipality`` claim (the caller's municipality, where the
    organisation's IdP states it); it grants nothing by itself. Refused in production:
    there a key file on the host must not be enough to act as any caseworker.
    """
    if settings.environment == "production":
        raise RuntimeError("development tokens are not issued in production")
    if role not in ROLES:
        raise ValueError(f"role must be one of: {', '.join(ROLES)}")
    if not org_id:
        raise ValueError("a token is scoped to an organisation: org_id is required")
    kid, private = keys.dev_idp_signing()
    now = datetime.now(UTC)
    ttl = ttl if ttl is not None else timedelta(minutes=settings.api_token_ttl_minutes)
    claims: dict[str, Any] = {
        "iss": settings.oidc_issuer,
        "aud": settings.oidc_audience,
        "sub": subject or f"dev-{role}@{org_id}",
        "org": org_id,
        "role": role,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    if municipality:
        claims["municipality"] = municipality
    # typ "at+jwt": an access token (RFC 9068), not an ID token.
    return jwt.encode(claims, private, algorithm=ALGORITHM, headers={"kid": kid, "typ": "at+jwt"})
