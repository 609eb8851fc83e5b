import sqlite3

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import MetaData, event, text

from quiz.db import db, write_transaction
from quiz.models import User
from tests.conftest import app_for, make_config


def test_sqlite_pragmas_are_set_on_every_connection(tmp_path):
    config = make_config(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.db'}")
    with app_for(config) as app, app.app_context():
        engine = db.engine
        connections = [engine.connect() for _ in range(2)]  # two distinct pool connections
        try:
            for conn in connections:
                assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10000
                assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        finally:
            for conn in connections:
                conn.close()


def test_write_transaction_begins_immediate_on_sqlite(tmp_path):
    config = make_config(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'w.db'}")
    seen: list[str] = []
    with app_for(config) as app, app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
        db.session.execute(db.select(User)).all()  # a read opens a plain transaction
        with write_transaction() as session:
            session.add(User(email="w@example.org", name="W", password_hash="x"))
    assert seen[0] == "BEGIN"
    assert seen[-2] == "BEGIN IMMEDIATE"
    assert seen[-1].startswith("INSERT INTO user")
    with sqlite3.connect(tmp_path / "w.db") as other:  # committed: visible to another connection
        assert other.execute("SELECT email FROM user").fetchall() == [("w@example.org",)]


def test_write_transaction_rolls_back_everything_on_error(app):
    with app.app_context():
        try:
            with write_transaction() as session:
                session.add(User(email="r@example.org", name="R", password_hash="x"))
                session.flush()
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        assert db.session.execute(db.select(User)).first() is None


def test_migrations_build_exactly_the_models(app):
    with app.app_context():
        # Every table the database holds, also one a later migration dropped from the models
        # (a PostgreSQL test database outlives the run that created it).
        present = MetaData()
        present.reflect(bind=db.engine)
        present.drop_all(bind=db.engine)
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == []
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))


def test_write_transactions_do_not_nest(app):
    import pytest

    with app.app_context(), write_transaction():
        inner = write_transaction()
        with pytest.raises(RuntimeError, match="does not nest"):
            inner.__enter__()


def test_sqlite_writers_queue_on_a_lock_file_released_at_commit_and_rollback(tmp_path):
    """A writer holds the lock file from BEGIN IMMEDIATE to COMMIT or ROLLBACK, no longer."""
    import fcntl
    import os

    config = make_config(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'q.db'}")
    lock = tmp_path / "q.db-writers"

    def free() -> bool:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False
        finally:
            os.close(fd)  # closing the descriptor drops a lock it took

    with app_for(config) as app, app.app_context():
        with write_transaction() as session:
            session.execute(text("select 1"))
            assert not free()
        assert free()
        try:
            with write_transaction() as session:
                session.execute(text("select 1"))
                raise RuntimeError("undo it")
        except RuntimeError:
            pass
        assert free()
