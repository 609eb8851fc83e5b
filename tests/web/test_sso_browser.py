"""Sign in with a school's identity provider: a real OpenID provider (node-oidc-provider from
npm, tests/oidc/) started by the test, driven in Chromium end to end."""

import json
import re
import shutil
import subprocess
import threading
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from quiz.db import db
from quiz.models import Role, SsoIdentity, User
from tests.conftest import REQUIRE_BROWSER, ROOT, app_for, free_port, make_config

pytestmark = pytest.mark.browser
PROVIDER_DIR = ROOT / "tests" / "oidc"
SCHOOL = "Lycée Hugo"


def _need_provider() -> str:
    node = shutil.which("node")
    missing = None
    if not node:
        missing = "node is not installed"
    elif not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        missing = "tests/oidc/node_modules is missing (make test installs it with npm ci)"
    if missing:
        if REQUIRE_BROWSER:
            pytest.fail(f"{missing}, and QUIZ_REQUIRE_BROWSER=1 makes the SSO test mandatory")
        pytest.skip(f"SSO browser test skipped: {missing}")
    return node


@pytest.fixture
def school(tmp_path, monkeypatch):
    """Start the provider and the app on ports chosen first (each must know the other's)."""
    node = _need_provider()
    app_port, idp_port = free_port(), free_port()
    base = f"http://127.0.0.1:{app_port}"
    provider = subprocess.Popen(
        [node, "provider.mjs", str(idp_port), f"{base}/auth/sso/hugo/callback"],
        cwd=PROVIDER_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = provider.stdout.readline()  # "ready <issuer>" once it listens
        assert line.startswith("ready "), f"the provider did not start: {line!r}"
        issuer = line.split()[1]
        monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path / "instance"))
        settings = {
            "slug": "hugo",
            "name": SCHOOL,
            "issuer": issuer,
            "client_id": "quiz",
            "client_secret": "quiz-secret",
            "role_claim": "groups",
            "roles": {"teachers": "instructor"},
        }
        with app_for(make_config(tmp_path, OIDC_PROVIDERS=json.dumps([settings]))) as app:
            server = make_server("127.0.0.1", app_port, app, threaded=True)
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            app.base = base
            app.issuer = issuer
            yield app
            server.shutdown()
            thread.join()
            server.server_close()
    finally:
        provider.terminate()
        provider.wait(timeout=10)
        provider.stdout.close()


@pytest.fixture
def tab(browser, school):
    context = browser.new_context(base_url=school.base)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def through_provider(page, school, login: str) -> None:
    """From the login page, sign in at the provider and come back to the app."""
    page.goto("/auth/login")
    page.get_by_role("link", name=f"Sign in with {SCHOOL}").click()
    page.wait_for_url(re.compile(r".*/(interaction/|auth/sso/|$).*"))
    for _ in range(2):  # the provider asks to log in, then to consent; later, maybe neither
        if not page.url.startswith(school.issuer):
            break
        if page.locator("input[name=login]").count():
            page.fill("input[name=login]", login)
            page.fill("input[name=password]", "anything")
            page.get_by_role("button", name="Sign-in").click()
        else:
            page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()
    page.wait_for_url(f"{school.base}/**")


def counts(app) -> tuple[int, int]:
    with app.app_context():
        users = db.session.scalar(select(func.count()).select_from(User))
        identities = db.session.scalar(select(func.count()).select_from(SsoIdentity))
        return users, identities


def test_first_sign_in_creates_the_account_the_second_finds_it_and_roles_map(browser, tab, school):
    through_provider(tab, school, "ana")
    assert tab.get_by_text(f"Logged in as Student ana with {SCHOOL}.").is_visible()
    with school.app_context():
        ana = db.session.execute(select(User)).scalar_one()
        assert (ana.email, ana.role, ana.email_confirmed_at is not None) == (
            "ana@school.example",
            Role.STUDENT,
            True,
        )
    assert counts(school) == (1, 1)

    tab.get_by_role("button", name="Log out").click()
    through_provider(tab, school, "ana")
    assert tab.get_by_text(f"Logged in as Student ana with {SCHOOL}.").is_visible()
    assert counts(school) == (1, 1)

    # Another browser, another person: the provider's groups claim makes Bob an instructor.
    context = browser.new_context(base_url=school.base)
    try:
        other = context.new_page()
        through_provider(other, school, "teacher-bob")
        assert other.get_by_role("link", name="Teach", exact=True).is_visible()
    finally:
        context.close()
    with school.app_context():
        roles = db.session.execute(select(User.email, User.role).order_by(User.id)).all()
    assert roles == [
        ("ana@school.example", Role.STUDENT),
        ("teacher-bob@school.example", Role.INSTRUCTOR),
    ]


def _tamper(param: str):
    """Change one parameter of the app's redirect to the provider (Playwright routes only
    the first request of a redirect chain, so the redirect itself is rewritten)."""

    def handler(route):
        response = route.fetch(max_redirects=0)
        parts = urlsplit(response.headers["location"])
        query = parse_qsl(parts.query)
        assert param in dict(query), query
        query = [(k, "tampered-" + v if k == param else v) for k, v in query]
        location = urlunsplit(parts._replace(query=urlencode(query)))
        route.fulfill(response=response, headers={**response.headers, "location": location})

    return handler


def test_a_tampered_state_or_nonce_is_refused(tab, school):
    start = f"{school.base}/auth/sso/hugo"
    for param in ("state", "nonce"):
        tab.route(start, _tamper(param))
        through_provider(tab, school, "mallory")
        assert tab.get_by_role("heading", name="You are not signed in").is_visible(), param
        assert tab.get_by_text(f"Signing in with {SCHOOL} did not complete").is_visible()
        assert tab.get_by_role("link", name="Log in").first.is_visible()  # not logged in
        assert counts(school) == (0, 0)
        tab.unroute(start)
    through_provider(tab, school, "mallory")  # untouched, the same sign-in works
    assert tab.get_by_text(f"Logged in as Student mallory with {SCHOOL}.").is_visible()
