"""Single sign-on with OpenID Connect providers (a school's identity provider), via Authlib.

QUIZ_OIDC_PROVIDERS is a JSON list, one object per provider:

    [{"slug": "hugo", "name": "Lycée Hugo", "issuer": "https://id.hugo.example",
      "client_id": "quiz", "client_secret": "...",
      "role_claim": "groups", "roles": {"teachers": "instructor", "it-staff": "admin"}}]

Authlib reads the provider's endpoints and keys from the issuer's discovery document
(`/.well-known/openid-configuration`), sends PKCE (S256), a state and a nonce, and checks
the ID token's signature, issuer, audience, expiry and nonce. `role_claim` and `roles` are
optional: when set, the claim's value (or any value of a list) picks the account's role at
every sign-in; otherwise new accounts are students.
"""

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import Flask, current_app

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
ROLES = ("student", "instructor", "admin")


class SsoSettingsError(ValueError):
    """Raised when QUIZ_OIDC_PROVIDERS cannot be used; the message says why."""


@dataclass(frozen=True)
class Provider:
    slug: str
    name: str
    issuer: str
    client_id: str
    client_secret: str
    role_claim: str | None = None
    roles: dict[str, str] = field(default_factory=dict)

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def _text(entry: dict, key: str, where: str, required: bool = True) -> str | None:
    value = entry.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise SsoSettingsError(f"{where}: {key!r} must be a non-empty string")
    return value.strip()


def parse_providers(raw: str | list | None) -> list[Provider]:
    """Return the providers configured, checked.

    Raises:
        SsoSettingsError: not a JSON list of objects, a field missing or of the wrong kind,
            an issuer that is not https (http only on this machine), a slug used twice.
    """
    if not raw:
        return []
    try:
        entries = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError as error:
        raise SsoSettingsError(f"not valid JSON ({error.msg} at character {error.pos})") from None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise SsoSettingsError("must be a JSON list of objects, one per provider")
    providers, seen = [], set()
    for n, entry in enumerate(entries, 1):
        where = f"provider {n}"
        slug = _text(entry, "slug", where)
        if not SLUG_RE.match(slug) or slug in seen:
            raise SsoSettingsError(
                f"{where}: 'slug' must be unique, lower-case letters, digits and dashes, "
                f"at most 40 (it goes in the address), not {slug!r}"
            )
        seen.add(slug)
        issuer = _text(entry, "issuer", where)
        parts = urlsplit(issuer)
        local = parts.hostname in LOCAL_HOSTS
        if not parts.netloc or not (parts.scheme == "https" or (parts.scheme == "http" and local)):
            raise SsoSettingsError(f"{where}: 'issuer' must be an https:// address, not {issuer!r}")
        roles = entry.get("roles") or {}
        if not isinstance(roles, dict) or any(v not in ROLES for v in roles.values()):
            raise SsoSettingsError(f"{where}: 'roles' must map claim values to {', '.join(ROLES)}")
        role_claim = _text(entry, "role_claim", where, required=False)
        if roles and not role_claim:
            raise SsoSettingsError(f"{where}: 'roles' needs 'role_claim', the claim to read")
        providers.append(
            Provider(
                slug=slug,
                name=_text(entry, "name", where),
                issuer=issuer,
                client_id=_text(entry, "client_id", where),
                client_secret=_text(entry, "client_secret", where),
                role_claim=role_claim,
                roles={str(k): v for k, v in roles.items()},
            )
        )
    return providers


def providers() -> list[Provider]:
    """Return the current app's providers."""
    return current_app.extensions["quiz.sso"]["providers"]


def provider(slug: str) -> Provider | None:
    """Return the provider with this slug, or None."""
    return next((p for p in providers() if p.slug == slug), None)


def client(slug: str):
    """Return Authlib's client for the provider."""
    return current_app.extensions["quiz.sso"]["oauth"].create_client(slug)


def init_app(app: Flask) -> None:
    """Register every configured provider with an Authlib registry of this app's own."""
    configured = parse_providers(app.config.get("OIDC_PROVIDERS"))
    oauth = None
    if configured:
        from authlib.integrations.flask_client import OAuth

        oauth = OAuth(app)
        for p in configured:
            oauth.register(
                name=p.slug,
                client_id=p.client_id,
                client_secret=p.client_secret,
                server_metadata_url=p.metadata_url,
                client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
            )
    app.extensions["quiz.sso"] = {"providers": configured, "oauth": oauth}
