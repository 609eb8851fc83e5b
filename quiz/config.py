"""Configuration: defaults in code, overrides from QUIZ_* variables and instance/."""

import ipaddress
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("development", "production", "testing")
LOG_FORMATS = ("text", "json")
METRICS_ALLOW = "127.0.0.0/8,::1"


class ConfigError(RuntimeError):
    """Raised when the app cannot start with the configuration it was given."""


def instance_path() -> Path:
    """Return the folder of the database and the secret key: QUIZ_INSTANCE_PATH or instance/.

    Every entry point (the app, every `quiz` command) asks here, so that they agree.
    """
    return Path(os.environ.get("QUIZ_INSTANCE_PATH") or ROOT / "instance").resolve()


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def _whole_number(name: str, least: int = 0) -> int:
    value = os.environ[name].strip()
    if not (value.isascii() and value.isdigit()) or int(value) < least:
        raise ConfigError(f"{name} must be a whole number ({least} or more), not {value!r}")
    return int(value)


def check_mail_settings(config: dict) -> None:
    """Raise ConfigError naming the setting if the mail settings cannot send a message."""
    from quiz.mail import MailSettingsError, parse_smtp_url

    smtp, base_url = config.get("SMTP_URL"), config.get("BASE_URL")
    if base_url or smtp:
        base = urlsplit(base_url or "")
        if base.scheme not in ("http", "https") or not base.netloc or base.query or base.fragment:
            needed = " (needed with QUIZ_SMTP_URL: links in messages start with it)" if smtp else ""
            raise ConfigError(
                "QUIZ_BASE_URL must be the site's address, like https://quiz.example.org"
                f"{needed}, not {base_url!r}"
            )
    if not smtp:
        if config.get("REQUIRE_EMAIL_CONFIRMATION"):
            raise ConfigError(
                "QUIZ_REQUIRE_EMAIL_CONFIRMATION needs QUIZ_SMTP_URL: "
                "confirmation links go by e-mail"
            )
        return
    try:
        parse_smtp_url(smtp)
    except MailSettingsError as error:
        raise ConfigError(f"QUIZ_SMTP_URL: {error}") from None
    sender = config.get("MAIL_FROM") or ""
    if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", sender):
        raise ConfigError(
            "QUIZ_MAIL_FROM must be the sender's e-mail address (needed with QUIZ_SMTP_URL), "
            f"not {sender!r}"
        )
    ca_file = config.get("SMTP_CA_FILE")
    if ca_file and not Path(ca_file).is_file():
        raise ConfigError(f"QUIZ_SMTP_CA_FILE is not a file: {ca_file!r}")


def check_sso_settings(config: dict) -> None:
    """Raise ConfigError naming the setting if single sign-on cannot work as configured."""
    from quiz.sso import SsoSettingsError, parse_providers

    try:
        configured = parse_providers(config.get("OIDC_PROVIDERS"))
    except SsoSettingsError as error:
        raise ConfigError(f"QUIZ_OIDC_PROVIDERS: {error}") from None
    if not config.get("LOCAL_PASSWORDS") and not configured:
        raise ConfigError(
            "QUIZ_LOCAL_PASSWORDS=0 needs QUIZ_OIDC_PROVIDERS: nobody could log in otherwise"
        )


def networks(name: str, value: str) -> tuple:
    """Return the networks in a comma-separated list of addresses and CIDR ranges."""
    try:
        return tuple(
            ipaddress.ip_network(part.strip(), strict=False)
            for part in value.split(",")
            if part.strip()
        )
    except ValueError:
        raise ConfigError(
            f"{name} must be addresses or networks separated by commas "
            f"(such as 127.0.0.1,10.0.0.0/8), not {value!r}"
        ) from None


