import re

import pytest
from sqlalchemy import create_engine, func, inspect, select, text, update
from sqlalchemy.pool import NullPool

from quiz import create_app
from quiz.cli import main
from quiz.db import db
from quiz.models import ReviewLog, User
from tests.conftest import PG_URL, AuthActions, make_config
from tests.storage.course import populate
from tests.storage.helpers import drop_everything, table_sums, target_url

TOKENS = re.compile(r'name="csrf_token"[^>]*value="[^"]+"|data-csrf="[^"]+"')


def copy(app, url: str):
    return app.test_cli_runner().invoke(main, ["db", "copy", "--to", url])


def page(app, email: str, path: str) -> str:
    """Log in on the app as `email` and return the page at path, CSRF tokens left out."""
    client = app.test_client()
    AuthActions(client, app).login(email=email)
    response = client.get(path)
    assert response.status_code == 200, path
    return TOKENS.sub("", response.get_data(as_text=True))


def test_a_populated_sqlite_database_is_copied_whole_and_the_copy_serves(tmp_path, migrated):
    url = target_url(tmp_path)
    drop_everything(url)
    with migrated() as source:
        course = populate(source)
        result = copy(source, url)
        assert result.exit_code == 0, result.output
        assert "every table's row count and checksum match" in result.output
        copied = table_sums(url)
        assert copied == table_sums(source.config["SQLALCHEMY_DATABASE_URI"])
        for name in ("user", "classroom", "enrollment", "card_state", "review_log", "answer"):
            assert copied[name][0] > 0, name
        gradebook = f"/teach/classes/{course['class']}/gradebook"
        expected = page(source, course["teacher"].email, gradebook)

    served = create_app(make_config(tmp_path / "served", SQLALCHEMY_DATABASE_URI=url))
    try:
        assert page(served, course["teacher"].email, gradebook) == expected
        assert "Ana Lima" in expected and "80.0%" in expected
        client = served.test_client()
        auth = AuthActions(client, served)
        auth.login(email=course["ana"].email)
        html = client.get("/study/deck").get_data(as_text=True)
        form = dict(
            re.findall(
                r'name="(question_id|version|client_review_id|shown_at)" '
                r'value="([^"]*)"',
                html,
            )
        )
        assert form, "the copy shows no card to study"
        reviewed = auth.post("/study/deck/review", {**form, "rating": "3"})
        assert reviewed.status_code == 303
        with served.app_context():
            # A new row gets a fresh id after the copied ones (PostgreSQL's sequences moved on).
            assert db.session.scalar(select(func.count()).select_from(ReviewLog)) == 7
    finally:
        with served.app_context():
            db.engine.dispose()


def test_a_target_that_holds_data_is_refused_and_left_as_it_was(tmp_path, migrated):
    url = target_url(tmp_path)
    drop_everything(url)
    with migrated() as source:
        populate(source)
        assert copy(source, url).exit_code == 0
        before = table_sums(url)
        again = copy(source, url)
    assert again.exit_code == 1
    assert re.match(r"Error: The database is not empty: its table \w+ holds rows\.", again.output)
    assert "Nothing was written" in again.output
    assert table_sums(url) == before


BAD_TARGETS = [
    ("not a url", "'not a url' is not a database URL"),
    ("mysql://root@127.0.0.1/quiz", "'mysql' databases are not supported"),
    ("sqlite://", "A SQLite URL must name a file"),
    ("sqlite:////nonexistent-folder/quiz.db", "/nonexistent-folder: no such folder"),
    (
        "postgresql+psycopg://postgres@127.0.0.1:5432/no_such_quiz_database",
        "Cannot connect to the target database",
    ),
]


def test_a_bad_target_url_exits_1_with_a_message(tmp_path, migrated):
    with migrated() as source:
        for url, message in BAD_TARGETS:
            result = copy(source, url)
            assert result.exit_code == 1, url
            assert result.output.startswith("Error: ") and message in result.output, url


@pytest.mark.skipif(not PG_URL, reason="SQLite refuses no row that SQLite kept")
def test_a_row_the_target_refuses_rolls_the_whole_copy_back(tmp_path, migrated):
    url = target_url(tmp_path)
    drop_everything(url)
    with migrated() as source:
        course = populate(source)
        with source.app_context():
            # SQLite keeps a name longer than its column allows; PostgreSQL refuses it.
            db.session.execute(
                update(User).where(User.id == course["ben"].id).values(name="B" * 150)
            )
            db.session.commit()
        result = copy(source, url)
    assert result.exit_code == 1
    assert "Error: Table user: the target refused a row: value too long" in result.output
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == []  # not even the schema is left
    engine.dispose()


def test_a_failed_copy_to_a_new_sqlite_file_leaves_no_file(tmp_path, migrated):
    with migrated() as source:
        with source.app_context():
            db.session.execute(text("UPDATE alembic_version SET version_num = 'abc123'"))
            db.session.commit()
        result = copy(source, f"sqlite:///{tmp_path / 'new.db'}")
    assert result.exit_code == 1
    assert "The current database is at migration revision abc123" in result.output
    assert not list(tmp_path.glob("new.db*"))
