import csv
import io
import re

from quiz.db import db
from quiz.models import Role, User
from quiz.services import classes
from tests.conftest import make_source, make_user


def setup_class(app, auth, client):
    teacher = auth.login(role=Role.INSTRUCTOR)
    make_source(app, 6)
    response = auth.post("/teach/", {"name": "Période 3 – café"})
    assert response.status_code == 303
    class_id = int(response.headers["Location"].rsplit("/", 1)[1])
    return teacher, class_id


def test_class_page_shows_the_join_code_and_students_join_with_it(app, client, auth):
    teacher, class_id = setup_class(app, auth, client)
    html = client.get(f"/teach/classes/{class_id}").get_data(as_text=True)
    code = re.search(r'<p class="join-code" id="join-code">([A-Z0-9-]+)</p>', html).group(1)
    student = make_user(app, name="Zoë")
    other = app.test_client()
    from tests.conftest import AuthActions

    student_auth = AuthActions(other, app)
    student_auth.login(email=student.email)
    joined = student_auth.post("/assignments/", {"code": code.lower()}, follow_redirects=True)
    assert "You joined Période 3 – café." in joined.get_data(as_text=True)
    wrong = student_auth.post("/assignments/", {"code": "AAAA-BBBB-CCCC"})
    assert wrong.status_code == 422
    assert "No open class has this join code" in wrong.get_data(as_text=True)
    assert "Zoë" in client.get(f"/teach/classes/{class_id}").get_data(as_text=True)


def test_assignment_form_explains_bad_settings_on_their_fields(app, client, auth):
    _teacher, class_id = setup_class(app, auth, client)
    base = {
        "title": "Week 1",
        "grading_method": "highest",
        "review": "immediately",
        "late_policy": "closed",
        "attempts_allowed": "1",
    }
    too_many = auth.post(
        f"/teach/classes/{class_id}/assignments/new", {**base, "mode": "rules", "count": "9"}
    )
    assert too_many.status_code == 422
    assert "Only 6 questions match these choices" in too_many.get_data(as_text=True)
    backwards = auth.post(
        f"/teach/classes/{class_id}/assignments/new",
        {
            **base,
            "mode": "rules",
            "count": "5",
            "open_at": "2026-03-10T09:00",
            "due_at": "2026-03-09T09:00",
        },
    )
    assert "the due date must come after the opening date" in backwards.get_data(as_text=True)
    nothing = auth.post(f"/teach/classes/{class_id}/assignments/new", {**base, "mode": "fixed"})
    assert "Pick at least one question." in nothing.get_data(as_text=True)


def test_due_dates_are_entered_and_shown_in_the_instructors_time_zone(app, client, auth):
    teacher, class_id = setup_class(app, auth, client)
    client.patch(
        "/api/v1/me", json={"timezone": "Asia/Shanghai"}, headers={"X-CSRFToken": auth.token()}
    )
    response = auth.post(
        f"/teach/classes/{class_id}/assignments/new",
        {
            "title": "Week 1",
            "grading_method": "highest",
            "review": "immediately",
            "late_policy": "closed",
            "attempts_allowed": "1",
            "mode": "rules",
            "count": "5",
            "due_at": "2026-03-10T09:00",
        },
    )
    quiz_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        quiz = classes.owned_assignment(db.session.get(User, teacher.id), quiz_id)
        assert quiz.due_at.isoformat() == "2026-03-10T01:00:00+00:00"
    assert "Tue 10 Mar 2026, 09:00" in client.get(f"/teach/assignments/{quiz_id}").get_data(
        as_text=True
    )


def test_gradebook_csv_is_utf8_with_one_row_per_student_then_the_class_average(app, client, auth):
    teacher, class_id = setup_class(app, auth, client)
    students = [make_user(app, name=name) for name in ("Zoë", "Ana")]
    with app.app_context():
        code = classes.owned_class(db.session.get(User, teacher.id), class_id).join_code
        for student in students:
            classes.join(db.session.get(User, student.id), code)
    response = client.get(f"/teach/classes/{class_id}/gradebook.csv")
    assert response.mimetype == "text/csv"
    assert (
        response.headers["Content-Disposition"]
        == 'attachment; filename="gradebook-periode-3-cafe.csv"'
    )
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Student", "E-mail", "Average (%)"]
    assert [r[0] for r in rows[1:]] == ["Ana", "Zoë", "Class average"]


def test_analysis_page_says_when_there_are_not_enough_attempts(app, client, auth):
    _teacher, class_id = setup_class(app, auth, client)
    response = auth.post(
        f"/teach/classes/{class_id}/assignments/new",
        {
            "title": "W",
            "grading_method": "highest",
            "review": "immediately",
            "late_policy": "closed",
            "attempts_allowed": "1",
            "mode": "rules",
            "count": "5",
        },
    )
    quiz_id = int(response.headers["Location"].rsplit("/", 1)[1])
    html = client.get(f"/teach/assignments/{quiz_id}/analysis").get_data(as_text=True)
    assert (
        "Not enough attempts: item statistics need at least two finished attempts (0 so far)."
        in html
    )


def test_authoring_previews_then_saves(app, client, auth):
    setup_class(app, auth, client)
    with app.app_context():
        from quiz.models import Topic

        topic_id = db.session.scalars(db.select(Topic.id)).first()
    form = {
        "topic": str(topic_id),
        "kind": "event",
        "type": "mcq",
        "difficulty": "1",
        "prompt": "Which sentence comes first?",
        "options": "*A quote.\nAnother sentence.\nNeither",
        "explanation": "The passage opens with it.",
        "quote": "A quote.",
    }
    preview = auth.post("/teach/questions/new", {**form, "action": "preview"})
    html = preview.get_data(as_text=True)
    assert "Preview: what students see" in html
    assert 'value="Another sentence."' in html
    saved = auth.post("/teach/questions/new", {**form, "action": "save"}, follow_redirects=True)
    assert "Question saved." in saved.get_data(as_text=True)
    assert "Which sentence comes first?" in client.get("/teach/questions/").get_data(as_text=True)
    bad = auth.post("/teach/questions/new", {**form, "quote": "Invented words.", "action": "save"})
    assert bad.status_code == 422
    assert "Not found in the article" in bad.get_data(as_text=True)


