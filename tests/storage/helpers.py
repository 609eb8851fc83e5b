"""Databases for the storage tests: built by the migrations, compared table by table."""

import hashlib
import json
import shutil
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from flask_migrate import stamp, upgrade
from sqlalchemy import create_engine, inspect, make_url, select, text
from sqlalchemy.pool import NullPool

from quiz import create_app
from quiz.db import db
from tests.conftest import PG_URL, make_config


def make_template(path: Path) -> Path:
    """Build a SQLite file by the migrations, once, for migrated_app to copy."""
    app = create_app(make_config(path.parent, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}"))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return path


@contextmanager
def migrated_app(tmp_path, url: str | None = None, name: str = "source.db", template=None):
    """Yield an app on an empty database at this code's migration revision.

    A SQLite file is a copy of `template` (built by the migrations); elsewhere the models
    build the schema, stamped at the head revision (tests/test_db.py holds both equal).
    """
    url = url or f"sqlite:///{tmp_path / name}"
    drop_everything(url)
    if url.startswith("sqlite"):
        shutil.copyfile(template, make_url(url).database)
    app = create_app(make_config(tmp_path, SQLALCHEMY_DATABASE_URI=url))
    if not url.startswith("sqlite"):
        with app.app_context():
            db.create_all()
            stamp()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def drop_everything(url: str) -> None:
    """Drop every table of the database at url (the test's own database)."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        names = inspect(conn).get_table_names()
        if conn.dialect.name == "postgresql":
            for name in names:
                conn.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))
        else:
            for table in reversed(db.metadata.sorted_tables):
                table.drop(conn, checkfirst=True)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


def target_url(tmp_path) -> str:
    """PostgreSQL when the suite runs there, else a second SQLite file."""
    return PG_URL or f"sqlite:///{tmp_path / 'target.db'}"


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def table_sums(url: str) -> dict[str, tuple[int, str]]:
    """Return every table's row count and SHA-256 of its rows, read through the models."""
    engine = create_engine(url, poolclass=NullPool)
    sums = {}
    with engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            digest = hashlib.sha256()
            for row in rows:
                digest.update(json.dumps([_plain(v) for v in row], sort_keys=True).encode())
            sums[table.name] = (len(rows), digest.hexdigest())
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    engine.dispose()
    sums["alembic_version"] = (1, revision)
    return sums
