"""Who is calling: bearer JWTs, and which roles may touch tasks.

In this skeleton tokens are HS256, signed with the key store's API token key and issued by
``verdictflow dev token``. OIDC (RS256/ES256 against the identity provider's JWKS) replaces
that by swapping ``verify_token`` alone: everything else only sees a ``Principal``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, Literal, get_args

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from verdictflow.keys import KeyStore
from verdictflow.settings import Settings

ISSUER = "verdictflow-dev"
AUDIENCE = "verdictflow-api"
ALGORITHM = "HS256"
LEEWAY = timedelta(seconds=30)  # clock skew between the issuing and the verifying host

Role = Literal["caseworker", "supervisor", "police_reviewer", "operator", "auditor"]
# Operators and auditors see ids, stages and the audit log, never a disclosure (design:
# criminal-offence data goes to its lawful recipient only).
TASK_ROLES: frozenset[str] = frozenset({"caseworker", "supervisor", "police_reviewer"})


@dataclass(frozen=True)
class Principal:
    subject: str
    org_id: str  # a housing organisation id, or a police district id for police_reviewer
    role: Role


class InvalidToken(Exception):
    """``str(self)`` is safe to tell the caller."""


def verify_token(token: str, settings: Settings, keys: KeyStore) -> Principal:
    """The one place a token is checked; raises ``InvalidToken`` with the reason.

    ``settings`` is unused by the HS256 skeleton; the OIDC verifier reads its issuer and
    JWKS address from it.
    """
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            keys.api_token_key(),
            algorithms=[ALGORITHM],  # pinned: never the algorithm the token names
            audience=AUDIENCE,
            issuer=ISSUER,
            leeway=LEEWAY,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("the token has expired") from exc
    except jwt.InvalidAudienceError as exc:
        raise InvalidToken("the token is not meant for this API") from exc
    except jwt.InvalidIssuerError as exc:
        raise InvalidToken("the token is from an unknown issuer") from exc
    except jwt.MissingRequiredClaimError as exc:
        raise InvalidToken(f"the token lacks the {exc.claim!r} claim") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken("the token is invalid") from exc
    org, role = claims.get("org"), claims.get("role")
    if not isinstance(org, str) or not org:
        raise InvalidToken("the token names no organisation")
    if role not in get_args(Role):
        raise InvalidToken("the token carries an unknown role")
    return Principal(subject=claims["sub"], org_id=org, role=role)


def issue_dev_token(settings: Settings, keys: KeyStore, org_id: str, role: str = "caseworker",
                    subject: str | None = None, ttl: timedelta | None = None) -> str:
    """A token for local use (``verdictflow dev token --org ORG``).

    Refused in production: there, tokens come from the identity provider, and a key file
    on the host must not be enough to act as any caseworker.
    """
    if settings.environment == "production":
        raise RuntimeError("development tokens are not issued in production")
    if role not in get_args(Role):
        raise ValueError(f"role must be one of: {', '.join(get_args(Role))}")
    now = datetime.now(timezone.utc)
    ttl = ttl if ttl is not None else timedelta(minutes=settings.api_token_ttl_minutes)
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": subject or f"dev-{role}@{org_id}",
        "org": org_id,
        "role": role,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    return jwt.encode(claims, keys.api_token_key(), algorithm=ALGORITHM)


# -- FastAPI dependencies -------------------------------------------------------------
_bearer = HTTPBearer(auto_error=False, description="JWT from `verdictflow dev token --org ORG`")


def _unauthorized(detail: str, error: str | None = "invalid_token") -> HTTPException:
    # RFC 6750 § 3: no error code when no credentials were sent at all.
    challenge = f'Bearer error="{error}"' if error else "Bearer"
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail,
                         headers={"WWW-Authenticate": challenge})


def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise _unauthorized("a bearer token is required", error=None)
    ctx = request.app.state.ctx  # an ApiContext (services.api.tasks), set by create_app
    try:
        return verify_token(credentials.credentials, ctx.settings, ctx.keys)
    except InvalidToken as exc:
        raise _unauthorized(str(exc)) from exc


def task_user(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if principal.role not in TASK_ROLES:
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            detail=f"the role {principal.role!r} has no access to tasks")
    return principal


TaskUser = Annotated[Principal, Depends(task_user)]
