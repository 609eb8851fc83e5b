import json
import threading
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.pool import NullPool

from quiz.cli import main
from quiz.db import db
from quiz.models import CardState, ReviewLog, User
from quiz.services import study
from tests.conftest import NOW, PG_URL
from tests.storage.course import populate
from tests.storage.helpers import drop_everything, table_sums

KINDS = ["native", "portable"]


def suite_url(tmp_path) -> str:
    return PG_URL or f"sqlite:///{tmp_path / 'live.db'}"


def run(app, *args):
    return app.test_cli_runner().invoke(main, list(args))


def backup(app, path, kind: str):
    return run(app, "backup", "-o", str(path), *(["--portable"] if kind == "portable" else []))


def emptied(app, url: str) -> None:
    """Drop every table, as a new database would be."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop_everything(url)


@pytest.mark.parametrize("kind", KINDS)
def test_a_backup_restores_every_row_into_an_empty_database(tmp_path, migrated, kind):
    url = suite_url(tmp_path)
    with migrated(url) as app:
        course = populate(app)
        before = table_sums(url)
        made = backup(app, tmp_path / "quiz.backup", kind)
        assert made.exit_code == 0, made.output
        native = "pg_dump" if url.startswith("postgresql") else "sqlite"
        assert made.output == f"Backup written to {tmp_path / 'quiz.backup'} " + (
            "(portable).\n" if kind == "portable" else f"({native}).\n"
        )
        assert oct((tmp_path / "quiz.backup").stat().st_mode & 0o777) == "0o600"  # hashes in it
        emptied(app, url)
        restored = run(app, "restore", str(tmp_path / "quiz.backup"))
        assert restored.exit_code == 0, restored.output
        assert table_sums(url) == before
        with app.app_context():  # the app goes on: new ids follow the restored ones
            ana = db.session.get(User, course["ana"].id)
            study.review(ana, course["ids"][9], 3, "after-restore", None, now=NOW + timedelta(9))
            assert db.session.scalar(select(func.count()).select_from(ReviewLog)) == 7


def consistent(url: str, user_id: int) -> int:
    """Assert each card's version counts its reviews (one transaction writes both); return
    the number of reviews."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        logs = dict(
            conn.execute(
                select(ReviewLog.question_id, func.count())
                .where(ReviewLog.user_id == user_id)
                .group_by(ReviewLog.question_id)
            ).all()
        )
        versions = dict(
            conn.execute(
                select(CardState.question_id, CardState.version).where(CardState.user_id == user_id)
            ).all()
        )
        sqlite_files = conn.dialect.name == "sqlite" and conn.execute(text("PRAGMA quick_check"))
        assert not sqlite_files or sqlite_files.scalar() == "ok"
    engine.dispose()
    assert logs == versions
    return sum(logs.values())


@pytest.mark.parametrize("kind", KINDS)
def test_a_backup_taken_while_reviews_are_written_is_consistent(tmp_path, migrated, kind):
    url = suite_url(tmp_path)
    with migrated(url) as app:
        course = populate(app)
        cards = course["ids"][6:12]
        base = consistent(url, course["ana"].id)
        done, stop = [], threading.Event()

        def reviewing():
            with app.app_context():
                n = 0
                while not stop.is_set():
                    ana = db.session.get(User, course["ana"].id)
                    study.review(ana, cards[n % 6], 3, f"w{n}", None, now=NOW + timedelta(n))
                    db.session.remove()
                    done.append(n)
                    n += 1

        writer = threading.Thread(target=reviewing)
        writer.start()
        try:
            while len(done) < 5:
                stop.wait(0.01)
            started = len(done)
            made = backup(app, tmp_path / "live.backup", kind)
            while len(done) < started + 5:
                stop.wait(0.01)
        finally:
            stop.set()
            writer.join()
        assert made.exit_code == 0, made.output
        emptied(app, url)
        restored = run(app, "restore", str(tmp_path / "live.backup"))
        assert restored.exit_code == 0, restored.output
    reviews = consistent(url, course["ana"].id)
    assert base + started <= reviews <= base + len(done)  # the writes done when it began


