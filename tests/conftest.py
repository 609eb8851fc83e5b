"""Fixtures: an app on a fresh database per test, clients, builders, counters, a browser."""

import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text
from werkzeug.serving import make_server

from quiz import create_app
from quiz.db import db
from quiz.models import Role, User
from quiz.services import accounts

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("QUIZ_TEST_DATABASE_URL")
# Files worth a look after a run (screenshots) go here if set, else under a temp folder.
ARTIFACTS = os.environ.get("QUIZ_TEST_ARTIFACTS")
# Made by tools, not by tests: anything else new in the checkout after a run fails it.
TOOL_CACHES = {".pytest_cache", ".ruff_cache", "__pycache__"}
CHROMIUM = "/usr/bin/chromium"
REQUIRE_BROWSER = os.environ.get("QUIZ_REQUIRE_BROWSER") == "1"
PASSWORD = "correct horse battery"
TOKEN_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TX_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


class TracebackLog(logging.Handler):
    """Keep every log record that carries a traceback: Flask logs one for each request that
    ended in a 500, Werkzeug's server one for each exception that escaped the app."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.records.append(record)


TRACEBACKS = TracebackLog()


def pytest_report_header(config) -> list[str]:
    where = PG_URL or "SQLite (a temp file per test)"
    browser = CHROMIUM if shutil.which(CHROMIUM) else "none (browser tests will be skipped)"
    return [f"quiz database: {where}", f"quiz browser: {browser}"]


def pytest_configure(config) -> None:
    # A test that forgets to choose an instance folder gets a temp one, never instance/.
    logging.getLogger().addHandler(TRACEBACKS)  # every logger propagates to the root
    scratch = tempfile.mkdtemp(prefix="quiz-tests-")
    os.environ["QUIZ_INSTANCE_PATH"] = os.path.join(scratch, "instance")
    config.quiz_scratch = scratch


def pytest_unconfigure(config) -> None:
    shutil.rmtree(getattr(config, "quiz_scratch", ""), ignore_errors=True)


def checkout_files() -> set[str]:
    """Return the checkout's top-level entries and everything under instance/ and
    test-results/ (the folders earlier suites wrote into), tool caches left out."""
    found = {p.name for p in ROOT.iterdir() if p.name not in TOOL_CACHES}
    for folder in ("instance", "test-results"):
        if (ROOT / folder).is_dir():
            found.update(str(p.relative_to(ROOT)) for p in (ROOT / folder).rglob("*"))
    if ARTIFACTS:
        kept = Path(ARTIFACTS).resolve()
        found = {f for f in found if not (ROOT / f).resolve().is_relative_to(kept)}
    return found


def pytest_sessionstart(session) -> None:
    session.config.quiz_checkout = checkout_files()
    if PG_URL:
        engine = create_engine(PG_URL)
        try:
            with engine.connect() as conn:
                conn.execute(text("select 1"))
        except Exception as error:  # noqa: BLE001 - any failure means the run cannot go on
            pytest.exit(f"QUIZ_TEST_DATABASE_URL is set but unreachable: {error}", returncode=3)
        finally:
            engine.dispose()


def pytest_sessionfinish(session, exitstatus) -> None:
    """Fail the run if it left files in the checkout: tests write under temp folders."""
    left = sorted(checkout_files() - getattr(session.config, "quiz_checkout", set()))
    if left:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = f"The tests left files in the checkout ({ROOT}): {', '.join(left[:10])}"
        if reporter:
            reporter.write("\n")
            reporter.write_line(message, red=True, bold=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def no_traceback_logged(request):
    """Fail a test during which a request logged a traceback (the suite's server log must
    hold none); a test that provokes a 500 on purpose says so with @pytest.mark.server_error."""
    TRACEBACKS.records.clear()
    yield
    found, TRACEBACKS.records[:] = list(TRACEBACKS.records), []
    if found and request.node.get_closest_marker("server_error") is None:
        formatter = logging.Formatter("%(name)s: %(message)s")
        shown = "\n".join(formatter.format(record) for record in found[:3])
        pytest.fail(f"A request logged a traceback ({len(found)} in all):\n{shown}")


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory) -> Path:
    """Return the folder for files worth keeping (screenshots): QUIZ_TEST_ARTIFACTS or temp."""
    if ARTIFACTS:
        Path(ARTIFACTS).mkdir(parents=True, exist_ok=True)
        return Path(ARTIFACTS)
    return tmp_path_factory.mktemp("artifacts")


def make_config(tmp_path, **overrides) -> dict:
    """Return the test configuration: a fresh database, fast password hashing."""
    url = PG_URL or f"sqlite:///{tmp_path / 'test.db'}"
    return {
        "ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "PASSWORD_HASH": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
        "SERVER_NAME": None,
        # Race tests run requests side by side in one process (production: in two workers).
        "RUNNING_REQUESTS": 0,
        **overrides,
    }


@contextmanager
def app_for(config: dict):
    """Yield an app on an empty database built from the models, and clean it up."""
    app = create_app(config)
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path / "instance"))
    with app_for(make_config(tmp_path)) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client, path: str = "/auth/login") -> str:
    """Return the CSRF token of the client's session, read from a page's form."""
    html = client.get(path).get_data(as_text=True)
    match = TOKEN_RE.search(html)
    assert match, f"no csrf_token in {path}"
    return match.group(1)


def make_user(app, email: str | None = None, role: Role = Role.STUDENT, **kw) -> User:
    """Create a user with a known password; returns the row."""
    make_user.counter += 1
    email = email or f"user{make_user.counter}@example.org"
    with app.app_context():
        return accounts.create_user(
            email, kw.pop("name", f"User {make_user.counter}"), kw.pop("password", PASSWORD), role
        )


make_user.counter = 0


@dataclass
class AuthActions:
    client: object
    app: object
    user: User | None = field(default=None)

    def token(self) -> str:
        return csrf_token(self.client)

    def post(self, path: str, data: dict | None = None, **kw):
        """POST a form with the session's CSRF token added."""
        return self.client.post(path, data={"csrf_token": self.token(), **(data or {})}, **kw)

    def login(self, role: Role | str = Role.STUDENT, email: str | None = None) -> User:
        """Create a user of this role (unless email exists) and log in through the form."""
        if email is None:
            self.user = make_user(self.app, role=Role(role))
            email = self.user.email
        response = self.post("/auth/login", {"email": email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return self.user

    def logout(self):
        return self.post("/auth/logout")


@pytest.fixture
def auth(client, app) -> AuthActions:
    return AuthActions(client, app)


@dataclass
class QueryLog:
    statements: list[str] = field(default_factory=list)
    transactions: int = 0

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def query_counter(app):
    """Count the SQL statements (transaction control excluded) and the transactions begun
    inside a `with` block."""

    @contextmanager
    def counting() -> Iterator[QueryLog]:
        log = QueryLog()

        def record(_conn, _cursor, statement, *_args):
            if not statement.lstrip().upper().startswith(TX_CONTROL):
                log.statements.append(statement)

        def begin(_conn):
            log.transactions += 1

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        event.listen(engine, "begin", begin)
        try:
            yield log
        finally:
            event.remove(engine, "before_cursor_execute", record)
            event.remove(engine, "begin", begin)

    return counting


@pytest.fixture
def live_server(app):
    """Serve the app on a free local port in a background thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Launch Debian's Chromium through Playwright (never `playwright install`)."""
    if not shutil.which(CHROMIUM):
        reason = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
        if REQUIRE_BROWSER:
            pytest.fail(f"{reason}, and QUIZ_REQUIRE_BROWSER=1 makes browser tests mandatory")
        pytest.skip(f"browser test skipped: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context and page; `page.base` is the live server's URL."""
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.base = live_server
    yield page
    context.close()


def make_source(app, questions: int = 10, slug: str = "deck", facts_per_question: int = 1):
    """Insert a source with one topic and `questions` mcq questions; return their ids.

    Each question is its own fact unless `facts_per_question` > 1 groups them.
    """
    from sqlalchemy import insert

    from quiz.models import Passage, Question, Source, Topic

    with app.app_context():
        source = Source(slug=slug, title=f"Source {slug}", citation="Test", seed_sha256="0" * 64)
        db.session.add(source)
        db.session.flush()
        topic = Topic(source_id=source.id, slug="all", title="All of it", summary="", position=0)
        db.session.add(topic)
        db.session.add(Passage(source_id=source.id, position=0, text="A quote. Another sentence."))
        db.session.flush()
        payload = {"options": ["Right", "Wrong", "Other"], "answer": "Right"}
        rows = [
            dict(
                key=f"{slug}/q{n}",
                source_id=source.id,
                topic_id=topic.id,
                kind="event",
                type="mcq",
                difficulty=1,
                fact=f"fact-{n // facts_per_question}",
                prompt=f"Question {n}?",
                payload=payload,
                explanation=f"Because {n}.",
                quote="A quote.",
                passage_position=None,
                card_front=f"Question {n}?",
                card_back="Right",
                content_hash=f"{n:064d}",
                origin="bank",
                archived=False,
                created_at=NOW,
                updated_at=NOW,
            )
            for n in range(questions)
        ]
        if rows:
            db.session.execute(insert(Question), rows)
        db.session.commit()
        ids = db.session.scalars(
            db.select(Question.id).where(Question.source_id == source.id).order_by(Question.id)
        ).all()
        return list(ids)


def make_card_states(app, user, question_ids, due, phase: int = 2):
    """Give the user a studied card (review phase by default) for each question."""
    from sqlalchemy import insert

    from quiz.models import CardState

    rows = [
        dict(
            user_id=user.id,
            question_id=qid,
            phase=phase,
            step=None,
            stability=5.0,
            difficulty=5.0,
            due=due,
            last_review=due - timedelta(days=5),
            reps=3,
            lapses=0,
            suspended=False,
            buried_until=None,
            leech=False,
            version=3,
        )
        for qid in question_ids
    ]
    with app.app_context():
        db.session.execute(insert(CardState), rows)
        db.session.commit()


def load_bank(app) -> None:
    """Load the project's real question bank into the test database."""
    from quiz.bank.validate import check
    from quiz.services.bank_sync import sync_bank

    sources, items, errors = check(ROOT / "question_bank", ROOT / "seeds")
    assert errors == []
    with app.app_context():
        sync_bank(sources, items, ROOT / "seeds")


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Mailbox:
    """The messages a real SMTP server (aiosmtpd) received, in order."""

    port: int
    messages: list = field(default_factory=list)
    logins: list = field(default_factory=list)

    def last_to(self, address: str):
        """Return the last message sent to this address (an email.message.EmailMessage)."""
        found = [m for m in self.messages if m["To"] == address]
        assert found, f"no message to {address}; got {[m['To'] for m in self.messages]}"
        return found[-1]

    def link(self, message, pattern: str = r"https?://\S+") -> str:
        """Return the first link in the message's plain text."""
        text = message.get_body(("plain",)).get_content()
        match = re.search(pattern, text)
        assert match, text
        return match.group(0)


@pytest.fixture
def mailbox():
    """Start a real SMTP server on a free local port; yields its Mailbox."""
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    box = Mailbox(port=0)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            box.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    box.port = free_port()  # aiosmtpd connects to its port to check it started: not 0
    controller = Controller(Handler(), hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


MAIL_CONFIG = {"MAIL_FROM": "quiz@school.example", "BASE_URL": "http://quiz.test"}


@pytest.fixture
def mail_app(tmp_path, monkeypatch, mailbox):
    """An app that sends its mail to the test's SMTP server."""
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path / "instance"))
    config = make_config(
        tmp_path, SMTP_URL=f"smtp+insecure://127.0.0.1:{mailbox.port}", **MAIL_CONFIG
    )
    with app_for(config) as app:
        yield app


ARTICLE = "The treaty was signed in Brussels in 1949. Brussels is the capital of Belgium."


def make_article(app) -> dict[str, int]:
    """Insert a small source ("test-article") with two topics; return the topic ids by slug.

    Its one paragraph is `ARTICLE`; the topics are "first-things" ("First things") and
    "second-things" ("Second things").
    """
    from quiz.models import Passage, Source, Topic

    with app.app_context():
        source = Source(
            slug="test-article", title="Test article", citation="Test", seed_sha256="0" * 64
        )
        db.session.add(source)
        db.session.flush()
        db.session.add(Passage(source_id=source.id, position=0, text=ARTICLE))
        topics = [
            Topic(source_id=source.id, slug=slug, title=title, summary="", position=n)
            for n, (slug, title) in enumerate(
                [("first-things", "First things"), ("second-things", "Second things")]
            )
        ]
        db.session.add_all(topics)
        db.session.commit()
        return {topic.slug: topic.id for topic in topics}