def test_instructor_questions_never_show_in_the_bank_browser_or_flashcards(app, client, auth):
    test_authoring_previews_then_saves(app, client, auth)
    assert "Which sentence comes first?" not in client.get("/bank?source=deck").get_data(
        as_text=True
    )
    assert "6 questions" in client.get("/bank?source=deck").get_data(as_text=True)
    decks = client.get("/study/").get_data(as_text=True)
    assert "6 cards" in decks


def test_an_instructors_question_cannot_be_opened_as_a_flashcard(app, client, auth):
    test_authoring_previews_then_saves(app, client, auth)
    with app.app_context():
        from quiz.models import Question

        own = db.session.scalars(db.select(Question).where(Question.origin == "author")).one()
    student = make_user(app)
    from tests.conftest import AuthActions

    other = app.test_client()
    AuthActions(other, app).login(email=student.email)
    assert other.get(f"/study/deck?show={own.id}").status_code == 404
    assert other.get(f"/study/card/{own.id}").status_code == 404
    token = AuthActions(other, app).token()
    assert (
        other.post(f"/study/card/{own.id}/suspend", data={"csrf_token": token}).status_code == 404
    )


def test_an_open_assignment_hides_its_questions_everywhere_else(app, client, auth):
    teacher = make_user(app, role=Role.INSTRUCTOR)
    ids = make_source(app, 6)
    student = auth.login()
    with app.app_context():
        classroom = classes.create_class(db.session.get(User, teacher.id), "P1")
        classes.join(db.session.get(User, student.id), classroom.join_code)
        quiz = classes.create_assignment(
            db.session.get(User, teacher.id),
            classroom.id,
            "deck",
            classes.AssignmentSettings(title="Closed book"),
            question_ids=ids[:5],
        )
        attempt = classes.start_assignment(db.session.get(User, student.id), quiz.id)
    asked = ids[0]
    browse = client.get("/bank?source=deck").get_data(as_text=True)
    assert "1 question" in browse and "its questions are hidden here" in browse
    assert client.get(f"/study/card/{asked}").status_code == 404
    assert client.get(f"/study/deck?show={asked}").status_code == 404
    nxt = client.get("/api/v1/study/next?source=deck").get_json()
    assert nxt["card"]["question_id"] == ids[5]
    assert nxt["remaining"]["new"] == 1
    peek = {"question_id": asked, "rating": 3, "client_review_id": "peek", "source": "deck"}
    headers = {"X-CSRFToken": auth.token()}
    assert client.post("/api/v1/study/reviews", json=peek, headers=headers).status_code == 404
    no_deck = {**peek, "client_review_id": "peek-2"}
    del no_deck["source"]
    assert client.post("/api/v1/study/reviews", json=no_deck, headers=headers).status_code == 404
    client.post(f"/attempts/{attempt.id}/finish", data={"csrf_token": auth.token()})
    assert client.post("/api/v1/study/reviews", json=peek, headers=headers).status_code == 200
    assert client.get(f"/study/card/{asked}").status_code == 200
    assert "6 questions" in client.get("/bank?source=deck").get_data(as_text=True)


def test_gradebook_page_and_csv_show_the_same_grades_and_class_average(app, client, auth):
    from quiz.services import quizzes
    from quiz.services.classes import AssignmentSettings
    from tests.conftest import NOW

    teacher = auth.login(role=Role.INSTRUCTOR)
    ids = make_source(app, 8)
    ana, ben = make_user(app, name="Ana"), make_user(app, name="Ben")
    with app.app_context():
        classroom = classes.create_class(db.session.get(User, teacher.id), "Period 3")
        for student in (ana, ben):
            classes.join(db.session.get(User, student.id), classroom.join_code)
        quiz = classes.create_assignment(
            db.session.get(User, teacher.id),
            classroom.id,
            "deck",
            AssignmentSettings(title="Week 1", shuffle=False),
            question_ids=ids,
        )
        # Ana gets 1 of 8 right: 12.5 %; Ben none: 0 %. Class average (12.5 + 0)/2 = 6.25,
        # which "%.0f" shows as 6 and "%.1f" as 6.2 (half to even); by hand it is 6.3.
        for student, right in ((ana, 1), (ben, 0)):
            who = db.session.get(User, student.id)
            attempt = classes.start_assignment(who, quiz.id, now=NOW)
            for n, qid in enumerate(attempt.question_order):
                quizzes.save_answer(who, attempt.id, qid, "Right" if n < right else "Wrong", 0)
            quizzes.finish(who, attempt.id)
    html = client.get(f"/teach/classes/{classroom.id}/gradebook").get_data(as_text=True)
    grades = re.findall(r'<span class="grade">([^<]*)</span>', html)
    assert grades == ["12.5%", "0.0%"]
    foot = re.search(r"<tfoot>(.*?)</tfoot>", html, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', foot) == ["6.3%"]
    text = client.get(f"/teach/classes/{classroom.id}/gradebook.csv").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1:] == [
        ["Ana", ana.email, "12.5", "submitted", "12.5"],
        ["Ben", ben.email, "0.0", "submitted", "0.0"],
        ["Class average", "", "6.3", "", ""],
    ]
