"""Who is calling: OIDC access tokens verified as a resource server does, and role checks.

``verify_token`` is the one place a token is checked, for the task API and the codec
server alike: the signature against the issuer's JWKS (the key chosen by ``kid``, the
algorithm pinned by that key and never taken from the token alone), then issuer, audience,
expiry, not-before and issued-at. The keys come from ``settings.oidc_jwks_url`` (the
partners' identity provider; cached, fetched again when an unknown ``kid`` shows up after a
key rotation) or, when that is empty outside production, from the development issuer in
the key store (``verdictflow.platform.identity_provider``). Everything else only sees a
``Principal``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jwt import PyJWK, PyJWKClient, PyJWKSet
from jwt.exceptions import PyJWKClientConnectionError, PyJWKClientError, PyJWKSetError

from verdictflow.platform.identity_provider import DEV_ISSUER, ROLES, Role, issue_dev_token, jwks
from verdictflow.platform.keys import KeyStore
from verdictflow.platform.log import get_logger
from verdictflow.platform.settings import Settings

__all__ = ["Principal", "InvalidToken", "OidcConfigError", "KeysUnavailable", "verify_token",
           "check_oidc_settings", "issue_dev_token", "current_principal", "requires", "Role",
           "TaskUser", "Supervisor", "HousingUser", "RequestReader", "MunicipalityUser",
           "Auditor", "Operator", "TASK_KINDS"]

log = get_logger(__name__)

# Asymmetric only: with HS256 the JWKS (public) would be a signing secret (alg confusion).
ACCEPTED_ALGORITHMS = ("RS256", "PS256", "ES256", "EdDSA")
LEEWAY = timedelta(seconds=30)  # clock skew between the issuing and the verifying host
JWKS_CACHE_SECONDS = 300

# Which task kinds each task role works on; other roles have no access to tasks at all.
# Operators and auditors see ids, stages and the audit log, never a disclosure (design:
# criminal-offence data goes to its lawful recipient only).
TASK_KINDS: dict[Role, frozenset[str]] = {
    # "sue": the suit in boligretten after an objection, answered by recording it
    # (POST /cases/{case_id}/termination/suit), not by a decision. "damages": the landlord
    # owes the tenant damages and rehousing (§ 92 stk. 4, L 178).
    "caseworker": frozenset({"decision", "sue", "damages"}),
    "supervisor": frozenset({"decision", "sue", "damages"}),
    "police_reviewer": frozenset({"review", "request", "confirm_finality"}),
    # The municipality's own follow-up (barnets lov §§ 38-39): ids and the basis, never a
    # disclosure; its org claim is the municipality id.
    "municipality_caseworker": frozenset({"municipality_followup"}),
}


@dataclass(frozen=True)
class Principal:
    subject: str
    org_id: str  # housing organisation, police district or municipality id (by role)
    role: Role
    municipality: str | None = None


class InvalidToken(Exception):
    """``str(self)`` is safe to tell the caller."""


class OidcConfigError(RuntimeError):
    """The service must not start: it could not tell a real token from a forged one."""


class KeysUnavailable(Exception):
    """The identity provider's JWKS cannot be fetched now (503, not the caller's fault)."""


def check_oidc_settings(settings: Settings) -> None:
    """Raises ``OidcConfigError`` in production without an identity provider configured."""
    if settings.environment != "production":
        return
    problems = []
    if settings.oidc_issuer == DEV_ISSUER:
        problems.append(f"VF_OIDC_ISSUER is the development issuer {DEV_ISSUER!r}")
    if not settings.oidc_jwks_url:
        problems.append("VF_OIDC_JWKS_URL is empty")
    elif not settings.oidc_jwks_url.startswith("https://"):
        # Whoever can swap the keys in transit can sign any token.
        problems.append("VF_OIDC_JWKS_URL is not https")
    if problems:
        raise OidcConfigError("production needs the identity provider's issuer and JWKS URL "
                              f"(development tokens are refused there): {'; '.join(problems)}")


_clients: dict[str, PyJWKClient] = {}
_clients_lock = threading.Lock()


def _jwks_client(url: str) -> PyJWKClient:
    # One client per URL per process: its cache is what keeps a request from fetching.
    with _clients_lock:
        client = _clients.get(url)
        if client is None:
            client = _clients[url] = PyJWKClient(url, lifespan=JWKS_CACHE_SECONDS, timeout=5)
        return client


def signing_key(kid: str, settings: Settings, keys: KeyStore) -> PyJWK:
    if settings.oidc_jwks_url:
        try:
            return _jwks_client(settings.oidc_jwks_url).get_signing_key(kid)
        except (PyJWKClientConnectionError, ValueError, OSError) as exc:
            log.warning("oidc.jwks_unavailable", error=type(exc).__name__)
            raise KeysUnavailable("the identity provider's keys cannot be fetched; "
                                  "try again shortly") from exc
        except (PyJWKClientError, PyJWKSetError) as exc:  # fetched, and no such kid in it
            raise InvalidToken("the token's signing key is unknown") from exc
    check_oidc_settings(settings)  # production never falls back to the development issuer
    try:
        return PyJWKSet.from_dict(jwks(keys))[kid]
    except KeyError as exc:
        raise InvalidToken("the token's signing key is unknown") from exc


def verify_token(token: str, settings: Settings, keys: KeyStore) -> Principal:
    """Raises ``InvalidToken`` with the reason (or ``KeysUnavailable``)."""
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise InvalidToken("the token is invalid") from exc
    if header.get("alg") not in ACCEPTED_ALGORITHMS:
        raise InvalidToken("the token is not signed with an accepted algorithm")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidToken("the token names no signing key (kid)")
    # Before any key lookup, so a token from elsewhere never makes us fetch the JWKS.
    if unverified.get("iss") != settings.oidc_issuer:
        raise InvalidToken("the token is from an unknown issuer")
    key = signing_key(kid, settings, keys)
    if key.algorithm_name not in ACCEPTED_ALGORITHMS:  # e.g. an "oct" key in the JWKS
        raise InvalidToken("the token's signing key is not accepted")
    try:
        # A PyJWK pins the algorithm: PyJWT refuses a token whose alg differs from the key's.
        claims: dict[str, Any] = jwt.decode(
            token, key, algorithms=list(ACCEPTED_ALGORITHMS),
            audience=settings.oidc_audience, issuer=settings.oidc_issuer, leeway=LEEWAY,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("the token has expired") from exc
    except jwt.ImmatureSignatureError as exc:
        raise InvalidToken("the token is not valid yet") from exc
    except jwt.InvalidAudienceError as exc:
        raise InvalidToken("the token is not meant for this API") from exc
    except jwt.InvalidIssuerError as exc:
        raise InvalidToken("the token is from an unknown issuer") from exc
    except jwt.MissingRequiredClaimError as exc:
        raise InvalidToken(f"the token lacks the {exc.claim!r} claim") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken("the token is invalid") from exc
    if int(claims["exp"]) <= int(claims["iat"]):  # both int-checked by PyJWT already
        raise InvalidToken("the token expires before it was issued")
    return _principal(claims)


def _principal(claims: dict[str, Any]) -> Principal:
    org, role, municipality = claims.get("org"), claims.get("role"), claims.get("municipality")
    if not isinstance(org, str) or not org:
        raise InvalidToken("the token names no organisation")
    if role not in ROLES:
        raise InvalidToken("the token carries an unknown role")
    if not isinstance(claims["sub"], str) or not claims["sub"]:
        raise InvalidToken("the token names no subject")
    return Principal(subject=claims["sub"], org_id=org, role=role,
                     municipality=municipality if isinstance(municipality, str) else None)


# -- FastAPI dependencies -------------------------------------------------------------
_bearer = HTTPBearer(auto_error=False,
                     description="OIDC access token (development: `verdictflow dev token`)")


def _unauthorized(detail: str, error: str | None = "invalid_token") -> HTTPException:
    # RFC 6750 § 3: no error code when no credentials were sent at all.
    challenge = f'Bearer error="{error}"' if error else "Bearer"
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail,
                         headers={"WWW-Authenticate": challenge})


def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    # A plain def: FastAPI runs it in the thread pool, where a JWKS fetch may block.
    if credentials is None:
        raise _unauthorized("a bearer token is required", error=None)
    ctx = request.app.state.ctx  # anything with .settings and .keys (API, codec server)
    try:
        return verify_token(credentials.credentials, ctx.settings, ctx.keys)
    except InvalidToken as exc:
        raise _unauthorized(str(exc)) from exc
    except KeysUnavailable as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=str(exc)) from exc


def requires(*roles: Role, what: str) -> Any:
    """A dependency admitting only ``roles``: 403 for the others (after 401 for no token)."""
    allowed = frozenset(roles)

    def role_check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role not in allowed:
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                detail=f"the role {principal.role!r} has no access to {what}")
        return principal

    return Depends(role_check)


TaskUser = Annotated[Principal, requires(*TASK_KINDS, what="tasks")]
Supervisor = Annotated[Principal, requires("supervisor", what="task assignment")]
HousingUser = Annotated[Principal, requires("caseworker", "supervisor",
                                            what="disclosure requests")]
RequestReader = Annotated[Principal, requires("caseworker", "supervisor", "police_reviewer",
                                              what="disclosure requests")]
# The housing organisation records its cases' termination route (objection, suit, court).
CaseOrgUser = Annotated[Principal, requires("caseworker", "supervisor",
                                            what="termination routes")]
MunicipalityUser = Annotated[Principal, requires("municipality_caseworker", what="notifications")]
Auditor = Annotated[Principal, requires("auditor", what="the audit log")]
Operator = Annotated[Principal, requires("operator", what="the codec server")]
