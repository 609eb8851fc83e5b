"""Accounts from a school's identity provider: found by subject, never linked by e-mail."""

import json

import pytest

from quiz.db import db
from quiz.models import Role, SsoIdentity, User
from quiz.services import admin
from quiz.services import sso as accounts_sso
from quiz.sso import Provider, parse_providers
from tests.conftest import PASSWORD, AuthActions, app_for, make_config, make_user

HUGO = Provider(
    slug="hugo",
    name="Lycée Hugo",
    issuer="https://id.hugo.example",
    client_id="quiz",
    client_secret="s",
    role_claim="groups",
    roles={"teachers": "instructor", "it": "admin"},
)
ANA = {"sub": "a1", "email": "ana@hugo.example", "email_verified": True, "name": "Ana"}


def test_the_subject_finds_the_account_even_when_the_email_changes(app):
    with app.app_context():
        first = accounts_sso.sign_in(HUGO, ANA)
        again = accounts_sso.sign_in(HUGO, {**ANA, "email": "ana.new@hugo.example"})
        assert again.id == first.id
        assert db.session.scalars(db.select(SsoIdentity)).one().subject == "a1"


def test_an_existing_email_is_never_linked_without_its_password(app):
    make_user(app, email="ana@hugo.example")
    with app.app_context(), pytest.raises(accounts_sso.SsoRefused, match="already uses"):
        accounts_sso.sign_in(HUGO, ANA)
    with app.app_context():
        assert db.session.scalars(db.select(SsoIdentity)).all() == []


def test_a_logged_in_user_links_their_own_account(app):
    ana = make_user(app, email="ana@example.org")
    ben = make_user(app, email="ben@example.org")
    with app.app_context():
        me = db.session.get(User, ana.id)
        assert accounts_sso.sign_in(HUGO, ANA, current=me).id == ana.id
        assert accounts_sso.sign_in(HUGO, ANA).id == ana.id
        other = db.session.get(User, ben.id)
        with pytest.raises(accounts_sso.SsoRefused, match="already linked to another account"):
            accounts_sso.sign_in(HUGO, ANA, current=other)


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"email": "x@hugo.example"}, "did not say who you are"),
        ({"sub": "", "email": "x@hugo.example"}, "did not say who you are"),
        ({"sub": "x" * 256, "email": "x@hugo.example"}, "did not say who you are"),
        ({"sub": "b2"}, "did not give an e-mail address"),
        ({"sub": "b2", "email": "not an address"}, "did not give an e-mail address"),
    ],
)
def test_claims_without_a_subject_or_an_address_are_refused(app, claims, message):
    with app.app_context(), pytest.raises(accounts_sso.SsoRefused, match=message):
        accounts_sso.sign_in(HUGO, claims)


def test_an_unverified_address_is_not_confirmed_and_a_deactivated_account_is_refused(app):
    with app.app_context():
        user = accounts_sso.sign_in(HUGO, {**ANA, "email_verified": False})
        assert user.email_confirmed_at is None
        admin.set_active(user, False, actor="test")
        with pytest.raises(accounts_sso.SsoRefused, match="deactivated"):
            accounts_sso.sign_in(HUGO, ANA)


@pytest.mark.parametrize(
    ("groups", "role"),
    [
        (["pupils"], Role.STUDENT),
        (["teachers"], Role.INSTRUCTOR),
        (["teachers", "it"], Role.ADMIN),
        ("teachers", Role.INSTRUCTOR),
        (None, Role.STUDENT),
        ([3, {"x": 1}], Role.STUDENT),
    ],
)
def test_roles_come_from_the_claim_the_highest_wins(app, groups, role):
    with app.app_context():
        assert accounts_sso.sign_in(HUGO, {**ANA, "groups": groups}).role == role


def test_an_sso_account_has_no_password_that_works(app):
    with app.app_context():
        accounts_sso.sign_in(HUGO, ANA)
    auth = AuthActions(app.test_client(), app)
    for password in ("!sso", "", PASSWORD):
        assert (
            auth.post("/auth/login", {"email": ANA["email"], "password": password}).status_code
            == 422
        )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{", "not valid JSON"),
        ('{"slug": "x"}', "must be a JSON list of objects"),
        ("[{}]", "provider 1: 'slug' must be a non-empty string"),
        ('[{"slug": "Hugo High"}]', "'slug' must be unique, lower-case"),
        ('[{"slug": "h", "issuer": "http://id.hugo.example"}]', "'issuer' must be an https://"),
        ('[{"slug": "h", "issuer": "https://id.hugo.example", "name": "H"}]', "'client_id'"),
    ],
)
def test_bad_provider_settings_are_refused_naming_what_is_wrong(raw, message):
    from quiz.sso import SsoSettingsError

    with pytest.raises(SsoSettingsError, match=message):
        parse_providers(raw)


def test_a_bad_setting_stops_start_up_and_passwords_off_needs_a_provider(tmp_path):
    from quiz.config import ConfigError, load_config

    with pytest.raises(ConfigError, match="QUIZ_OIDC_PROVIDERS: not valid JSON"):
        load_config(tmp_path, {"ENV": "testing", "OIDC_PROVIDERS": "{"})
    with pytest.raises(ConfigError, match="QUIZ_LOCAL_PASSWORDS=0 needs QUIZ_OIDC_PROVIDERS"):
        load_config(tmp_path, {"ENV": "testing", "LOCAL_PASSWORDS": False})
    roles = [{**HUGO.__dict__, "roles": {"teachers": "boss"}}]
    with pytest.raises(ConfigError, match="'roles' must map claim values to student"):
        load_config(tmp_path, {"ENV": "testing", "OIDC_PROVIDERS": json.dumps(roles)})


@pytest.fixture
def sso_only(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path / "instance"))
    settings = [{k: v for k, v in HUGO.__dict__.items()}]
    config = make_config(tmp_path, OIDC_PROVIDERS=json.dumps(settings), LOCAL_PASSWORDS=False)
    with app_for(config) as app:
        yield app


def test_with_local_passwords_off_only_the_school_sign_in_is_offered(sso_only):
    user = make_user(sso_only)
    client = sso_only.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'href="/auth/sso/hugo">Sign in with Lycée Hugo</a>' in page
    assert 'name="password"' not in page and "Sign up" not in page
    sso_only.config["WTF_CSRF_ENABLED"] = False  # no password form here carries a token
    for path, data in [
        ("/auth/login", {"email": user.email, "password": PASSWORD}),
        ("/auth/register", {"name": "X", "email": "x@example.org", "password": PASSWORD}),
        ("/auth/forgot", {"email": user.email}),
    ]:
        response = client.post(path, data=data)
        assert response.status_code == 403, path
        assert "This site signs you in through your school" in response.get_data(as_text=True)


def test_an_unknown_provider_is_a_404(sso_only):
    client = sso_only.test_client()
    assert client.get("/auth/sso/nobody").status_code == 404
    assert client.get("/auth/sso/nobody/callback?code=x&state=y").status_code == 404


def test_a_callback_without_a_request_from_this_browser_is_refused(sso_only):
    response = sso_only.test_client().get("/auth/sso/hugo/callback?code=x&state=forged")
    assert response.status_code == 400
    assert "did not complete" in response.get_data(as_text=True)


def test_a_provider_error_answer_is_refused(sso_only):
    response = sso_only.test_client().get("/auth/sso/hugo/callback?error=access_denied")
    assert response.status_code == 400
