"""Production sign-in: OpenID Connect authorization code flow with PKCE (RFC 7636, S256).

The issuer's discovery document (``{VF_OIDC_ISSUER}/.well-known/openid-configuration``)
names the endpoints; its ``issuer`` must equal the configured one. The browser is sent to
the authorization endpoint with a random ``state`` and the S256 challenge of a random
verifier; both are kept for ten minutes in an HttpOnly cookie of their own (SameSite=Lax:
it must come back on the identity provider's top-level redirect, which a Strict cookie does
not). The callback requires the same ``state``, exchanges the code with the verifier and
the client's credentials (HTTP Basic) and keeps the **access token** as the session, after
``auth.verify_token`` accepted it exactly as the JSON API would.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx

from services.api.auth import OidcConfigError
from verdictflow.platform.settings import Settings

PENDING = "vf_oidc"
PENDING_SECONDS = 600
TIMEOUT = 10.0


class LoginFailed(Exception):
    """``str(self)`` is safe to show on the sign-in page."""


@dataclass(frozen=True)
class Discovery:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str


@dataclass(frozen=True)
class Pending:
    state: str
    verifier: str

    def cookie(self) -> str:
        return json.dumps({"state": self.state, "verifier": self.verifier})

    @classmethod
    def from_cookie(cls, value: str | None) -> Pending:
        try:
            data = json.loads(value or "")
            return cls(state=str(data["state"]), verifier=str(data["verifier"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise LoginFailed("the sign-in was not started here, or took too long") from exc


def oidc_enabled(settings: Settings) -> bool:
    return bool(settings.oidc_client_id)


def check_login_settings(settings: Settings) -> None:
    """Production refuses to start with a sign-in that would leak the code or the token."""
    if settings.environment != "production" or not oidc_enabled(settings):
        return
    problems = []
    if not settings.oidc_client_secret:
        problems.append("VF_OIDC_CLIENT_SECRET is empty")
    if not settings.oidc_redirect_url.startswith("https://"):
        problems.append("VF_OIDC_REDIRECT_URL is not https")
    if not settings.oidc_issuer.startswith("https://"):
        problems.append("VF_OIDC_ISSUER is not an https URL")
    if problems:
        raise OidcConfigError(f"the pages' OIDC sign-in: {'; '.join(problems)}")


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def challenge_of(verifier: str) -> str:
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def discover(settings: Settings) -> Discovery:
    url = settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        doc = httpx.get(url, timeout=TIMEOUT).raise_for_status().json()
        found = Discovery(issuer=str(doc["issuer"]),
                          authorization_endpoint=str(doc["authorization_endpoint"]),
                          token_endpoint=str(doc["token_endpoint"]))
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        raise LoginFailed("the identity provider cannot be reached; try again shortly") from exc
    if found.issuer != settings.oidc_issuer:
        # OpenID Connect Discovery § 4.3: a document for another issuer is not this one's.
        raise LoginFailed("the identity provider's discovery document names another issuer")
    return found


def start(settings: Settings) -> tuple[str, Pending]:
    """The URL to send the browser to, and what to keep until it comes back."""
    d = discover(settings)
    pending = Pending(state=secrets.token_urlsafe(32), verifier=secrets.token_urlsafe(64))
    query = urlencode({
        "response_type": "code",
        "client_id": settings.oidc_client_id,
        "redirect_uri": settings.oidc_redirect_url,
        "scope": settings.oidc_scopes,
        "state": pending.state,
        "code_challenge": challenge_of(pending.verifier),
        "code_challenge_method": "S256",
    })
    sep = "&" if "?" in d.authorization_endpoint else "?"
    return f"{d.authorization_endpoint}{sep}{query}", pending


def finish(settings: Settings, pending: Pending, code: str | None, state: str | None,
           error: str | None = None) -> str:
    """The access token for the code, once the state matched; raises ``LoginFailed``."""
    if error:
        raise LoginFailed("the identity provider refused the sign-in")
    if not state or not hmac.compare_digest(state, pending.state):
        raise LoginFailed("the sign-in answer does not belong to this browser's sign-in")
    if not code:
        raise LoginFailed("the identity provider sent no authorization code")
    d = discover(settings)
    try:
        r = httpx.post(d.token_endpoint, timeout=TIMEOUT,
                       auth=(settings.oidc_client_id, settings.oidc_client_secret),
                       data={"grant_type": "authorization_code", "code": code,
                             "redirect_uri": settings.oidc_redirect_url,
                             "code_verifier": pending.verifier})
    except httpx.HTTPError as exc:
        raise LoginFailed("the identity provider cannot be reached; try again shortly") from exc
    if r.status_code != 200:
        raise LoginFailed("the identity provider did not accept the authorization code")
    try:
        token = r.json()["access_token"]
    except (ValueError, KeyError, TypeError) as exc:
        raise LoginFailed("the identity provider's answer holds no access token") from exc
    if not isinstance(token, str):
        raise LoginFailed("the identity provider's answer holds no access token")
    return token
