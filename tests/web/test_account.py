import csv
import io
import json
import logging
import zipfile

import pytest
from sqlalchemy import func, select

from quiz.db import db
from quiz.models import Attempt, CardState, Quiz, ReviewLog, User
from quiz.services import analysis, gradebook
from tests.conftest import PASSWORD, AuthActions
from tests.storage.course import me, populate


@pytest.fixture
def course(app):
    return populate(app)


def rows(zf: zipfile.ZipFile, name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(zf.read(name).decode())))


def test_download_my_data_holds_my_account_cards_reviews_and_attempts_only(app, client, course):
    AuthActions(client, app).login(email=course["ana"].email)
    assert 'href="/account/data.zip"' in client.get("/account/").get_data(as_text=True)
    response = client.get("/account/data.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="quiz-my-data-')
    assert response.headers["Cache-Control"] == "no-store"
    zf = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(zf.namelist()) == [
        "README.txt",
        "account.json",
        "answers.csv",
        "attempts.csv",
        "cards.csv",
        "revlog.csv",
    ]
    account = json.loads(zf.read("account.json"))
    assert account["email"] == course["ana"].email and account["name"] == "Ana Lima"
    assert account["timezone"] == "UTC" and account["day_starts_at_hour"] == 4
    assert account["settings"]["desired_retention"] == 0.9
    assert account["classes"] == ["Period 3"]
    six, seven = course["ids"][6], course["ids"][7]
    # FSRS's optimiser: ms since 1970 UTC, rating 1-4, the state before (0 New, 1 Learning).
    assert rows(zf, "revlog.csv") == [
        ["card_id", "review_time", "review_rating", "review_state", "review_duration"],
        [str(six), "1772467200000", "3", "0", "4200"],
        [str(seven), "1772553600000", "1", "0", "4201"],
        [str(six), "1772640000000", "3", "1", "4202"],
    ]
    cards = rows(zf, "cards.csv")
    assert [(c[0], c[1], c[9]) for c in cards[1:]] == [
        (str(six), "deck/q6", "2"),
        (str(seven), "deck/q7", "1"),
    ]
    attempts = rows(zf, "attempts.csv")
    assert [a[1:4] + a[7:8] + a[9:] for a in attempts[1:]] == [
        ["Week 1", "assignment", "Period 3", "finished", "4.0", "5.0"],
        ["Practice", "practice", "", "finished", "1.0", "4.0"],
    ]
    answers = rows(zf, "answers.csv")
    assert len(answers) == 1 + 5 + 4  # every question of both quizzes, blanks as null
    assert sorted(a[3] for a in answers[1:]) == ['"Right"'] * 5 + ['"Wrong"'] + ["null"] * 3
    readme = zf.read("README.txt").decode()
    assert "python -m fsrs_optimizer revlog.csv" in readme
    assert "Your time zone is UTC and your day starts at 4 am" in readme


def test_the_download_needs_a_login(client):
    response = client.get("/account/data.zip")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def figures(app, course) -> tuple:
    """Return what the instructor sees: the gradebook's rows and averages, item facilities."""
    with app.app_context():
        teacher = me(course["teacher"])
        book = gradebook.gradebook(teacher, course["class"])
        cells = [(s.name, book.cells[(s.id, course["assignment"])].grade) for s in book.students]
        items = analysis.item_analysis(teacher, course["assignment"]).stats
        return cells, book.averages, [(i.question_id, i.facility) for i in items.items]


def test_deleting_my_account_removes_my_data_and_keeps_my_graded_work_anonymised(
    app, client, course, caplog
):
    ana = course["ana"]
    cells, averages, items = figures(app, course)
    assert cells == [("Ana Lima", 80.0), ("Ben Okafor", 40.0)]
    auth = AuthActions(client, app)
    auth.login(email=ana.email)
    other_device = app.test_client()
    AuthActions(other_device, app).login(email=ana.email)

    wrong = auth.post("/account/delete", {"password": "not my password"})
    assert wrong.status_code == 422
    assert "The password is not right." in wrong.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(CardState.user_id == ana.id)) == 2

    with caplog.at_level(logging.INFO, logger="quiz.security"):
        done = auth.post("/account/delete", {"password": PASSWORD})
    assert done.status_code == 303 and done.headers["Location"] == "/"
    assert "Your account and your own data are deleted." in client.get("/").get_data(as_text=True)
    assert f"account deleted: user={ana.id} ip=127.0.0.1 assignment_attempts_kept=1" in caplog.text
    for device in (client, other_device):  # every session ended
        assert device.get("/account/").status_code == 302
    login = client.post(
        "/auth/login",
        data={"email": ana.email, "password": PASSWORD, "csrf_token": auth.token()},
    )
    assert login.status_code == 422

    with app.app_context():
        row = db.session.get(User, ana.id)
        assert (row.name, row.email) == ("Deleted student", f"deleted-{ana.id}@deleted.invalid")
        assert row.deleted_at is not None
        for model in (CardState, ReviewLog):
            assert db.session.scalar(select(func.count()).where(model.user_id == ana.id)) == 0
        assert db.session.scalar(select(func.count()).where(Quiz.owner_id == ana.id)) == 0
        kinds = db.session.scalars(
            select(Quiz.kind)
            .join(Attempt, Attempt.quiz_id == Quiz.id)
            .where(Attempt.user_id == ana.id)
        ).all()
        assert kinds == ["assignment"]
        ben = course["ben"].id
        assert db.session.scalar(select(func.count()).where(ReviewLog.user_id == ben)) == 3
    after_cells, after_averages, after_items = figures(app, course)
    assert after_cells == [("Ben Okafor", 40.0), ("Deleted student", 80.0)]
    assert after_averages == averages and after_items == items

    teacher = app.test_client()
    AuthActions(teacher, app).login(email=course["teacher"].email)
    page = teacher.get(f"/teach/classes/{course['class']}/gradebook").get_data(as_text=True)
    assert "Deleted student" in page and "Ana Lima" not in page and ana.email not in page
    # The address is free again: a new account starts afresh.
    again = app.test_client()
    registered = AuthActions(again, app).post(
        "/auth/register",
        {"email": ana.email, "name": "Ana", "password": PASSWORD, "confirm": PASSWORD},
    )
    assert registered.status_code == 302


def test_an_instructor_who_runs_a_class_cannot_delete_the_account(app, client, course):
    auth = AuthActions(client, app)
    auth.login(email=course["teacher"].email)
    refused = auth.post("/account/delete", {"password": PASSWORD})
    assert refused.status_code == 422
    assert "You run classes or wrote questions" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, course["teacher"].id).deleted_at is None


def test_the_address_of_a_deleted_account_cannot_be_registered(app, client):
    response = AuthActions(client, app).post(
        "/auth/register",
        {
            "email": "deleted-1@deleted.invalid",
            "name": "Sly",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert response.status_code == 422
    assert "Enter a valid e-mail address" in response.get_data(as_text=True)
