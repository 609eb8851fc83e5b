"""Sending mail over STARTTLS with a login, to a real SMTP server (aiosmtpd) with its own CA."""

import datetime
import ipaddress
import ssl

import pytest

from quiz import mail
from tests.conftest import MAIL_CONFIG, app_for, free_port, make_config


def self_signed(tmp_path):
    """Write a certificate for 127.0.0.1 and its key; return their paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "smtp.pem", tmp_path / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_server(tmp_path):
    """An SMTP server that requires STARTTLS and a login (user / secret); yields (port, CA, box)."""
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    received, logins = [], []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, session.ssl is not None))
        return AuthResult(success=(auth_data.login, auth_data.password) == (b"user", b"secret"))

    port = free_port()
    controller = Controller(
        Handler(),
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    controller.start()
    yield port, cert, received, logins
    controller.stop()


def test_mail_goes_over_starttls_with_a_login(tmp_path, monkeypatch, tls_server):
    port, ca, received, logins = tls_server
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path / "instance"))
    config = make_config(
        tmp_path,
        SMTP_URL=f"smtp://user:secret@127.0.0.1:{port}",
        SMTP_CA_FILE=str(ca),
        **MAIL_CONFIG,
    )
    with app_for(config) as app, app.app_context():
        message = mail.compose(
            "ada@example.org", "Reset", "password_reset", name="Ada", url="http://x/", hours=1
        )
        mail.send(message)
    assert logins == [(b"user", True)]  # the password went over TLS
    assert received[0]["To"] == "ada@example.org"
    assert "Hello Ada," in received[0].get_body(("plain",)).get_content()


def test_a_server_without_starttls_is_refused_rather_than_sent_to_in_clear(
    tmp_path, monkeypatch, mailbox
):
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path / "instance"))
    config = make_config(
        tmp_path, SMTP_URL=f"smtp://user:secret@127.0.0.1:{mailbox.port}", **MAIL_CONFIG
    )
    with app_for(config) as app, app.app_context():
        message = mail.compose(
            "ada@example.org", "Reset", "password_reset", name="Ada", url="http://x/", hours=1
        )
        with pytest.raises(mail.MailError, match="STARTTLS"):
            mail.send(message)
    assert mailbox.messages == []


def test_a_certificate_the_app_does_not_trust_is_refused(tmp_path, monkeypatch, tls_server):
    port, _ca, received, logins = tls_server
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path / "instance"))
    config = make_config(tmp_path, SMTP_URL=f"smtp://user:secret@127.0.0.1:{port}", **MAIL_CONFIG)
    with app_for(config) as app, app.app_context():
        message = mail.compose(
            "ada@example.org", "Reset", "password_reset", name="Ada", url="http://x/", hours=1
        )
        with pytest.raises(mail.MailError, match="CERTIFICATE_VERIFY_FAILED"):
            mail.send(message)
    assert logins == [] and received == []
