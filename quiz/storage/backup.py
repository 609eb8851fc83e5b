"""`quiz backup` and `quiz restore`: a consistent copy while the server runs, and back.

Three kinds of file, told apart by their first bytes:
- SQLite: the database file itself, copied page by page with SQLite's backup API (a
  reader: writers carry on), in rollback-journal mode so that it is one self-contained file.
- pg_dump's custom format, from PostgreSQL when pg_dump is installed (one snapshot).
- Portable: a zip of manifest.json (format, migration revision, every table's row
  count and checksum) and one JSON-lines file per table, read in one snapshot. It is
  what PostgreSQL gives without pg_dump, or any database with --portable, and it
  restores into either engine.

A backup is written to a temporary name beside the target and renamed when complete,
so a failed one leaves nothing. A restore goes into an empty database (or, with
--force, replaces what is there) in one transaction, and only at this code's revision.
"""

import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from quiz.db import UTCDateTime, db, utcnow
from quiz.storage.copy import Report, filling, verify
from quiz.storage.tables import (
    StorageError,
    app_tables,
    batches,
    check_revision,
    checksums,
    contents,
    copy_rows,
    insert_rows,
    read_snapshot,
    reset_sequences,
    revision_of,
    row_line,
)

FORMAT = "quiz-portable-backup"
RESTORE_HINT = "restore into an empty database, or add --force to replace what it holds"
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
ZIP_MAGIC = b"PK\x03\x04"


