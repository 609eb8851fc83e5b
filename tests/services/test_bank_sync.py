import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from quiz.bank.validate import check
from quiz.db import db
from quiz.models import CardState, Passage, Question, ReviewLog, Source, Topic, User
from quiz.services import study
from quiz.services.bank_sync import sync_bank
from tests.conftest import NOW, make_user

ROOT = Path(__file__).resolve().parents[2]
SECOND = ROOT / "tests" / "fixtures" / "second-source"


@pytest.fixture
def bank_copy(tmp_path) -> Path:
    """A copy of the real bank and seeds that a test may edit; returns the bank root."""
    shutil.copytree(ROOT / "question_bank", tmp_path / "question_bank")
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    return tmp_path / "question_bank"


def load(bank_root: Path, whole: bool = True):
    sources, items, errors = check(bank_root, bank_root.parent / "seeds")
    assert errors == []
    return sync_bank(sources, items, bank_root.parent / "seeds", archive_missing_sources=whole)


def bank_size(bank_root: Path) -> int:
    return len(check(bank_root, bank_root.parent / "seeds")[1])


def test_first_load_adds_every_item_and_every_passage(app, bank_copy):
    with app.app_context():
        report = load(bank_copy)
        assert (report.added, report.updated, report.archived) == (bank_size(bank_copy), 0, 0)
        assert db.session.scalar(select(func.count()).select_from(Question)) == report.added
        source = db.session.scalars(select(Source)).one()
        assert source.slug == "china-and-nato"
        assert db.session.scalar(select(func.count()).select_from(Passage)) == 35
        unplaced = db.session.scalars(
            select(Question.key).where(Question.passage_position.is_(None))
        ).all()
        assert unplaced == []


def test_loading_twice_changes_nothing_the_second_time(app, bank_copy):
    with app.app_context():
        load(bank_copy)
        before = {
            q.key: (q.id, q.content_hash, q.updated_at)
            for q in db.session.scalars(select(Question))
        }
        report = load(bank_copy)
        assert str(report) == "0 added, 0 updated, 0 archived"
        after = {
            q.key: (q.id, q.content_hash, q.updated_at)
            for q in db.session.scalars(select(Question))
        }
        assert after == before


@pytest.fixture
def lighthouse(tmp_path) -> Path:
    """A one-source bank (the small fixture article) that a test may edit; returns its root."""
    shutil.copytree(SECOND / "bank", tmp_path / "bank")
    shutil.copytree(SECOND / "seeds", tmp_path / "seeds")
    return tmp_path / "bank"


def test_editing_an_item_updates_the_same_row_and_keeps_its_review_history(app, lighthouse):
    topic_file = lighthouse / "lighthouse" / "history.toml"
    student = make_user(app)
    with app.app_context():
        load(lighthouse)
        row = db.session.scalars(
            select(Question).where(Question.key == "lighthouse/first-keeper")
        ).one()
        old_id, old_created = row.id, row.created_at
        study.review(db.session.get(User, student.id), old_id, 3, "before-edit", 0, now=NOW)
        state_before = study.state_to_dict(
            db.session.scalars(select(CardState).where(CardState.question_id == old_id)).one()
        )
        topic_file.write_text(
            topic_file.read_text().replace("She kept a log", "Agnes Moray kept a careful log")
        )
        assert str(load(lighthouse)) == "0 added, 1 updated, 0 archived"
        db.session.expire_all()
        edited = db.session.get(Question, old_id)
        assert edited.key == "lighthouse/first-keeper"
        assert edited.created_at == old_created
        assert edited.explanation.startswith("Agnes Moray kept a careful log")
        log = db.session.scalars(select(ReviewLog)).one()
        assert log.question_id == old_id
        state = db.session.scalars(select(CardState).where(CardState.question_id == old_id)).one()
        assert study.state_to_dict(state) == state_before
        # the next review goes on from the same memory
        result = study.review(db.session.get(User, student.id), old_id, 3, "after-edit", 1, now=NOW)
        assert (result.replayed, result.version) == (False, 2)


def test_removing_an_item_archives_it_and_restoring_brings_it_back(app, lighthouse):
    topic_file = lighthouse / "lighthouse" / "history.toml"
    original = topic_file.read_text()
    with app.app_context():
        load(lighthouse)
        topic_file.write_text(original.rsplit("[[items]]", 1)[0])  # drop the last item, "builder"
        assert str(load(lighthouse)) == "0 added, 0 updated, 1 archived"
        row = db.session.scalars(select(Question).where(Question.key == "lighthouse/builder")).one()
        assert row.archived
        assert db.session.scalar(select(func.count()).select_from(Question)) == 3  # never deleted
        topic_file.write_text(original)
        assert str(load(lighthouse)) == "0 added, 1 updated, 0 archived"
        db.session.refresh(row)
        assert not row.archived


