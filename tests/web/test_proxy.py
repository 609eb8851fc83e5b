"""The client's address with no trusted proxy (the default) and with one in front."""

import pytest
from sqlalchemy import select

from quiz import create_app
from quiz.config import ConfigError
from quiz.db import db
from quiz.models import RateCounter
from tests.conftest import PASSWORD, AuthActions, app_for, make_config, make_user

PROXY = "10.0.0.1"  # whoever connects to the app: the proxy, when there is one
WRONG = "nope nope nope"


@pytest.fixture(params=[0, 1], ids=["no-proxy", "one-proxy"])
def proxied(request, tmp_path, monkeypatch):
    """An app trusting 0 or 1 proxies, its per-IP login limit lowered to 3."""
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path / "instance"))
    with app_for(make_config(tmp_path, TRUSTED_PROXIES=request.param)) as app:
        app.config["LOGIN_FAILURES_PER_IP"] = 3
        yield app


def counted_ips() -> list[str]:
    """Return the addresses the per-IP login limit has counted."""
    return db.session.scalars(select(RateCounter.key).where(RateCounter.scope == "login-ip")).all()


def login(app, auth, email, password, forwarded_for):
    """Log in through the proxy for the client at `forwarded_for`; return the status."""
    return auth.post(
        "/auth/login",
        {"email": email, "password": password},
        headers={"X-Forwarded-For": forwarded_for},
        environ_base={"REMOTE_ADDR": PROXY},
    ).status_code


def test_the_login_limit_counts_each_client_behind_a_trusted_proxy(proxied):
    auth = AuthActions(proxied.test_client(), proxied)
    for n in range(3):
        assert login(proxied, auth, f"guess{n}@example.org", WRONG, "203.0.113.5") == 422
    other = make_user(proxied)
    neighbour = login(
        proxied, AuthActions(proxied.test_client(), proxied), other.email, PASSWORD, "203.0.113.6"
    )
    guesser = login(proxied, auth, other.email, PASSWORD, "203.0.113.5")
    if proxied.config["TRUSTED_PROXIES"] == 0:
        # Without a trusted proxy the header is anyone's to write: everyone is the proxy.
        assert (neighbour, guesser) == (429, 429)
    else:
        assert (neighbour, guesser) == (302, 429)


def test_the_security_log_and_the_failures_name_the_client(proxied, caplog):
    auth = AuthActions(proxied.test_client(), proxied)
    user = make_user(proxied)
    with caplog.at_level("INFO", logger="quiz.security"):
        login(proxied, auth, user.email, WRONG, "203.0.113.5")
    client = PROXY if proxied.config["TRUSTED_PROXIES"] == 0 else "203.0.113.5"
    messages = [r.getMessage() for r in caplog.records if r.name == "quiz.security"]
    assert messages == [f"login failed: email={user.email} ip={client} known=True"]
    with proxied.app_context():
        assert counted_ips() == [client]


def test_an_address_a_client_adds_to_the_header_is_not_believed(proxied):
    auth = AuthActions(proxied.test_client(), proxied)
    user = make_user(proxied)
    # The client wrote 198.51.100.9 itself; the proxy appended the address it saw.
    login(proxied, auth, user.email, WRONG, "198.51.100.9, 203.0.113.5")
    client = PROXY if proxied.config["TRUSTED_PROXIES"] == 0 else "203.0.113.5"
    with proxied.app_context():
        assert counted_ips() == [client]


@pytest.mark.parametrize(("value", "hops"), [("0", 0), ("1", 1), (" 2 ", 2)])
def test_trusted_proxies_is_read_from_the_environment(tmp_path, monkeypatch, value, hops):
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("QUIZ_TRUSTED_PROXIES", value)
    assert create_app({"ENV": "testing"}).config["TRUSTED_PROXIES"] == hops


@pytest.mark.parametrize("value", ["yes", "-1", "1.5", ""])
def test_a_bad_trusted_proxies_value_stops_start_up(tmp_path, monkeypatch, value):
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("QUIZ_TRUSTED_PROXIES", value)
    message = f"QUIZ_TRUSTED_PROXIES must be a whole number (0 or more), not '{value}'"
    with pytest.raises(ConfigError) as error:
        create_app({"ENV": "testing"})
    assert str(error.value) == message