def _libpq(url) -> tuple[str, dict]:
    """Return a libpq URL without the password, and the environment that carries it."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict) -> str:
    """Run a PostgreSQL client tool; raise StorageError with its message if it fails."""
    done = subprocess.run(args, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        message = done.stderr.strip().splitlines()
        raise StorageError(f"{Path(args[0]).name} failed: {message[-1] if message else '?'}")
    return done.stdout


@contextmanager
def _partial(output: Path) -> Iterator[Path]:
    """Yield a temporary path beside `output`; rename it to `output` if the block succeeds."""
    if output.exists():
        raise StorageError(f"{output} exists: a backup never overwrites a file; name a new one.")
    if not output.parent.is_dir():
        raise StorageError(f"{output.parent}: no such folder.")
    partial = output.with_name(f".{output.name}.partial-{os.getpid()}")
    # Readable by its owner only: a backup holds password hashes. The tools write into it.
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        yield partial
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)


def backup(output: str, portable: bool = False) -> str:
    """Write a consistent backup of the current database to `output`; return its kind.

    Raises:
        StorageError: the file exists, its folder does not, the database is not at this
            code's revision, or pg_dump failed.
    """
    engine = db.engine
    with engine.connect() as conn:
        check_revision(revision_of(conn), "The database")
    with _partial(Path(output)) as partial:
        if portable:
            _write_portable(partial)
            return "portable"
        if engine.dialect.name == "sqlite":
            _sqlite_backup(Path(engine.url.database), partial)
            return "sqlite"
        if shutil.which("pg_dump") is None:
            _write_portable(partial)
            return "portable (pg_dump is not installed)"
        url, env = _libpq(engine.url)
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(partial)]
            + ["--dbname", url],
            env,
        )
        return "pg_dump"


def _sqlite_backup(source: Path, partial: Path) -> None:
    """Copy the SQLite database with the backup API: one read transaction, writers go on."""
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
    finally:
        dst.close()
        src.close()


def _write_portable(partial: Path) -> None:
    """Write every table, read in one snapshot, as JSON lines in a zip with a manifest."""
    tables = {}
    with db.engine.connect() as conn, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
        read_snapshot(conn)
        revision = revision_of(conn)
        for table in app_tables():
            with zf.open(f"tables/{table.name}.jsonl", "w") as out:
                for rows in batches(conn, table):
                    out.write(b"".join(row_line(row) for row in rows))
        tables = checksums(conn)
        conn.rollback()
        manifest = {
            "format": FORMAT,
            "version": 1,
            "revision": revision,
            "created_at": utcnow().isoformat(),
            "tables": {name: {"rows": n, "sha256": h} for name, (n, h) in tables.items()},
        }
        zf.writestr("manifest.json", json.dumps(manifest, indent=2))


def _kind(path: Path) -> str:
    """Return the kind of backup file, or raise StorageError if it is none."""
    if not path.is_file():
        raise StorageError(f"{path}: no such file.")
    with path.open("rb") as f:
        head = f.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "pg_dump"
    if head.startswith(ZIP_MAGIC):
        return "portable"
    raise StorageError(f"{path} is not a quiz backup (SQLite, pg_dump or portable).")


def restore(path: str, force: bool = False, report: Report | None = None) -> str:
    """Restore a backup into the current database; return the backup's kind.

    Raises:
        StorageError: no such file, not a backup, another revision, a database that is
            not empty (without force), a pg_dump file for SQLite.
    """
    source = Path(path)
    kind = _kind(source)
    if kind == "pg_dump":
        _restore_pg_dump(source, force)
    elif kind == "sqlite":
        _restore_sqlite(source, force, report)
    else:
        _restore_portable(source, force, report)
    return kind


def _restore_sqlite(source: Path, force: bool, report: Report | None) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        # A copy: opening the file would switch it to WAL and leave files beside it.
        copy = Path(scratch) / "backup.db"
        shutil.copyfile(source, copy)
        engine = create_engine(f"sqlite:///{copy}", poolclass=NullPool)
        try:
            with engine.connect() as conn:
                read_snapshot(conn)
                try:
                    found = revision_of(conn)
                except Exception:  # noqa: BLE001 - a damaged file says so in any way
                    raise StorageError(f"{source} cannot be read as a SQLite database.") from None
                check_revision(found, f"The backup {source.name}")
                with filling(db.engine.url, force, RESTORE_HINT) as target:
                    copy_rows(conn, target, report)
                    verify(checksums(conn), target)
        finally:
            engine.dispose()


def _decoder(table):
    """Return a function turning one JSON line's values back into the table's values."""
    times = {c.name for c in table.columns if isinstance(c.type, UTCDateTime)}

    def decode(row: dict) -> dict:
        for name in times:
            if row.get(name) is not None:
                row[name] = datetime.fromisoformat(row[name])
        return row

    return decode


def _restore_portable(source: Path, force: bool, report: Report | None) -> None:
    try:
        zf = zipfile.ZipFile(source)
        manifest = json.loads(zf.read("manifest.json"))
        if manifest.get("format") != FORMAT:
            raise ValueError
    except (zipfile.BadZipFile, KeyError, ValueError, AttributeError):
        raise StorageError(f"{source} is not a quiz backup (a zip without its manifest).") from None
    with zf:
        check_revision(manifest.get("revision"), f"The backup {source.name}")
        expected = {
            name: (entry["rows"], entry["sha256"]) for name, entry in manifest["tables"].items()
        }
        with filling(db.engine.url, force, RESTORE_HINT) as target:
            for table in app_tables():
                _load_table(zf, table, target, report)
            if target.dialect.name == "postgresql":
                reset_sequences(target)
            verify(expected, target)


def _load_table(zf: zipfile.ZipFile, table, target: Connection, report: Report | None) -> None:
    decode, rows, count = _decoder(table), [], 0
    name = f"tables/{table.name}.jsonl"
    if name not in zf.namelist():
        raise StorageError(f"The backup has no {name}: it is incomplete.")
    with zf.open(name) as lines:
        for line in lines:
            rows.append(decode(json.loads(line)))
            if len(rows) == 1000:
                insert_rows(target, table, rows)
                count, rows = count + len(rows), []
    insert_rows(target, table, rows)
    if report:
        report(table.name, count + len(rows))


def _archive_revision(source: Path) -> str | None:
    """Return the migration revision stored in a pg_dump archive."""
    listing = _run(
        ["pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(source)],
        dict(os.environ),
    )
    match = re.search(r"^COPY \S*alembic_version .*?;\n(\w+)\n", listing, re.MULTILINE)
    return match.group(1) if match else None


def _restore_pg_dump(source: Path, force: bool) -> None:
    engine = db.engine
    if engine.dialect.name != "postgresql":
        raise StorageError(
            f"{source.name} is a pg_dump backup: it restores into PostgreSQL only. Restore it "
            "there, then `quiz db copy --to sqlite:///...` if you want it in SQLite."
        )
    if shutil.which("pg_restore") is None:
        raise StorageError("pg_restore is not installed: install PostgreSQL's client tools.")
    check_revision(_archive_revision(source), f"The backup {source.name}")
    with engine.connect() as conn:
        why = contents(conn)
        existing = conn.execute(
            text("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")
        ).scalar_one()
        conn.rollback()
    if why and not force:
        raise StorageError(
            f"The database is not empty: {why}. Nothing was written; {RESTORE_HINT}."
        )
    url, env = _libpq(engine.url)
    args = ["pg_restore", "--no-owner", "--no-privileges", "--single-transaction"]
    args += ["--exit-on-error"] + (["--clean", "--if-exists"] if existing else [])
    _run(args + ["--dbname", url, str(source)], env)
