import pytest
from sqlalchemy import select, update
from werkzeug.security import generate_password_hash

from quiz.db import db
from quiz.models import Role, User
from tests.conftest import NOW, PASSWORD, csrf_token, make_user


def test_register_logs_in_and_greets_the_student(client, auth):
    response = auth.post(
        "/auth/register",
        {"name": "Li Wei", "email": "Li@Example.org", "password": PASSWORD, "confirm": PASSWORD},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Welcome, Li Wei! Your account is ready." in html
    assert "Welcome back, Li Wei." in html
    assert client.get("/api/v1/me").get_json()["email"] == "li@example.org"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-address"}, "Enter a valid e-mail address"),
        ({"password": "short", "confirm": "short"}, "Use 10 to 128 characters."),
        ({"confirm": "something else entirely"}, "The passwords do not match."),
        ({"name": ""}, "This field is required."),
    ],
)
def test_register_shows_what_is_wrong_next_to_the_field(auth, data, message):
    form = {"name": "Ana", "email": "ana@example.org", "password": PASSWORD, "confirm": PASSWORD}
    response = auth.post("/auth/register", {**form, **data})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_register_refuses_an_address_already_taken(app, auth):
    make_user(app, email="taken@example.org")
    form = {"name": "Ana", "email": "TAKEN@example.org", "password": PASSWORD, "confirm": PASSWORD}
    response = auth.post("/auth/register", form)
    assert response.status_code == 422
    assert "An account with this e-mail address already exists." in response.get_data(as_text=True)


def test_unknown_email_and_wrong_password_get_the_same_answer(app, auth):
    make_user(app, email="known@example.org")
    unknown = auth.post("/auth/login", {"email": "nobody@example.org", "password": PASSWORD})
    wrong = auth.post("/auth/login", {"email": "known@example.org", "password": "not it at all"})
    assert unknown.status_code == wrong.status_code == 422
    strip = lambda r: r.get_data(as_text=True).replace("nobody@", "").replace("known@", "")  # noqa: E731
    assert strip(unknown).split("csrf_token")[0] == strip(wrong).split("csrf_token")[0]
    assert "That e-mail and password do not match an account." in wrong.get_data(as_text=True)


def test_an_old_scrypt_hash_logs_in_and_is_replaced_by_argon2id(app, auth):
    user = make_user(app)
    with app.app_context():
        old = generate_password_hash(PASSWORD, method="scrypt:1024:8:1")
        db.session.execute(update(User).where(User.id == user.id).values(password_hash=old))
        db.session.commit()
    assert auth.post("/auth/login", {"email": user.email, "password": PASSWORD}).status_code == 302
    with app.app_context():
        stored = db.session.scalar(select(User.password_hash).where(User.id == user.id))
    assert stored.startswith("$argon2id$v=19$")
    auth.logout()
    assert auth.post("/auth/login", {"email": user.email, "password": PASSWORD}).status_code == 302
    auth.logout()
    wrong = auth.post("/auth/login", {"email": user.email, "password": "not it at all"})
    assert wrong.status_code == 422


