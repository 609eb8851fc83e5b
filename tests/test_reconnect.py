"""A database failing mid-request (quiz/reconnect.py): 503 with Retry-After, never a 500.

Issue 11, finding 12. On PostgreSQL the request's own backend is terminated from another
connection just before one of the request's statements runs; on SQLite another process
holds the write lock past the busy timeout.
"""

import sqlite3

import pytest
from sqlalchemy import create_engine, event, text

from quiz.db import db
from tests.conftest import PG_URL, AuthActions, app_for, make_config

UNAVAILABLE = {
    "error": {
        "status": 503,
        "message": "The database cannot be reached right now. Try again in a few seconds.",
    }
}
SETTINGS = {
    "new_per_day": "7",
    "reviews_per_day": "100",
    "desired_retention": "0.90",
    "timezone": "UTC",
    "leech_action": "tag",
}
on_postgres = pytest.mark.skipif(not PG_URL, reason="kills a PostgreSQL backend")
on_sqlite = pytest.mark.skipif(bool(PG_URL), reason="holds a SQLite file's write lock")


def assert_no_traceback_logged(caplog) -> None:
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []


@pytest.fixture
def kill_backend(app):
    """Arm a kill: before the next `times` statements containing `match`, terminate the
    backend running them (pg_terminate_backend from another connection, waiting until it
    is gone). Returns the list of statements it killed."""
    killer = create_engine(PG_URL)
    with app.app_context():
        engine = db.engine
    killed: list[str] = []
    armed = {"match": None, "times": 0}

    def before(conn, _cursor, statement, *_args):
        if armed["times"] and armed["match"] in statement:
            armed["times"] -= 1
            pid = conn.connection.dbapi_connection.info.backend_pid
            with killer.connect() as other:
                assert other.execute(text("select pg_terminate_backend(:pid, 10000)"), {"pid": pid})
            killed.append(statement)

    def arm(match: str, times: int = 1) -> list[str]:
        armed.update(match=match, times=times)
        return killed

    event.listen(engine, "before_cursor_execute", before)
    yield arm
    event.remove(engine, "before_cursor_execute", before)
    killer.dispose()


@on_postgres
def test_a_read_whose_connection_dies_is_run_once_more(auth, client, kill_backend, caplog):
    user = auth.login()
    killed = kill_backend('FROM "user"', times=1)
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.get_json()["email"] == user.email
    assert len(killed) == 1
    assert "database connection lost during GET /api/v1/me" in caplog.text
    assert_no_traceback_logged(caplog)


@on_postgres
def test_a_read_that_loses_its_connection_twice_answers_503(auth, client, kill_backend, caplog):
    auth.login()
    killed = kill_backend('FROM "user"', times=2)
    response = client.get("/api/v1/me")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json() == UNAVAILABLE
    assert len(killed) == 2
    assert client.get("/api/v1/me").status_code == 200  # the pool reconnects
    assert_no_traceback_logged(caplog)


@on_postgres
def test_a_page_that_loses_its_connection_answers_a_503_page(auth, client, kill_backend, caplog):
    auth.login()
    kill_backend('FROM "user"', times=2)
    response = client.get("/study/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert '<p class="error-code">503</p>' in page
    assert UNAVAILABLE["error"]["message"] in page
    assert 'href="/account/"' not in page  # the page does not read the user again
    assert_no_traceback_logged(caplog)


@on_postgres
def test_a_write_whose_connection_dies_is_not_repeated_and_not_applied(
    auth, client, kill_backend, caplog
):
    user = auth.login()
    headers = {"X-CSRFToken": auth.token()}
    killed = kill_backend('UPDATE "user"', times=1)
    response = client.patch("/api/v1/me", json={"name": "Ada"}, headers=headers)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json() == UNAVAILABLE
    assert len(killed) == 1
    assert client.get("/api/v1/me").get_json()["name"] == user.name
    assert "database unavailable during PATCH /api/v1/me" in caplog.text
    assert_no_traceback_logged(caplog)


@on_postgres
def test_a_form_whose_connection_dies_answers_a_503_page(auth, client, kill_backend, caplog):
    auth.login()
    kill_backend('UPDATE "user"', times=1)
    response = auth.post("/study/settings", SETTINGS)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert UNAVAILABLE["error"]["message"] in response.get_data(as_text=True)
    assert 'value="7"' not in client.get("/study/settings").get_data(as_text=True)
    assert_no_traceback_logged(caplog)


@pytest.fixture
def locked_app(tmp_path, monkeypatch):
    """An app whose writers give up at once when another process holds the write lock."""
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path / "instance"))
    with app_for(make_config(tmp_path, SQLITE_BUSY_TIMEOUT_MS=0)) as app:
        yield app


@pytest.fixture
def write_lock(tmp_path):
    """Return a function that takes the SQLite file's write lock from another connection."""
    other = sqlite3.connect(tmp_path / "test.db", isolation_level=None)

    def take():
        other.execute("BEGIN IMMEDIATE")
        return other

    yield take
    other.close()


@on_sqlite
def test_a_write_that_cannot_get_the_sqlite_lock_answers_503(locked_app, write_lock, caplog):
    client = locked_app.test_client()
    auth = AuthActions(client, locked_app)
    user = auth.login()
    headers = {"X-CSRFToken": auth.token()}
    other = write_lock()
    response = client.patch("/api/v1/me", json={"name": "Ada"}, headers=headers)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json() == UNAVAILABLE
    assert client.get("/api/v1/me").get_json()["name"] == user.name  # reads go on
    page = client.post("/study/settings", data={"csrf_token": headers["X-CSRFToken"], **SETTINGS})
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "5"
    assert UNAVAILABLE["error"]["message"] in page.get_data(as_text=True)
    other.execute("ROLLBACK")
    response = client.patch("/api/v1/me", json={"name": "Ada"}, headers=headers)
    assert (response.status_code, response.get_json()["name"]) == (200, "Ada")
    assert "database unavailable during PATCH /api/v1/me" in caplog.text
    assert_no_traceback_logged(caplog)
