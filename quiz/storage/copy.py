"""`quiz db copy`: every table of the current database into an empty one, in one transaction.

The target's schema is built by the migrations at the source's revision, then the rows
go in, in foreign-key order and in batches; PostgreSQL's id sequences are moved past the
copied ids; last, every table's row count and checksum are compared with the source's,
still inside the transaction. Any failure rolls the whole copy back (a SQLite file the
copy created is removed), so the target is left as it was found.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from quiz.db import db
from quiz.storage.tables import (
    StorageError,
    build_schema,
    check_revision,
    checked_url,
    checksums,
    clear,
    contents,
    copy_rows,
    head_revision,
    read_snapshot,
    revision_of,
)

Report = Callable[[str, int], None]


def first_line(error: Exception) -> str:
    """Return the driver's message without SQLAlchemy's statement and parameters."""
    return str(getattr(error, "orig", error)).strip().splitlines()[0]


@contextmanager
def filling(url, force: bool = False, hint: str = "use an empty one") -> Iterator[Connection]:
    """Yield a connection to the database at `url`, in a transaction, emptied and migrated.

    Refuses a database that holds anything (unless `force`: then everything of quiz in
    it is dropped, in the same transaction). Commits when the block ends; on any error
    rolls back, and removes a SQLite file that did not exist before.

    Raises:
        StorageError: the database cannot be reached or is not empty.
    """
    created = None
    if url.get_backend_name() == "sqlite":
        path = Path(url.database)
        if not path.parent.is_dir():
            raise StorageError(f"{path.parent}: no such folder for the SQLite file.")
        created = None if path.exists() else path
    engine = create_engine(url, poolclass=NullPool)
    try:
        try:
            conn = engine.connect()
        except DBAPIError as error:
            message = f"Cannot connect to the target database: {first_line(error)}"
            raise StorageError(message) from None
        with conn, conn.begin():
            why = contents(conn)
            if why and not force:
                raise StorageError(
                    f"The database is not empty: {why}. Nothing was written; {hint}."
                )
            clear(conn)
            build_schema(conn, head_revision())
            yield conn
    except BaseException:
        if created is not None:
            for suffix in ("", "-wal", "-shm", "-journal", "-writers"):
                Path(f"{created}{suffix}").unlink(missing_ok=True)
        raise
    finally:
        engine.dispose()


def verify(expected: dict, target: Connection) -> None:
    """Raise StorageError unless every table's count and checksum equal the expected ones."""
    found = checksums(target)
    for name, (count, digest) in expected.items():
        if found.get(name) != (count, digest):
            raise StorageError(
                f"Table {name}: the copy does not match ({found.get(name, (0,))[0]} rows "
                f"written, {count} expected). Nothing was written."
            )


def copy_database(to: str, report: Report | None = None) -> dict[str, int]:
    """Copy every table of the current database into the empty database at `to`.

    Returns:
        The number of rows copied per table.

    Raises:
        StorageError: a bad URL, the current database itself, a target that cannot be
            reached or is not empty, a revision other than this code's, a row refused.
    """
    url = checked_url(to)
    if url.render_as_string(hide_password=False) == db.engine.url.render_as_string(
        hide_password=False
    ):
        raise StorageError("The target is the current database: name another one.")
    with db.engine.connect() as source:
        read_snapshot(source)
        check_revision(revision_of(source), "The current database")
        with filling(url) as target:
            counts = copy_rows(source, target, report)
            verify(checksums(source), target)
        source.rollback()
    return counts
