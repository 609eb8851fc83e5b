"""The API keeps the contract it publishes: schemathesis against a live server (issue 11).

schemathesis reads /api/v1/openapi.json, generates requests that the document allows (and
requests it forbids), sends them as a logged-in student with the CSRF header, and runs all
its default checks on every answer: no 5xx, only documented statuses and content types,
bodies in the documented shape, forbidden input refused, allowed input accepted. The run is
bounded (a fixed number of examples per operation, a fixed seed) and its settings are in
tests/web/schemathesis.toml.
"""

import subprocess
import sys
from pathlib import Path

from tests.conftest import make_source

CONFIG = Path(__file__).with_name("schemathesis.toml")
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def run_schemathesis(live_server: str, client, auth, tmp_path) -> subprocess.CompletedProcess:
    """Run schemathesis as a logged-in student; return the finished process."""
    auth.login()
    token = auth.token()
    name = client.application.config["SESSION_COOKIE_NAME"]
    cookie = f"{name}={client.get_cookie(name).value}"
    return subprocess.run(
        [
            str(SCHEMATHESIS),
            "--config-file",
            str(CONFIG),
            "run",
            f"{live_server}/api/v1/openapi.json",
            "--header",
            f"Cookie: {cookie}",
            "--header",
            f"X-CSRFToken: {token}",
            "--report-dir",
            str(tmp_path / "schemathesis-report"),
        ],
        capture_output=True,
        text=True,
        timeout=1200,  # a guard against a hung run, not a measure of speed
        cwd=tmp_path,  # anything schemathesis writes (its cache) stays out of the checkout
        check=False,
    )


def test_the_api_answers_as_its_openapi_document_says(app, client, auth, live_server, tmp_path):
    make_source(app, questions=12, slug="china-and-nato")
    result = run_schemathesis(live_server, client, auth, tmp_path)
    print(result.stdout[-3000:])  # shown with -rP: the phases, their times and warnings
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
