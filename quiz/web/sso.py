"""Sign in with a school's identity provider (OpenID Connect): go there, come back."""

import logging

from authlib.common.errors import AuthlibBaseError
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from joserfc.errors import JoseError
from requests import RequestException

from quiz import mail, sso
from quiz.services import sso as accounts_sso
from quiz.web.auth import start_session

bp = Blueprint("sso", __name__, url_prefix="/auth/sso")
log = logging.getLogger("quiz.security")


def _provider(slug: str) -> sso.Provider:
    found = sso.provider(slug)
    if found is None:
        abort(404, description="This site has no sign-in service by that name.")
    return found


def _refused(provider: sso.Provider, message: str, status: int):
    page = render_template("auth/sso_refused.html", provider=provider, message=message)
    return page, status


@bp.get("/<slug>")
def start(slug: str):
    """Send the browser to the provider, with a state, a nonce and a PKCE challenge."""
    provider = _provider(slug)
    try:
        return sso.client(slug).authorize_redirect(mail.external_url("sso.callback", slug=slug))
    except RequestException as error:
        log.error("sso provider unreachable: provider=%s error=%s", slug, error)
        message = f"{provider.name} cannot be reached right now. Try again in a few minutes."
        return _refused(provider, message, 502)


@bp.get("/<slug>/callback")
def callback(slug: str):
    """Check what the provider sent back, then log in (or link) the account it names."""
    provider = _provider(slug)
    client = sso.client(slug)
    try:
        token = client.authorize_access_token()
        claims = dict(token.get("userinfo") or {})
        if "email" not in claims or "name" not in claims:
            extra = client.userinfo(token=token)
            if extra.get("sub") == claims.get("sub"):
                claims = {**extra, **claims}
    except (AuthlibBaseError, JoseError) as error:  # state, nonce, signature, claims
        log.warning("sso refused: provider=%s error=%s", slug, error)
        message = (
            f"Signing in with {provider.name} did not complete: the answer did not match the "
            "request this browser made (it may have expired or been changed). Try again."
        )
        return _refused(provider, message, 400)
    except RequestException as error:
        log.error("sso provider unreachable: provider=%s error=%s", slug, error)
        message = f"{provider.name} cannot be reached right now. Try again in a few minutes."
        return _refused(provider, message, 502)
    current = current_user._get_current_object() if current_user.is_authenticated else None
    try:
        user = accounts_sso.sign_in(provider, claims, current)
    except accounts_sso.SsoRefused as error:
        return _refused(provider, str(error), 403)
    start_session(user)
    if current is not None:
        flash(f"Your {provider.name} account is linked: sign in with it from now on.", "success")
    else:
        flash(f"Logged in as {user.name} with {provider.name}.", "success")
    return redirect(url_for("main.home"))
