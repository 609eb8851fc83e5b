import pytest

from quiz import create_app
from quiz.config import ROOT, ConfigError, instance_path, load_config


def test_production_without_secret_key_stops_with_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.delenv("QUIZ_SECRET_KEY", raising=False)
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(ConfigError, match="No SECRET_KEY: set QUIZ_SECRET_KEY or write one to"):
        create_app({"ENV": "production"})


def test_secret_key_is_read_from_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("QUIZ_SECRET_KEY", raising=False)
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path))
    (tmp_path / "secret_key").write_text("from-the-instance-file\n")
    app = create_app({"ENV": "production"})
    assert app.config["SECRET_KEY"] == "from-the-instance-file"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_unknown_environment_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(ConfigError, match="QUIZ_ENV must be one of"):
        create_app({"ENV": "staging"})


def test_a_school_behind_one_address_can_allow_more_sign_ups(tmp_path, monkeypatch):
    assert load_config(tmp_path, {"ENV": "testing"})["REGISTRATIONS_PER_IP"] == 30
    monkeypatch.setenv("QUIZ_REGISTRATIONS_PER_IP", "200")
    assert load_config(tmp_path, {"ENV": "testing"})["REGISTRATIONS_PER_IP"] == 200


def test_the_instance_folder_is_instance_in_the_checkout_unless_set(monkeypatch):
    monkeypatch.delenv("QUIZ_INSTANCE_PATH", raising=False)
    assert instance_path() == ROOT / "instance"
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", "")
    assert instance_path() == ROOT / "instance"


@pytest.mark.parametrize(
    ("name", "value", "least"),
    [
        ("QUIZ_PASSWORD_HASH_CONCURRENCY", "two", 1),
        ("QUIZ_PASSWORD_HASH_CONCURRENCY", "0", 1),  # no hashing thread: no login at all
        ("QUIZ_RUNNING_REQUESTS", "-1", 0),
        ("QUIZ_LOGIN_FAILURES_PER_IP", "²", 1),  # a digit to str.isdigit, not to int()
        ("QUIZ_REGISTRATIONS_PER_IP", "", 1),
        ("QUIZ_TRUSTED_PROXIES", "1.5", 0),
    ],
)
def test_a_bad_number_in_the_environment_stops_start_up_naming_it(
    tmp_path, monkeypatch, name, value, least
):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as refused:
        load_config(tmp_path, {"ENV": "testing"})
    assert str(refused.value) == f"{name} must be a whole number ({least} or more), not {value!r}"


MAIL = {"MAIL_FROM": "quiz@school.example", "BASE_URL": "https://quiz.school.example"}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"SMTP_URL": "http://mail.example.org", **MAIL}, "QUIZ_SMTP_URL: start it with smtp://"),
        ({"SMTP_URL": "smtp://:587", **MAIL}, "QUIZ_SMTP_URL: name the server"),
        ({"SMTP_URL": "smtp://mail.example.org:99999", **MAIL}, "QUIZ_SMTP_URL: the port must"),
        ({"SMTP_URL": "smtp://mail.example.org:port", **MAIL}, "QUIZ_SMTP_URL: the port must"),
        (
            {"SMTP_URL": "smtp://mail.example.org", "BASE_URL": MAIL["BASE_URL"]},
            "QUIZ_MAIL_FROM must be the sender's e-mail address",
        ),
        (
            {"SMTP_URL": "smtp://mail.example.org", "MAIL_FROM": "quiz"},
            "QUIZ_BASE_URL must be the site's address",
        ),
        ({"BASE_URL": "quiz.school.example"}, "QUIZ_BASE_URL must be the site's address"),
        (
            {"SMTP_URL": "smtps://mail.example.org", "SMTP_CA_FILE": "/nonexistent.pem", **MAIL},
            "QUIZ_SMTP_CA_FILE is not a file",
        ),
    ],
)
def test_bad_mail_settings_stop_start_up_naming_the_setting(tmp_path, settings, message):
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path, {"ENV": "testing", **settings})


def test_mail_settings_are_read_from_the_environment(tmp_path, monkeypatch):
    assert load_config(tmp_path, {"ENV": "testing"})["SMTP_URL"] is None
    monkeypatch.setenv("QUIZ_SMTP_URL", "smtp://user:p%40ss@mail.example.org:587")
    monkeypatch.setenv("QUIZ_MAIL_FROM", "quiz@school.example")
    monkeypatch.setenv("QUIZ_BASE_URL", "https://quiz.school.example")
    monkeypatch.setenv("QUIZ_REQUIRE_EMAIL_CONFIRMATION", "1")
    config = load_config(tmp_path, {"ENV": "testing"})
    assert config["SMTP_URL"] == "smtp://user:p%40ss@mail.example.org:587"
    assert config["REQUIRE_EMAIL_CONFIRMATION"] is True
    from quiz.mail import SmtpSettings, parse_smtp_url

    assert parse_smtp_url(config["SMTP_URL"]) == SmtpSettings(
        "mail.example.org", 587, "starttls", "user", "p@ss"
    )


def test_email_confirmation_needs_a_mail_server(tmp_path):
    with pytest.raises(ConfigError, match="QUIZ_REQUIRE_EMAIL_CONFIRMATION needs QUIZ_SMTP_URL"):
        load_config(tmp_path, {"ENV": "testing", "REQUIRE_EMAIL_CONFIRMATION": True})