def test_login_redirects_only_to_a_path_on_this_site(app, auth):
    user = make_user(app)
    token = auth.token()
    response = auth.client.post(
        "/auth/login?next=//evil.example/x",
        data={"csrf_token": token, "email": user.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/"


def test_form_post_without_csrf_token_is_refused(app, client):
    user = make_user(app)
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Your form expired or came from another site." in response.get_data(as_text=True)
    assert client.get("/api/v1/me").status_code == 401


def test_cookie_copied_before_logout_is_refused_after_it(app, auth, client):
    auth.login()
    stolen = client.get_cookie("quiz_session").value
    assert client.get("/api/v1/me").status_code == 200
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("quiz_session", stolen)
    assert thief.get("/api/v1/me").status_code == 401
    assert thief.get("/auth/password").status_code == 302


def test_password_change_ends_other_sessions_but_keeps_this_one(app, auth, client):
    user = auth.login()
    other = app.test_client()
    other.set_cookie("quiz_session", client.get_cookie("quiz_session").value)
    response = auth.post(
        "/auth/password",
        {
            "current_password": PASSWORD,
            "password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
        follow_redirects=True,
    )
    assert "Password changed." in response.get_data(as_text=True)
    assert client.get("/api/v1/me").status_code == 200
    assert other.get("/api/v1/me").status_code == 401
    auth.logout()
    assert auth.post("/auth/login", {"email": user.email, "password": PASSWORD}).status_code == 422
    ok = auth.post("/auth/login", {"email": user.email, "password": "a brand new passphrase"})
    assert ok.status_code == 302


def test_password_change_with_wrong_current_password_changes_nothing(auth, client):
    auth.login()
    response = auth.post(
        "/auth/password",
        {
            "current_password": "wrong wrong wrong",
            "password": "another passphrase",
            "confirm": "another passphrase",
        },
    )
    assert response.status_code == 422
    assert "The current password is not right." in response.get_data(as_text=True)
    assert client.get("/api/v1/me").status_code == 200


def test_repeated_failures_from_one_place_are_rate_limited(app, auth):
    app.config["CLOCK"] = lambda: NOW  # Retry-After is the window's rest: exact on a still clock
    user = make_user(app)
    limit = app.config["LOGIN_FAILURES_PER_ACCOUNT_IP"]
    for _ in range(limit):
        wrong = auth.post("/auth/login", {"email": user.email, "password": "nope nope nope"})
        assert wrong.status_code == 422
    blocked = auth.post("/auth/login", {"email": user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert blocked.headers["Retry-After"] == str(app.config["LOGIN_WINDOW_SECONDS"])
    assert (
        "Too many failed logins for this e-mail address from your network. "
        "Try again in 15 minutes." in blocked.get_data(as_text=True)
    )


def test_repeated_failures_are_rate_limited_per_ip(app, auth):
    app.config["LOGIN_FAILURES_PER_IP"] = 3
    for n in range(3):
        auth.post("/auth/login", {"email": f"guess{n}@example.org", "password": "nope nope nope"})
    user = make_user(app)
    blocked = auth.post("/auth/login", {"email": user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many failed logins from your network. Try again in 15 minutes." in (
        blocked.get_data(as_text=True)
    )


def test_a_successful_login_clears_the_failures_from_that_place(app, auth):
    user = make_user(app)
    limit = app.config["LOGIN_FAILURES_PER_ACCOUNT_IP"]
    for _ in range(limit - 1):
        auth.post("/auth/login", {"email": user.email, "password": "nope nope nope"})
    auth.login(email=user.email)
    auth.logout()
    for _ in range(limit - 1):
        auth.post("/auth/login", {"email": user.email, "password": "nope nope nope"})
    assert auth.post("/auth/login", {"email": user.email, "password": PASSWORD}).status_code == 302


def test_pages_needing_login_send_anonymous_users_to_the_login_form(client):
    response = client.get("/auth/password")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/auth/password"


def test_logout_is_not_possible_with_get(auth, client):
    auth.login()
    assert client.get("/auth/logout").status_code == 405
    assert client.get("/api/v1/me").status_code == 200


def test_navigation_shows_the_role_of_an_instructor(auth, client):
    auth.login(role=Role.INSTRUCTOR)
    assert '<span class="role-badge">instructor</span>' in client.get("/").get_data(as_text=True)


def test_login_starts_a_new_session(app, auth, client):
    before = csrf_token(client)
    auth.login()
    assert csrf_token(client) != before


def test_security_events_are_logged_without_secrets(app, auth, caplog):
    user = make_user(app)
    with caplog.at_level("INFO", logger="quiz.security"):
        auth.post("/auth/login", {"email": user.email, "password": "wrong but long"})
        auth.login(email=user.email)
        auth.logout()
    messages = [r.getMessage() for r in caplog.records if r.name == "quiz.security"]
    assert messages[0] == f"login failed: email={user.email} ip=127.0.0.1 known=True"
    assert messages[1] == f"login: user={user.id} ip=127.0.0.1"
    assert messages[2] == f"sessions ended: user={user.id}"
    secrets = (PASSWORD, "wrong but long", "scrypt", "$argon2")
    assert not any(secret in m for m in messages for secret in secrets)


def test_home_tells_a_returning_student_what_is_due(app, auth, client):
    from datetime import UTC, datetime, timedelta

    from tests.conftest import make_card_states, make_source

    user = auth.login()
    ids = make_source(app, 3)
    assert "Nothing is due right now" in client.get("/").get_data(as_text=True)
    make_card_states(app, user, ids[:2], due=datetime.now(UTC) - timedelta(hours=1))
    html = client.get("/").get_data(as_text=True)
    assert "2 cards are due today." in html
    assert ">Study now</a>" in html