def test_restore_refuses_a_database_that_holds_data_unless_forced(tmp_path, migrated):
    url = suite_url(tmp_path)
    with migrated(url) as app:
        populate(app)
        assert backup(app, tmp_path / "b.zip", "portable").exit_code == 0
        with app.app_context():
            db.session.execute(text("UPDATE \"user\" SET name = 'Changed since'"))
            db.session.commit()
        changed = table_sums(url)
        refused = run(app, "restore", str(tmp_path / "b.zip"))
        assert refused.exit_code == 1
        assert "The database is not empty" in refused.output
        assert "Nothing was written; restore into an empty database, or add --force" in (
            refused.output
        )
        assert table_sums(url) == changed
        forced = run(app, "restore", "--force", str(tmp_path / "b.zip"))
        assert forced.exit_code == 0, forced.output
        with app.app_context():
            names = db.session.scalars(select(User.name).order_by(User.id)).all()
    assert names == ["Prof Chen", "Ana Lima", "Ben Okafor"]


def test_bad_backup_and_restore_arguments_exit_1_and_write_nothing(tmp_path, migrated):
    (tmp_path / "notes.txt").write_text("not a backup")
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as zf:
        zf.writestr("readme.txt", "hello")
    (tmp_path / "taken.db").write_text("keep me")
    with migrated(suite_url(tmp_path)) as app:
        cases = [
            (
                ["restore", str(tmp_path / "missing.db")],
                f"{tmp_path / 'missing.db'}: no such file.",
            ),
            (["restore", str(tmp_path / "notes.txt")], "is not a quiz backup"),
            (["restore", str(tmp_path / "other.zip")], "is not a quiz backup (a zip without"),
            (["backup", "-o", str(tmp_path / "taken.db")], "a backup never overwrites a file"),
            (["backup", "-o", str(tmp_path / "no" / "b.db")], f"{tmp_path / 'no'}: no such folder"),
        ]
        for args, message in cases:
            result = run(app, *args)
            assert result.exit_code == 1, args
            assert result.output.startswith("Error: ") and message in result.output, args
        assert (tmp_path / "taken.db").read_text() == "keep me"
        assert not (tmp_path / "no").exists()
        assert not list(tmp_path.glob(".*partial*"))


def test_a_backup_from_another_migration_revision_is_refused(tmp_path, migrated):
    url = suite_url(tmp_path)
    with migrated(url) as app:
        assert backup(app, tmp_path / "b.zip", "portable").exit_code == 0
        with zipfile.ZipFile(tmp_path / "b.zip") as zf:
            manifest = json.loads(zf.read("manifest.json"))
            tables = {n: zf.read(n) for n in zf.namelist() if n != "manifest.json"}
        manifest["revision"] = "0b9a362f0b94"
        with zipfile.ZipFile(tmp_path / "old.zip", "w") as zf:
            zf.writestr("manifest.json", json.dumps(manifest))
            for name, data in tables.items():
                zf.writestr(name, data)
        emptied(app, url)
        result = run(app, "restore", str(tmp_path / "old.zip"))
    assert result.exit_code == 1
    assert "The backup old.zip is at migration revision 0b9a362f0b94, this code at" in (
        result.output
    )
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == []
    engine.dispose()


@pytest.mark.skipif(not PG_URL, reason="needs pg_dump's file, from the PostgreSQL run")
def test_a_pg_dump_backup_is_refused_by_a_sqlite_database(tmp_path, migrated):
    with migrated(PG_URL) as app:
        assert backup(app, tmp_path / "pg.backup", "native").exit_code == 0
    with migrated(name="empty.db") as app:
        result = run(app, "restore", str(tmp_path / "pg.backup"))
    assert result.exit_code == 1
    assert "pg.backup is a pg_dump backup: it restores into PostgreSQL only." in result.output
