"""docs/deploy.md's nginx site, for real: nginx from Debian with TLS in front of gunicorn.

The configuration is read from the guide, so the guide is what is tested. Skipped without
nginx (`apt-get install -y nginx-light`) unless QUIZ_REQUIRE_NGINX=1, as CI sets.
"""

import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from tests.server import ROOT, free_port, gunicorn

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
REQUIRE_NGINX = os.environ.get("QUIZ_REQUIRE_NGINX") == "1"
CLIENT = "127.0.0.2"  # loopback too, but not the 127.0.0.1 nginx connects to gunicorn from
HOST = "quiz.school.example"


def site_from_the_guide() -> str:
    """Return the guide's nginx block that serves the site over TLS."""
    guide = (ROOT / "docs" / "deploy.md").read_text()
    blocks = re.findall(r"```nginx\n(.*?)```", guide, re.S)
    sites = [b for b in blocks if "listen 443 ssl" in b]
    assert len(sites) == 1, "docs/deploy.md must have one nginx block with `listen 443 ssl`"
    return sites[0]


def nginx_conf(folder: Path, site: str, app_port: int, port: int, cert: Path, key: Path) -> str:
    """Return a whole nginx.conf: the guide's site, moved to test ports and files."""
    site = site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};")
    site = re.sub(r"listen \[::\]:443 [^;]*;", "", site)  # IPv6 may be off on a CI machine
    site = re.sub(r"listen 443 ", f"listen 127.0.0.1:{port} ", site)
    site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};", site)
    site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", site)
    assert str(app_port) in site and str(port) in site and str(cert) in site and str(key) in site
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi")
    )
    return f"""
daemon off;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} info;
{"user root;" if os.geteuid() == 0 else ""}
events {{ worker_connections 64; }}
http {{
    access_log {folder / "access.log"};
{temp}
    uwsgi_temp_path {folder / "uwsgi"};
    scgi_temp_path {folder / "scgi"};
{site}
}}
"""


def self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        + ["-nodes", "-days", "1", "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST}"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"nginx stopped: {log.read_text() if log.exists() else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("nginx did not start listening")


def https_get(port: int, cert: Path, path: str) -> http.client.HTTPResponse:
    context = ssl.create_default_context(cafile=str(cert))
    connection = http.client.HTTPSConnection(HOST, port, context=context, timeout=20)
    # Resolve the certificate's name to the local nginx without touching /etc/hosts.
    connection.sock = context.wrap_socket(
        socket.create_connection(("127.0.0.1", port), source_address=(CLIENT, 0)),
        server_hostname=HOST,
    )
    connection.request("GET", path)
    response = connection.getresponse()
    response.body = response.read().decode()
    connection.close()
    return response


def test_nginx_from_the_guide_passes_the_client_address_and_a_secure_cookie(app, tmp_path):
    if not Path(NGINX).exists():
        reason = "nginx not found (apt-get install -y nginx-light)"
        if REQUIRE_NGINX:
            pytest.fail(f"{reason}, and QUIZ_REQUIRE_NGINX=1 makes the nginx test mandatory")
        pytest.skip(f"nginx test skipped: {reason}")
    folder = tmp_path / "nginx"
    folder.mkdir()
    cert, key = self_signed(folder)
    port = free_port()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    settings = {"QUIZ_TRUSTED_PROXIES": "1", "QUIZ_SESSION_COOKIE_SECURE": "1"}
    with gunicorn(url, tmp_path, workers=1, **settings) as server:
        conf = folder / "nginx.conf"
        conf.write_text(nginx_conf(folder, site_from_the_guide(), server.port, port, cert, key))
        nginx = subprocess.Popen(
            [NGINX, "-c", str(conf), "-p", str(folder), "-e", str(folder / "error.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_port(port, nginx, folder / "error.log")
            page = https_get(port, cert, "/auth/login")
            metrics = https_get(port, cert, "/metrics")
        finally:
            nginx.terminate()
            nginx.wait(timeout=20)
        log = server.log.read_text()
    assert page.status == 200, page.body
    cookie = page.getheader("Set-Cookie")
    assert cookie.startswith("quiz_session=")
    assert "; Secure" in cookie and "; HttpOnly" in cookie
    # The app took nginx's request id and logged the student's address, not nginx's.
    request_id = page.getheader("X-Request-Id")
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)  # nginx's $request_id
    line = next(line for line in log.splitlines() if f"[{request_id}]" in line)
    assert "GET /auth/login 200 " in line and line.endswith(f"user=- ip={CLIENT}")
    assert metrics.status == 404
