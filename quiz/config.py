"""Configuration: defaults in code, overrides from QUIZ_* variables and instance/."""

import ipaddress
import os
from pathlib import Path

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
