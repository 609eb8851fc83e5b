"""Confirming the e-mail address before joining a class (QUIZ_REQUIRE_EMAIL_CONFIRMATION=1)."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from quiz.db import db, utcnow
from quiz.models import Role, User
from quiz.services import classes, confirmation
from tests.conftest import MAIL_CONFIG, PASSWORD, AuthActions, app_for, make_config, make_user


@pytest.fixture
def confirm_app(tmp_path, monkeypatch, mailbox):
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path / "instance"))
    config = make_config(
        tmp_path,
        SMTP_URL=f"smtp+insecure://127.0.0.1:{mailbox.port}",
        REQUIRE_EMAIL_CONFIRMATION=True,
        **MAIL_CONFIG,
    )
    with app_for(config) as app:
        yield app


def sign_up(app, email="ana@example.org"):
    client = app.test_client()
    auth = AuthActions(client, app)
    response = auth.post(
        "/auth/register",
        {"name": "Ana", "email": email, "password": PASSWORD, "confirm": PASSWORD},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client, auth


def a_class(app) -> str:
    teacher = make_user(app, role=Role.INSTRUCTOR)
    with app.app_context():
        return classes.create_class(db.session.get(User, teacher.id), "Period 3").join_code


def join(auth, code):
    return auth.post("/assignments/", {"code": code})


def test_a_new_account_confirms_its_address_before_joining_a_class(confirm_app, mailbox):
    code = a_class(confirm_app)
    client, auth = sign_up(confirm_app)
    page = client.get("/assignments/").get_data(as_text=True)
    assert "Confirm your e-mail address before joining a class" in page
    refused = join(auth, code)
    assert refused.status_code == 422
    assert "Confirm your e-mail address before joining a class" in refused.get_data(as_text=True)

    message = mailbox.last_to("ana@example.org")
    assert message["Subject"] == "Confirm your e-mail address"
    link = mailbox.link(message)
    confirmed = client.get(urlsplit(link).path, follow_redirects=True)
    assert "Your e-mail address is confirmed." in confirmed.get_data(as_text=True)
    assert join(auth, code).status_code == 303


def test_the_link_can_be_sent_again_a_few_times(confirm_app, mailbox):
    client, auth = sign_up(confirm_app)
    for _ in range(confirmation.RESENDS_PER_ACCOUNT):
        done = auth.post("/auth/confirm", follow_redirects=True)
        assert "We sent a new confirmation link to ana@example.org." in done.get_data(as_text=True)
    assert auth.post("/auth/confirm").status_code == 429
    assert len(mailbox.messages) == 1 + confirmation.RESENDS_PER_ACCOUNT


@pytest.mark.parametrize("damage", [lambda t: "nonsense", lambda t: t[:-2], lambda t: "x" + t])
def test_a_damaged_link_confirms_nothing(confirm_app, mailbox, damage):
    client, _auth = sign_up(confirm_app)
    token = urlsplit(mailbox.link(mailbox.messages[-1])).path.rsplit("/", 1)[1]
    response = client.get(f"/auth/confirm/{damage(token)}")
    assert response.status_code == 410
    assert "This confirmation link is not complete." in response.get_data(as_text=True)
    with confirm_app.app_context():
        assert db.session.get(User, 1).email_confirmed_at is None


def test_an_expired_link_confirms_nothing(confirm_app, mailbox):
    client, _auth = sign_up(confirm_app)
    with confirm_app.app_context():
        user = db.session.get(User, 1)
        confirmation.send_link(user, now=utcnow() - timedelta(days=8))
    response = client.get(urlsplit(mailbox.link(mailbox.messages[-1])).path)
    assert response.status_code == 410
    assert "This confirmation link has expired" in response.get_data(as_text=True)


def test_accounts_made_by_an_administrator_need_no_confirmation(confirm_app, mailbox):
    code = a_class(confirm_app)
    ana = make_user(confirm_app)
    auth = AuthActions(confirm_app.test_client(), confirm_app)
    auth.login(email=ana.email)
    assert join(auth, code).status_code == 303


def test_without_the_setting_new_accounts_join_at_once(mail_app, mailbox):
    code = a_class(mail_app)
    _client, auth = sign_up(mail_app)
    assert join(auth, code).status_code == 303
    assert mailbox.messages == []
