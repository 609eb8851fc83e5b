"""Forgotten passwords: real mail to a real SMTP server, links followed as a student would."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from quiz.db import utcnow
from quiz.services import resets
from tests.conftest import PASSWORD, AuthActions, make_user

NEW = "a brand new passphrase"


def ask(auth: AuthActions, email: str):
    return auth.post("/auth/forgot", {"email": email})


def follow(client, url: str, data: dict | None = None):
    """GET the link's page, or POST the form on it with the page's CSRF token."""
    path = urlsplit(url).path
    if data is None:
        return client.get(path)
    from tests.conftest import csrf_token

    return client.post(path, data={"csrf_token": csrf_token(client, path), **data})


def reset_link(mailbox, email: str) -> str:
    message = mailbox.last_to(email)
    assert message["Subject"] == "Reset your quiz password"
    assert message["From"] == "quiz@school.example"
    html = message.get_body(("html",)).get_content()
    link = mailbox.link(message)
    assert link.startswith("http://quiz.test/auth/reset/")
    assert f'href="{link}"' in html
    return link


def test_a_reset_link_arrives_by_mail_and_works_once(mail_app, mailbox):
    user = make_user(mail_app)
    client = mail_app.test_client()
    auth = AuthActions(client, mail_app)
    sent = ask(auth, user.email.upper())
    assert sent.status_code == 200
    assert "Check your e-mail" in sent.get_data(as_text=True)
    link = reset_link(mailbox, user.email)

    page = follow(client, link)
    assert page.status_code == 200
    assert f"For {user.email}." in page.get_data(as_text=True)
    done = follow(client, link, {"password": NEW, "confirm": NEW})
    assert done.status_code == 302
    assert client.get("/api/v1/me").get_json()["email"] == user.email  # logged in

    again = follow(client, link)
    assert again.status_code == 410
    assert "already used" in again.get_data(as_text=True)
    assert (
        follow(
            client, link, {"password": "yet another one", "confirm": "yet another one"}
        ).status_code
        == 410
    )

    auth.logout()
    assert auth.post("/auth/login", {"email": user.email, "password": PASSWORD}).status_code == 422
    assert auth.post("/auth/login", {"email": user.email, "password": NEW}).status_code == 302


def test_resetting_ends_every_other_session(mail_app, mailbox):
    user = make_user(mail_app)
    laptop = mail_app.test_client()
    AuthActions(laptop, mail_app).login(email=user.email)
    assert laptop.get("/api/v1/me").status_code == 200
    phone = mail_app.test_client()
    ask(AuthActions(phone, mail_app), user.email)
    assert (
        follow(
            phone, reset_link(mailbox, user.email), {"password": NEW, "confirm": NEW}
        ).status_code
        == 302
    )
    assert laptop.get("/api/v1/me").status_code == 401
    assert phone.get("/api/v1/me").status_code == 200


def test_an_unknown_address_gets_the_same_answer_and_no_mail(mail_app, mailbox):
    known = make_user(mail_app, email="known@example.org")
    auth = AuthActions(mail_app.test_client(), mail_app)
    for_known = ask(auth, known.email)
    for_unknown = ask(auth, "nobody@example.org")
    assert for_unknown.status_code == for_known.status_code == 200
    assert for_unknown.get_data(as_text=True) == for_known.get_data(as_text=True).replace(
        "known@example.org", "nobody@example.org"
    )
    assert [m["To"] for m in mailbox.messages] == ["known@example.org"]


def test_an_expired_link_is_refused_with_a_clear_page(mail_app, mailbox):
    user = make_user(mail_app)
    with mail_app.app_context():
        resets.send_link(user, now=utcnow() - timedelta(minutes=61))
    page = follow(mail_app.test_client(), reset_link(mailbox, user.email))
    assert page.status_code == 410
    assert "This reset link has expired: links work for one hour." in page.get_data(as_text=True)


def test_a_link_sent_before_a_password_change_is_refused(mail_app, mailbox):
    user = make_user(mail_app)
    client = mail_app.test_client()
    auth = AuthActions(client, mail_app)
    ask(auth, user.email)
    link = reset_link(mailbox, user.email)
    auth.login(email=user.email)
    changed = auth.post(
        "/auth/password", {"current_password": PASSWORD, "password": NEW, "confirm": NEW}
    )
    assert changed.status_code == 302
    page = follow(mail_app.test_client(), link)
    assert page.status_code == 410
    assert "the password was changed after it was sent" in page.get_data(as_text=True)


@pytest.mark.parametrize("damage", [lambda t: t[:-3], lambda t: t + "x", lambda t: "x" + t[1:]])
def test_a_damaged_link_is_refused(mail_app, mailbox, damage):
    user = make_user(mail_app)
    ask(AuthActions(mail_app.test_client(), mail_app), user.email)
    link = reset_link(mailbox, user.email)
    token = link.rsplit("/", 1)[1]
    page = mail_app.test_client().get(f"/auth/reset/{damage(token)}")
    assert page.status_code == 410
    assert "This reset link is not complete." in page.get_data(as_text=True)


def test_a_bad_new_password_is_shown_and_the_link_still_works(mail_app, mailbox):
    user = make_user(mail_app)
    client = mail_app.test_client()
    ask(AuthActions(client, mail_app), user.email)
    link = reset_link(mailbox, user.email)
    short = follow(client, link, {"password": "short", "confirm": "short"})
    assert short.status_code == 422
    assert "Use 10 to 128 characters." in short.get_data(as_text=True)
    mismatch = follow(client, link, {"password": NEW, "confirm": NEW + "!"})
    assert mismatch.status_code == 422
    assert "The passwords do not match." in mismatch.get_data(as_text=True)
    assert follow(client, link, {"password": NEW, "confirm": NEW}).status_code == 302


@pytest.mark.parametrize(
    ("email", "message"),
    [("", "This field is required."), ("x" * 255 + "@example.org", "Field cannot be longer")],
)
def test_a_bad_address_is_shown_next_to_the_field(mail_app, mailbox, email, message):
    response = ask(AuthActions(mail_app.test_client(), mail_app), email)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert mailbox.messages == []


def test_requests_are_throttled_per_address(mail_app, mailbox):
    user = make_user(mail_app)
    auth = AuthActions(mail_app.test_client(), mail_app)
    for _ in range(mail_app.config["PASSWORD_RESETS_PER_ADDRESS"]):
        assert ask(auth, user.email).status_code == 200
    refused = ask(auth, user.email)
    assert refused.status_code == 429
    assert "Several reset links were already asked for this address." in refused.get_data(
        as_text=True
    )
    assert int(refused.headers["Retry-After"]) > 0
    assert len(mailbox.messages) == mail_app.config["PASSWORD_RESETS_PER_ADDRESS"]


def test_requests_are_throttled_per_ip(mail_app, mailbox):
    mail_app.config["PASSWORD_RESETS_PER_IP"] = 2
    auth = AuthActions(mail_app.test_client(), mail_app)
    assert ask(auth, "a@example.org").status_code == 200
    assert ask(auth, "b@example.org").status_code == 200
    refused = ask(auth, "c@example.org")
    assert refused.status_code == 429
    assert "Too many reset links were asked for from your network." in refused.get_data(
        as_text=True
    )


def test_a_deactivated_account_gets_no_link(mail_app, mailbox):
    from quiz.services import admin

    user = make_user(mail_app)
    with mail_app.app_context():
        admin.set_active(admin.find(user.email), False, actor="test")
    assert ask(AuthActions(mail_app.test_client(), mail_app), user.email).status_code == 200
    assert mailbox.messages == []


def test_without_mail_the_page_says_to_ask_an_administrator(app, auth):
    page = auth.client.get("/auth/forgot")
    assert page.status_code == 200
    assert "This site cannot send e-mail" in page.get_data(as_text=True)
    assert "Forgot your password?" in auth.client.get("/auth/login").get_data(as_text=True)
    posted = auth.post("/auth/forgot", {"email": "someone@example.org"})
    assert posted.status_code == 503
    assert "This site cannot send e-mail" in posted.get_data(as_text=True)


def test_a_mail_server_that_is_down_is_logged_and_the_answer_stays_the_same(
    mail_app, mailbox, caplog
):
    from tests.conftest import free_port

    user = make_user(mail_app)
    mail_app.config["SMTP_URL"] = f"smtp+insecure://127.0.0.1:{free_port()}"
    response = ask(AuthActions(mail_app.test_client(), mail_app), user.email)
    assert response.status_code == 200
    assert "Check your e-mail" in response.get_data(as_text=True)
    assert "reset mail not sent: ConnectionRefusedError" in caplog.text