def test_a_second_source_loads_beside_the_first(app, bank_copy):
    shutil.copytree(SECOND / "bank" / "lighthouse", bank_copy / "lighthouse")
    shutil.copy(SECOND / "seeds" / "lighthouse.txt", bank_copy.parent / "seeds")
    with app.app_context():
        report = load(bank_copy)
        assert report.added == bank_size(bank_copy)
        slugs = db.session.scalars(select(Source.slug).order_by(Source.slug)).all()
        assert slugs == ["china-and-nato", "lighthouse"]
        keys = db.session.scalars(
            select(Question.key)
            .join(Source)
            .where(Source.slug == "lighthouse")
            .order_by(Question.key)
        ).all()
        assert keys == [
            "lighthouse/builder",
            "lighthouse/first-keeper",
            "lighthouse/first-lit-year",
        ]
        topics = db.session.scalars(
            select(Topic.slug).join(Source).where(Source.slug == "lighthouse")
        ).all()
        assert topics == ["history"]


def test_a_source_removed_from_the_bank_is_archived_with_its_questions(app, bank_copy):
    shutil.copytree(SECOND / "bank" / "lighthouse", bank_copy / "lighthouse")
    shutil.copy(SECOND / "seeds" / "lighthouse.txt", bank_copy.parent / "seeds")
    with app.app_context():
        load(bank_copy)
        shutil.rmtree(bank_copy / "lighthouse")
        assert str(load(bank_copy)) == "0 added, 0 updated, 3 archived"
        lighthouse = db.session.scalars(select(Source).where(Source.slug == "lighthouse")).one()
        assert lighthouse.archived


def test_a_paragraph_added_to_the_seed_moves_unchanged_questions_with_their_quotes(app, lighthouse):
    seed = lighthouse.parent / "seeds" / "lighthouse.txt"
    with app.app_context():
        load(lighthouse)
        before = db.session.scalars(
            select(Question.passage_position).where(Question.key == "lighthouse/first-keeper")
        ).one()
        seed.write_text(
            seed.read_text().replace(
                "Skerry Light was first lit", "A new paragraph.\n\nSkerry Light was first lit"
            )
        )
        load(lighthouse)
        db.session.expire_all()
        after = db.session.scalars(
            select(Question.passage_position).where(Question.key == "lighthouse/first-keeper")
        ).one()
        assert after == before + 1


def without_item(text: str, item_id: str) -> str:
    """Remove one [[items]] table from a topic file's text."""
    start = text.index(f'[[items]]\nid = "{item_id}"')
    end = text.find("[[items]]", start + 1)
    return text[:start] + (text[end:] if end >= 0 else "")


def test_an_edition_of_the_real_bank_keeps_ids_cards_and_history_of_what_it_does_not_touch(
    app, bank_copy
):
    """Drop an item, reword one, change an alias: only those rows change; nothing is deleted."""
    source = bank_copy / "china-and-nato"
    student = make_user(app)
    with app.app_context():
        load(bank_copy)
        ids = {q.key: q.id for q in db.session.scalars(select(Question))}
        reviewed = [
            "china-and-nato/belgrade-embassy-year",  # untouched
            "china-and-nato/belgrade-deaths-numeric",  # dropped
            "china-and-nato/belgrade-ma-xiaotian-short",  # its alias list changes
            "china-and-nato/belgrade-allied-force-short",  # reworded
        ]
        for number, key in enumerate(reviewed):
            study.review(db.session.get(User, student.id), ids[key], 3, f"r{number}", 0, now=NOW)
        states = {
            s.question_id: study.state_to_dict(s) for s in db.session.scalars(select(CardState))
        }
        topic = source / "belgrade-1999.toml"
        text = without_item(topic.read_text(encoding="utf-8"), "belgrade-deaths-numeric")
        topic.write_text(
            text.replace(
                "was hit in the course of this air campaign", "was hit during this air campaign"
            ),
            encoding="utf-8",
        )
        aliases = source / "_aliases.toml"
        aliases.write_text(
            aliases.read_text(encoding="utf-8").replace(
                '"General Xiaotian Ma"', '"Gen. Ma Xiaotian"'
            ),
            encoding="utf-8",
        )
        assert str(load(bank_copy)) == "0 added, 2 updated, 1 archived"
        db.session.expire_all()
        after = {q.key: q.id for q in db.session.scalars(select(Question))}
        assert after == ids  # same rows, none deleted
        archived = db.session.scalars(select(Question.key).where(Question.archived)).all()
        assert archived == ["china-and-nato/belgrade-deaths-numeric"]
        assert {
            s.question_id: study.state_to_dict(s) for s in db.session.scalars(select(CardState))
        } == states
        logs = db.session.scalars(select(ReviewLog.question_id).order_by(ReviewLog.id)).all()
        assert logs == [ids[key] for key in reviewed]
