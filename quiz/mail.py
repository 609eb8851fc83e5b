"""E-mail through any SMTP server: plain text plus HTML, from templates in templates/mail/.

QUIZ_SMTP_URL says where and how: `smtp://user:pass@host:587` sends over STARTTLS (required:
a server that does not offer it is refused, so the password never crosses in clear),
`smtps://user:pass@host:465` over TLS from the first byte, and `smtp+insecure://host:25`
without TLS, for a relay on the same machine or network only. QUIZ_SMTP_CA_FILE trusts a
school's own certificate authority. Without QUIZ_SMTP_URL nothing is sent: `enabled()` is
False and the pages that need mail say so.
"""

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

from flask import current_app, has_request_context, render_template, url_for

from quiz.slots import waiting

SECURITY = {"smtp": "starttls", "smtps": "tls", "smtp+insecure": "none"}
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
TIMEOUT_SECONDS = 20


class MailSettingsError(ValueError):
    """Raised when QUIZ_SMTP_URL cannot be used; the message says why."""


class MailError(RuntimeError):
    """Raised when a message could not be handed to the SMTP server."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # "starttls", "tls" or "none"
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpSettings:
    """Return the server settings in an SMTP URL.

    Raises:
        MailSettingsError: not smtp://, smtps:// or smtp+insecure://, no host, a bad port.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in SECURITY:
        raise MailSettingsError(
            "start it with smtp:// (STARTTLS), smtps:// (TLS) or smtp+insecure:// "
            "(no encryption, local relays only), like smtp://user:password@mail.example.org:587"
        )
    try:
        port = parts.port
    except ValueError:
        raise MailSettingsError("the port must be a number from 1 to 65535") from None
    if not parts.hostname:
        raise MailSettingsError("name the server, like smtp://mail.example.org:587")
    security = SECURITY[parts.scheme]
    return SmtpSettings(
        host=parts.hostname,
        port=port or DEFAULT_PORTS[security],
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def enabled() -> bool:
    """Return whether this deployment can send e-mail."""
    return bool(current_app.config.get("SMTP_URL"))


def external_url(endpoint: str, **values) -> str:
    """Return an absolute link to a page on BASE_URL.

    Unset (no mail either): on the request's host in a request, else only the path.
    """
    base = current_app.config.get("BASE_URL")
    if not base:
        if has_request_context():
            return url_for(endpoint, _external=True, **values)
        return current_app.url_map.bind("localhost").build(endpoint, values)
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path.rstrip("/") or "/", url_scheme=parts.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def compose(to: str, subject: str, template: str, **context) -> EmailMessage:
    """Return the message from templates/mail/<template>.txt and .html."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=current_app.config["MAIL_FROM"].split("@")[-1])
    message.set_content(render_template(f"mail/{template}.txt", **context))
    message.add_alternative(render_template(f"mail/{template}.html", **context), subtype="html")
    return message


def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=current_app.config.get("SMTP_CA_FILE"))


def send(message: EmailMessage) -> None:
    """Hand the message to the SMTP server.

    Raises:
        MailError: the server could not be reached, refused TLS, the login or the message.
    """
    settings = parse_smtp_url(current_app.config["SMTP_URL"])
    try:
        with waiting():  # network wait: other requests of this worker run meanwhile
            if settings.security == "tls":
                client = smtplib.SMTP_SSL(
                    settings.host, settings.port, timeout=TIMEOUT_SECONDS, context=_tls_context()
                )
            else:
                client = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
            with client:
                if settings.security == "starttls":
                    client.starttls(context=_tls_context())  # raises if not offered
                if settings.username:
                    client.login(settings.username, settings.password or "")
                client.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"{type(error).__name__}: {error}") from error
