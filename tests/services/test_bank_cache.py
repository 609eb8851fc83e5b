"""The bank cached per process: read once, and read again when another process changes it."""

from sqlalchemy import select, update

from quiz import create_app
from quiz.db import db
from quiz.models import BankVersion, Question
from quiz.services import bank_cache
from tests.conftest import make_source


def generation(app) -> int:
    with app.app_context():
        return db.session.scalar(select(BankVersion.generation)) or 0


def test_a_change_to_a_question_bumps_the_bank_generation(app):
    [qid] = make_source(app, 1)
    before = generation(app)
    with app.app_context():
        db.session.get(Question, qid).card_front = "A new front"
        db.session.commit()
    assert generation(app) == before + 1


def test_a_statement_on_a_bank_table_bumps_it_too(app):
    [qid] = make_source(app, 1)
    before = generation(app)
    with app.app_context():
        db.session.execute(update(Question).where(Question.id == qid).values(archived=True))
        db.session.commit()
    assert generation(app) == before + 1


def test_the_review_loop_reads_the_bank_once_per_process(client, auth, query_counter):
    auth.login()
    make_source(client.application, 3)
    client.get("/api/v1/study/next?source=deck")
    with query_counter() as second:
        card = client.get("/api/v1/study/next?source=deck").get_json()["card"]
    assert card["front"]
    assert second.count == 2, second.statements  # the login check and the one read


def test_a_bank_change_made_by_another_process_is_seen_at_once(app, client, auth):
    """Two apps on one database stand for two processes (or two hosts): each has its own
    copy of the bank; a change committed through one is shown by the other."""
    auth.login()
    ids = make_source(app, 2)
    first = client.get("/api/v1/study/next?source=deck").get_json()["card"]
    assert first["front"] != "Rewritten on another host"
    other = create_app(app.config.copy())  # another process, same database
    with other.app_context():
        bank_cache.snapshot()  # it has its copy too
        db.session.execute(
            update(Question)
            .where(Question.id == first["question_id"])
            .values(card_front="Rewritten on another host")
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    again = client.get("/api/v1/study/next?source=deck").get_json()["card"]
    assert again["question_id"] == first["question_id"] == ids[0]
    assert again["front"] == "Rewritten on another host"


def test_a_quiz_draws_from_the_bank_as_the_database_holds_it_now(app, client, auth):
    """Quiz draws read this process's copy of the bank: a question archived by another
    process since that copy was made is never drawn."""
    auth.login()
    ids = make_source(app, 8)
    headers = {"X-CSRFToken": auth.token()}

    def drawn() -> set[int]:
        started = client.post(
            "/api/v1/attempts", json={"source": "deck", "count": 5}, headers=headers
        )
        assert started.status_code == 201, started.get_json()
        attempt = started.get_json()["id"]
        questions = {
            client.get(f"/api/v1/attempts/{attempt}/questions/{n}").get_json()["question_id"]
            for n in range(1, 6)
        }
        client.post(f"/api/v1/attempts/{attempt}/finish", headers=headers)
        return questions

    assert drawn() <= set(ids)  # this process now holds its copy of the bank
    other = create_app(app.config.copy())  # another process, same database
    with other.app_context():
        db.session.execute(update(Question).where(Question.id.in_(ids[5:])).values(archived=True))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    assert drawn() == set(ids[:5])  # the five questions left, whatever the draw
