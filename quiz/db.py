"""The database handle, SQLite connection settings and write transactions."""

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import wraps

from flask import current_app, has_app_context
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, TypeDecorator, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
MAX_ID = 2**31 - 1  # the largest id both databases store (ids from outside are checked against it)
SQLITE_PRAGMAS = {"journal_mode": "wal", "busy_timeout": 10000, "foreign_keys": 1}


class UTCDateTime(TypeDecorator):
    """A datetime stored in UTC and always returned timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime in UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """Return the current time, aware in UTC (tests freeze it with app.config["CLOCK"])."""
    if has_app_context():
        clock = current_app.config.get("CLOCK")
        if clock is not None:
            return clock()
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, _record) -> None:
    """Set the pragmas on every new SQLite connection and let SQLAlchemy own BEGIN."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    # pysqlite's own transaction handling would defer BEGIN and ignore IMMEDIATE.
    dbapi_connection.isolation_level = None
    pragmas = dict(SQLITE_PRAGMAS)
    if has_app_context():  # how long a writer waits for the write lock before a 503
        pragmas["busy_timeout"] = int(
            current_app.config.get("SQLITE_BUSY_TIMEOUT_MS", pragmas["busy_timeout"])
        )
    cursor = dbapi_connection.cursor()
    for name, value in pragmas.items():
        cursor.execute(f"PRAGMA {name}={value}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn) -> None:
    """Emit BEGIN, or BEGIN IMMEDIATE for a write transaction, on SQLite.

    A writer first waits its turn on a lock file beside the database: SQLite's busy
    timeout makes a waiting writer sleep and poll (1, 2, 5 ... 100 ms), so under steady
    writes from two processes the one that just committed takes the lock again before
    the sleeper wakes, and the sleeper starves for seconds. The kernel hands a file lock
    to the next waiter as soon as it is released.
    """
    if conn.dialect.name != "sqlite":
        return
    if not conn.get_execution_options().get("sqlite_immediate"):
        conn.exec_driver_sql("BEGIN")
        return
    queue = _writer_queue(conn)
    if queue is not None:
        fcntl.flock(queue, fcntl.LOCK_EX)
        conn.info["writing"] = True
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        _leave_queue(conn)
        raise


def _writer_queue(conn) -> int | None:
    """Return this connection's descriptor of the database's lock file (None in memory)."""
    if "writer_queue" not in conn.info:
        path = conn.engine.url.database
        fd = None
        if path and path != ":memory:" and not path.startswith("file:"):
            fd = os.open(f"{path}-writers", os.O_RDWR | os.O_CREAT, 0o600)
        conn.info["writer_queue"] = fd
    return conn.info["writer_queue"]


def _leave_queue(conn) -> None:
    if conn.info.pop("writing", False):
        fcntl.flock(conn.info["writer_queue"], fcntl.LOCK_UN)


@event.listens_for(Engine, "commit")
def _sqlite_commit(conn) -> None:
    """Commit a queued writer's transaction, then let the next writer in."""
    # Dialect first: conn.info raises on a connection lost mid-transaction (PostgreSQL).
    if conn.dialect.name == "sqlite" and conn.info.get("writing"):
        conn.connection.dbapi_connection.commit()  # SQLAlchemy's own commit is then a no-op
        _leave_queue(conn)


@event.listens_for(Engine, "rollback")
def _sqlite_rollback(conn) -> None:
    """Roll a queued writer's transaction back, then let the next writer in."""
    if conn.dialect.name == "sqlite" and conn.info.get("writing"):
        conn.connection.dbapi_connection.rollback()
        _leave_queue(conn)


@contextmanager
def write_transaction() -> Iterator[Session]:
    """Run the block as one write transaction and commit it, or roll it all back.

    On SQLite the transaction starts with BEGIN IMMEDIATE, so a read-then-write
    never loses an update nor fails half-way with "database is locked"; on
    PostgreSQL callers lock the rows they read with SELECT ... FOR UPDATE.
    """
    session = db.session()
    if session.info.get("writing"):
        # An inner commit would end the outer transaction half-way: never nest writes.
        raise RuntimeError("write_transaction() does not nest")
    begun = session.info.pop("immediate", False) and session.in_transaction()
    if session.in_transaction() and not begun:
        session.commit()  # close the read transaction the request may have opened
    session.info["writing"] = True
    session.info["wrote"] = True  # the request is no longer a pure read (quiz/reconnect.py)
    try:
        if begun:  # the request began as a write (`writes`): carry on in its transaction
            try:
                yield session
            except BaseException:
                session.rollback()
                raise
            session.commit()
        else:
            with session.begin():
                session.connection(execution_options={"sqlite_immediate": True})
                yield session
    finally:
        session.info.pop("writing", None)


def writes(view: Callable) -> Callable:
    """On PostgreSQL, begin the request's transaction before the login check reads the
    user, so that check, the reads and the write of a request such as a review are one
    transaction; the view's `write_transaction()` carries on in it.

    On SQLite the reads stay in a read transaction of their own: a write transaction there
    takes the database-wide write lock at BEGIN IMMEDIATE, so one begun before the reads
    would make every worker wait while another reads and computes (measured: 112 reviews/s
    with one transaction, see the README). The write then re-checks what it read (a
    version, an insert-or-ignore), so nothing read can be stale when it is written.
    """

    @wraps(view)
    def wrapped(*args, **kwargs):
        session = db.session()
        if not session.in_transaction() and session.get_bind().dialect.name != "sqlite":
            session.connection()
            session.info["immediate"] = True
        return view(*args, **kwargs)

    return wrapped