def load_config(instance_path: Path, overrides: dict | None = None) -> dict:
    """Return the configuration mapping for one app.

    Order: defaults < environment (QUIZ_*, DATABASE_URL) < instance files < overrides.
    """
    overrides = dict(overrides or {})
    env = overrides.get("ENV") or os.environ.get("QUIZ_ENV", "production")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"QUIZ_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    dev = env != "production"
    config = {
        "ENV": env,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance_path / 'quiz.db'}",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": not dev,
        "SESSION_COOKIE_NAME": "quiz_session",
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session cookie
        # argon2id at OWASP's parameters: 19 MiB, 2 passes, 1 lane (quiz/passwords.py);
        # tests lower them to run fast.
        "PASSWORD_HASH": {"time_cost": 2, "memory_cost": 19456, "parallelism": 1},
        # Hashes running at once per process: why a bound, in quiz/passwords.py.
        "PASSWORD_HASH_CONCURRENCY": 1,
        # Requests running at once per process, whatever its threads (quiz/slots.py); 0: no bound.
        "RUNNING_REQUESTS": 1,
        # Rate limits (quiz/services/limits.py), each per window: failed logins per account
        # and IP pair, per account from anywhere, per IP; sign-ups per IP; wrong join codes
        # per student. A login counts in its buckets while its password is checked, so the
        # per-IP limit also bounds the logins in flight from one address: a school behind
        # one address signs in at once (a class of 30 must all get in; tested).
        "LOGIN_FAILURES_PER_ACCOUNT_IP": 5,
        "LOGIN_FAILURES_PER_ACCOUNT": 20,
        "LOGIN_FAILURES_PER_IP": 100,
        "LOGIN_WINDOW_SECONDS": 15 * 60,
        "REGISTRATIONS_PER_IP": 30,
        "REGISTRATION_WINDOW_SECONDS": 60 * 60,
        "JOIN_CODE_FAILURES_PER_USER": 10,
        "JOIN_CODE_WINDOW_SECONDS": 60 * 60,
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed
        # (quiz/proxy.py). 0: the address of whoever connects is the client's.
        "TRUSTED_PROXIES": 0,
        "LOG_FORMAT": "text",
        # E-mail (quiz/mail.py): None sends nothing; pages that need mail say so and the
        # CLI prints links instead. BASE_URL is the site's address put in front of every
        # link a message carries (never the request's Host header, which a client chooses).
        "SMTP_URL": None,
        "SMTP_CA_FILE": None,
        "MAIL_FROM": None,
        "BASE_URL": None,
        # Single sign-on (quiz/sso.py): a JSON list of OpenID Connect providers; and whether
        # accounts may also log in with a password here (off: only through a provider).
        "OIDC_PROVIDERS": None,
        "LOCAL_PASSWORDS": True,
        # New accounts confirm their e-mail address before joining a class.
        "REQUIRE_EMAIL_CONFIRMATION": False,
        # Password reset links (quiz/services/resets.py): valid this long; requests per
        # address and per IP per window.
        "PASSWORD_RESET_MAX_AGE": 60 * 60,
        "PASSWORD_RESETS_PER_ADDRESS": 3,
        "PASSWORD_RESETS_PER_IP": 20,
        "PASSWORD_RESET_WINDOW_SECONDS": 60 * 60,
        # Who may read /metrics (quiz/metrics.py): the client's address as quiz/proxy.py yields it.
        "METRICS_ALLOW": networks("QUIZ_METRICS_ALLOW", METRICS_ALLOW),
        "BANK_PATH": str(ROOT / "question_bank"),
        "SEEDS_PATH": str(ROOT / "seeds"),
    }
    url = os.environ.get("DATABASE_URL") or os.environ.get("QUIZ_DATABASE_URL")
    if url:
        config["SQLALCHEMY_DATABASE_URI"] = url
    if "QUIZ_PASSWORD_HASH_CONCURRENCY" in os.environ:
        config["PASSWORD_HASH_CONCURRENCY"] = _whole_number("QUIZ_PASSWORD_HASH_CONCURRENCY", 1)
    if "QUIZ_RUNNING_REQUESTS" in os.environ:
        config["RUNNING_REQUESTS"] = _whole_number("QUIZ_RUNNING_REQUESTS")
    if "QUIZ_LOGIN_FAILURES_PER_IP" in os.environ:
        config["LOGIN_FAILURES_PER_IP"] = _whole_number("QUIZ_LOGIN_FAILURES_PER_IP", 1)
    if "QUIZ_REGISTRATIONS_PER_IP" in os.environ:
        config["REGISTRATIONS_PER_IP"] = _whole_number("QUIZ_REGISTRATIONS_PER_IP", 1)
    if "QUIZ_TRUSTED_PROXIES" in os.environ:
        config["TRUSTED_PROXIES"] = _whole_number("QUIZ_TRUSTED_PROXIES")
    if "QUIZ_LOG_FORMAT" in os.environ:
        config["LOG_FORMAT"] = os.environ["QUIZ_LOG_FORMAT"].strip().lower()
        if config["LOG_FORMAT"] not in LOG_FORMATS:
            raise ConfigError(
                f"QUIZ_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, "
                f"not {os.environ['QUIZ_LOG_FORMAT']!r}"
            )
    for name in ("SMTP_URL", "SMTP_CA_FILE", "MAIL_FROM", "BASE_URL"):
        if os.environ.get(f"QUIZ_{name}", "").strip():
            config[name] = os.environ[f"QUIZ_{name}"].strip()
    if os.environ.get("QUIZ_OIDC_PROVIDERS", "").strip():
        config["OIDC_PROVIDERS"] = os.environ["QUIZ_OIDC_PROVIDERS"]
    if "QUIZ_LOCAL_PASSWORDS" in os.environ:
        config["LOCAL_PASSWORDS"] = _flag(os.environ["QUIZ_LOCAL_PASSWORDS"])
    if "QUIZ_REQUIRE_EMAIL_CONFIRMATION" in os.environ:
        config["REQUIRE_EMAIL_CONFIRMATION"] = _flag(os.environ["QUIZ_REQUIRE_EMAIL_CONFIRMATION"])
    if "QUIZ_METRICS_ALLOW" in os.environ:
        config["METRICS_ALLOW"] = networks("QUIZ_METRICS_ALLOW", os.environ["QUIZ_METRICS_ALLOW"])
    if "QUIZ_SESSION_COOKIE_SECURE" in os.environ:
        config["SESSION_COOKIE_SECURE"] = _flag(os.environ["QUIZ_SESSION_COOKIE_SECURE"])
    secret = os.environ.get("QUIZ_SECRET_KEY")
    key_file = instance_path / "secret_key"
    if not secret and key_file.exists():
        secret = key_file.read_text().strip()
    if secret:
        config["SECRET_KEY"] = secret
    config.update(overrides)
    check_mail_settings(config)
    check_sso_settings(config)
    # A pooled PostgreSQL connection may have been killed: ping it before use. A SQLite
    # file cannot go away under a connection, and the ping would cost every request.
    is_sqlite = config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": not is_sqlite})
    if not config.get("SECRET_KEY"):
        if config["ENV"] == "production":
            raise ConfigError(
                f"No SECRET_KEY: set QUIZ_SECRET_KEY or write one to {key_file} "
                "(`make run` generates it on first run)."
            )
        config["SECRET_KEY"] = "dev-only-not-secret"
    return config
