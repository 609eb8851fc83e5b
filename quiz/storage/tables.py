"""The app's tables as a whole: their revision, emptiness, rows in order, checksums, copies.

Everything here works on SQLAlchemy connections, so one code path serves SQLite and
PostgreSQL on either side. Rows are read and written through the models' own column types:
a time read from SQLite (which keeps no zone) comes back in UTC and goes into PostgreSQL
as UTC, JSON as JSON.
"""

import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import datetime

from alembic import command
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError

from quiz.db import db

BATCH = 1000  # rows read and written at a time
VERSION_TABLE = "alembic_version"
ENGINES = ("sqlite", "postgresql")
# Tables whose rows a migration inserts: `quiz db upgrade` leaves them filled, yet empty.
SEEDED = {"bank_version"}


class StorageError(Exception):
    """Raised with a message for the operator; the command exits 1 and has written nothing."""


def app_tables() -> list:
    """Return the app's tables, each after the tables it refers to."""
    return list(db.metadata.sorted_tables)


def checked_url(url: str):
    """Return the SQLAlchemy URL, or raise StorageError saying what is wrong with it."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StorageError(
            f"{url!r} is not a database URL. Use postgresql+psycopg://user@host:5432/name "
            "or sqlite:////absolute/path/quiz.db."
        ) from None
    if parsed.get_backend_name() not in ENGINES:
        raise StorageError(
            f"{parsed.get_backend_name()!r} databases are not supported: use PostgreSQL "
            "(postgresql+psycopg://...) or SQLite (sqlite:///...)."
        )
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise StorageError("A SQLite URL must name a file: sqlite:////absolute/path/quiz.db.")
    return parsed


def head_revision() -> str:
    """Return the revision this code's migrations end at."""
    config = current_app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    return heads[0]


def revision_of(conn: Connection) -> str | None:
    """Return the database's migration revision (None if it was never migrated)."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar_one_or_none()


def check_revision(found: str | None, what: str) -> None:
    """Raise StorageError unless `found` is this code's migration revision."""
    head = head_revision()
    if found is None:
        raise StorageError(f"{what} has no migration revision: it is not a quiz database.")
    if found != head:
        raise StorageError(
            f"{what} is at migration revision {found}, this code at {head}. Bring both to "
            "the same version of quiz first (`quiz db upgrade`)."
        )


def contents(conn: Connection) -> str | None:
    """Return why the database is not empty, or None if it is.

    Empty: no tables, or only this app's tables (as `quiz db upgrade` leaves them) without
    a single row but what the migrations put there.
    """
    names = set(inspect(conn).get_table_names())
    known = {t.name for t in app_tables()} | {VERSION_TABLE}
    foreign = sorted(names - known)
    if foreign:
        return f"it holds tables quiz does not make ({', '.join(foreign[:5])})"
    for table in app_tables():
        if table.name in SEEDED:
            continue
        if table.name in names and conn.execute(select(table).limit(1)).first() is not None:
            return f"its table {table.name} holds rows"
    return None


def clear(conn: Connection) -> None:
    """Drop the app's tables and the migration revision (inside the caller's transaction)."""
    names = set(inspect(conn).get_table_names())
    for table in reversed(app_tables()):
        if table.name in names:
            table.drop(conn)
    if VERSION_TABLE in names:
        conn.execute(text(f"DROP TABLE {VERSION_TABLE}"))


def build_schema(conn: Connection, revision: str) -> None:
    """Create the schema by the migrations, up to `revision`, in the caller's transaction,
    with no rows in it."""
    config = current_app.extensions["migrate"].migrate.get_config()
    config.attributes["connection"] = conn
    command.upgrade(config, revision)
    # What migrations insert (the bank's generation row) comes with the copied rows instead.
    for table in reversed(app_tables()):
        conn.execute(table.delete())


def read_snapshot(conn: Connection) -> None:
    """Begin one transaction whose reads all see the database at one moment."""
    if conn.dialect.name == "postgresql":
        conn.execution_options(isolation_level="REPEATABLE READ")
        conn.begin()
        conn.execute(text("SET TRANSACTION READ ONLY"))
    else:
        conn.begin()  # SQLite in WAL: one read transaction is one snapshot


def batches(conn: Connection, table) -> Iterator[list[dict]]:
    """Yield the table's rows in primary-key order, BATCH at a time, as dicts."""
    query = select(table).order_by(*table.primary_key.columns)
    result = conn.execution_options(yield_per=BATCH).execute(query).mappings()
    for part in result.partitions():
        yield [dict(row) for row in part]


def insert_rows(conn: Connection, table, rows: list[dict]) -> None:
    """Insert rows into one table, naming the table if the database refuses them."""
    if not rows:
        return
    try:
        conn.execute(table.insert(), rows)
    except Exception as error:  # noqa: BLE001 - any refusal is reported with its table
        message = str(getattr(error, "orig", error)).strip().splitlines()[0]
        raise StorageError(f"Table {table.name}: the target refused a row: {message}") from None


def copy_rows(
    source: Connection, target: Connection, report: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Copy every table's rows from source to target, in foreign-key order and in batches.

    Returns:
        The number of rows copied per table.
    """
    counts = {}
    for table in app_tables():
        counts[table.name] = 0
        for rows in batches(source, table):
            insert_rows(target, table, rows)
            counts[table.name] += len(rows)
        if report:
            report(table.name, counts[table.name])
    if target.dialect.name == "postgresql":
        reset_sequences(target)
    return counts


def reset_sequences(conn: Connection) -> None:
    """Move each id sequence past the largest id copied, so new rows get fresh ids."""
    for table in app_tables():
        columns = list(table.primary_key.columns)
        if len(columns) != 1 or columns[0].autoincrement is False:
            continue
        column = columns[0]
        if column.type.python_type is not int:
            continue
        quoted = conn.dialect.identifier_preparer.format_table(table)
        name = conn.dialect.identifier_preparer.quote(column.name)
        conn.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(:table, :column), "
                f"COALESCE((SELECT MAX({name}) FROM {quoted}), 0) + 1, false)"
            ),
            {"table": quoted, "column": column.name},
        )


def _plain(value):
    """Return a value as the same text on both engines (times in UTC, floats exact)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return value


def row_line(row: dict) -> bytes:
    """Return one row as a line of JSON, the same from either engine."""
    return json.dumps({k: _plain(v) for k, v in row.items()}, sort_keys=True).encode() + b"\n"


def checksums(conn: Connection) -> dict[str, tuple[int, str]]:
    """Return each table's row count and a SHA-256 of its rows in primary-key order."""
    sums = {}
    for table in app_tables():
        digest, count = hashlib.sha256(), 0
        for rows in batches(conn, table):
            for row in rows:
                digest.update(row_line(row))
                count += 1
        sums[table.name] = (count, digest.hexdigest())
    return sums
