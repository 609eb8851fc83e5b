"""Bad input at the boundary (quiz/inputs.py): a 4xx naming the field, never a 500.

Issue 11, findings 2 (NUL and control characters), 3 (lone surrogates), 4 (deep JSON),
5 (integers from query strings and forms) and 10 (messages for a person, never Python).
"""

import json

import pytest
from sqlalchemy import func, select

from quiz.db import db
from quiz.models import Quiz, RateCounter, ReviewLog, Role, User
from tests.conftest import csrf_token, make_source

NUL_MESSAGE = "remove the invisible control character U+0000 (tabs and line breaks are fine)."
SURROGATE_MESSAGE = "send valid Unicode text (it holds half of a UTF-16 surrogate pair)."
DEEP = "[" * 100_000 + "]" * 100_000


def refused(field: str, message: str, status: int = 422) -> dict:
    return {"error": {"status": status, "message": f"{field}: {message}", "field": field}}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def student(auth, client, app):
    """A logged-in student, a deck of 10 questions; returns the CSRF header."""
    auth.login()
    make_source(app)
    return {"X-CSRFToken": auth.token()}


def start_quiz(client, headers) -> tuple[int, int]:
    """Start a practice quiz of 5; return the attempt id and its first question's id."""
    body = {"source": "deck", "count": 5}
    attempt = client.post("/api/v1/attempts", json=body, headers=headers).get_json()["id"]
    question = client.get(f"/api/v1/attempts/{attempt}/questions/1").get_json()
    return attempt, question["question_id"]


# Finding 2: NUL and other control characters, refused before any view or query runs.


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"email": "a\x00@example.org", "password": "whatever it is"}, "email"),
        ({"email": "a@example.org", "password": "pass\x00word"}, "password"),
    ],
)
def test_login_form_with_a_nul_is_refused_without_logging_in(client, app, form, field):
    response = client.post("/auth/login", data={"csrf_token": csrf_token(client), **form})
    assert response.status_code == 422
    assert f"{field}: {NUL_MESSAGE}" in response.get_data(as_text=True)
    assert count(app, RateCounter) == 0  # nothing was counted against the account or IP


@pytest.mark.parametrize("field", ["name", "email", "password"])
def test_registration_with_a_control_character_is_refused_and_creates_nobody(client, app, field):
    form = {
        "name": "Ada",
        "email": "ada@example.org",
        "password": "correct horse battery",
        "confirm": "correct horse battery",
    }
    form[field] = form[field][:2] + "\x1b" + form[field][2:]
    if field == "password":
        form["confirm"] = form["password"]
    response = client.post("/auth/register", data={"csrf_token": csrf_token(client), **form})
    assert response.status_code == 422
    expected = f"{field}: remove the invisible control character U+001B"
    assert expected in response.get_data(as_text=True)
    assert count(app, User) == 0


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/bank?q=%00", "q"),
        ("/bank?source=de%00ck", "source"),
        ("/bank?q%00=x", "q"),
        ("/read/de%00ck", "slug"),
        ("/read/deck?q=%7F", "q"),
    ],
)
def test_pages_open_to_visitors_refuse_control_characters(client, app, path, field):
    make_source(app)
    response = client.get(path)
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    assert f"{field}: remove the invisible control character" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "field"),
    [("/study/de%00ck", "slug"), ("/study/deck?topic=%00", "topic"), ("/study/?x=%C2%85", "x")],
)
def test_study_pages_refuse_control_characters(client, student, path, field):
    response = client.get(path)
    assert response.status_code == 422
    assert f"{field}: remove the invisible control character" in response.get_data(as_text=True)


def test_api_name_with_a_nul_is_refused_and_not_stored(client, student):
    response = client.patch("/api/v1/me", json={"name": "Ada\x00"}, headers=student)
    assert response.status_code == 422
    assert response.get_json() == refused("name", NUL_MESSAGE)
    assert client.get("/api/v1/me").get_json()["name"].startswith("User ")


def test_api_name_may_hold_tabs_and_line_breaks(client, student):
    response = client.patch("/api/v1/me", json={"name": "Ada\tLovelace\r\nB."}, headers=student)
    assert response.status_code == 200
    assert response.get_json()["name"] == "Ada\tLovelace\r\nB."


def test_api_deck_slug_with_a_nul_is_refused(client, student):
    response = client.get("/api/v1/study/next?source=de%00ck")
    assert response.status_code == 422
    assert response.get_json() == refused("source", NUL_MESSAGE)


def test_api_review_id_with_a_nul_is_refused_and_nothing_is_reviewed(client, app, student):
    qid = client.get("/api/v1/study/next?source=deck").get_json()["card"]["question_id"]
    body = {"question_id": qid, "rating": 3, "client_review_id": "abc\x00"}
    response = client.post("/api/v1/study/reviews", json=body, headers=student)
    assert response.status_code == 422
    assert response.get_json() == refused("client_review_id", NUL_MESSAGE)
    assert count(app, ReviewLog) == 0


def test_a_key_with_a_nul_is_refused_by_its_name(client, student):
    response = client.patch("/api/v1/me", json={"na\x00me": "Ada"}, headers=student)
    assert response.get_json() == refused("name", NUL_MESSAGE)


def test_a_nested_response_with_a_control_character_names_its_path(client, student):
    attempt, qid = start_quiz(client, student)
    body = {"response": {"Left": ["ok", "b\x08"]}, "sequence": 1}
    response = client.put(f"/api/v1/attempts/{attempt}/answers/{qid}", json=body, headers=student)
    assert response.status_code == 422
    assert response.get_json() == refused(
        "response.Left.1",
        "remove the invisible control character U+0008 (tabs and line breaks are fine).",
    )


def test_a_quiz_page_answer_with_a_nul_is_refused_and_not_saved(client, student):
    attempt, qid = start_quiz(client, student)
    token = student["X-CSRFToken"]
    form = {"csrf_token": token, "response": "Right\x00", "sequence": "1"}
    response = client.post(f"/attempts/{attempt}/q/1", data=form)
    assert response.status_code == 422
    assert f"response: {NUL_MESSAGE}" in response.get_data(as_text=True)
    saved = client.get(f"/api/v1/attempts/{attempt}/questions/1").get_json()
    assert (saved["response"], saved["sequence"]) == (None, 0)


def test_an_autosave_with_a_nul_is_told_why_in_json(client, student):
    attempt, _ = start_quiz(client, student)
    form = {"csrf_token": student["X-CSRFToken"], "response": "Right\x00", "sequence": "0"}
    response = client.post(f"/attempts/{attempt}/q/1", data=form, headers={"X-Autosave": "1"})
    assert response.status_code == 422
    assert response.get_json() == refused("response", NUL_MESSAGE)


# Finding 3: lone surrogates, which only a JSON \u escape can carry.


@pytest.mark.parametrize(
    ("path", "method", "raw", "field"),
    [
        ("/api/v1/me", "patch", '{"name": "\\ud800x"}', "name"),
        ("/api/v1/attempts", "post", '{"source": "deck", "types": ["\\udfff"]}', "types.0"),
        ("/api/v1/attempts", "post", '{"source": "deck\\udbff"}', "source"),
    ],
)
def test_lone_surrogates_are_refused_by_field(client, student, path, method, raw, field):
    send = getattr(client, method)
    response = send(path, data=raw, content_type="application/json", headers=student)
    assert response.status_code == 422
    assert response.get_json() == refused(field, SURROGATE_MESSAGE)


def test_a_surrogate_pair_is_a_character_like_any_other(client, student):
    response = client.patch(
        "/api/v1/me", data='{"name": "Ada \\ud83d\\ude00"}', content_type="application/json",
        headers=student,
    )  # fmt: skip
    assert response.status_code == 200
    assert response.get_json()["name"] == "Ada \U0001f600"


# Finding 4: JSON nested too deep, or not JSON at all, is a 400 with a sentence.


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("patch", "/api/v1/me"),
        ("post", "/api/v1/attempts"),
        ("post", "/api/v1/study/reviews"),
        ("put", "/api/v1/attempts/1/answers/1"),
    ],
)
def test_deeply_nested_json_is_refused(client, student, method, path):
    response = getattr(client, method)(
        path, data=DEEP, content_type="application/json", headers=student
    )
    assert response.status_code == 400
    assert response.get_json() == {
        "error": {"status": 400, "message": "The JSON body nests deeper than 32 levels."}
    }


def test_json_one_level_too_deep_for_the_api_is_refused(client, student):
    attempt, qid = start_quiz(client, student)
    path = f"/api/v1/attempts/{attempt}/answers/{qid}"
    deepest = {"response": json.loads("[" * 31 + "]" * 31), "sequence": 0}  # 32 levels
    too_deep = {"response": json.loads("[" * 32 + "]" * 32), "sequence": 0}
    assert client.put(path, json=too_deep, headers=student).status_code == 400
    response = client.put(path, json=deepest, headers=student)
    assert response.status_code == 200  # the depth is accepted (the shape is the grader's)


@pytest.mark.parametrize(
    "raw", ['{"source": "deck", "count": NaN}', '{"count": Infinity}', '{"count": 1' + "0" * 5000]
)
def test_what_is_not_json_is_refused(client, student, raw):
    response = client.post(
        "/api/v1/attempts", data=raw, content_type="application/json", headers=student
    )
    assert response.status_code == 400
    assert response.get_json() == {
        "error": {"status": 400, "message": "The body is not valid JSON."}
    }


# Finding 5: every integer taken from a query string or a form.


def test_bank_page_beyond_any_database_integer_is_refused_without_logging_in(client, app):
    make_source(app)
    response = client.get("/bank?page=99999999999999999999")
    assert response.status_code == 422
    assert "page: use a whole number from 1 to 85,899,345." in response.get_data(as_text=True)
    assert client.get("/bank?page=2").status_code == 200


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("show=99999999999999999999", "show"),
        ("card=99999999999999999999", "card"),
        ("passage=99999999999999999999", "passage"),
        ("card=-1", "card"),
        ("card=%C2%B2", "card"),  # "²" passes str.isdigit but not int()
    ],
)
def test_study_page_numbers_out_of_range_are_refused(client, student, query, field):
    response = client.get(f"/study/deck?{query}")
    assert response.status_code == 422
    message = f"{field}: use a whole number from 0 to 2,147,483,647."
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize("field", ["question_id", "version", "duration_ms", "rating"])
def test_study_review_form_numbers_out_of_range_are_refused(client, app, student, field):
    form = {"question_id": "1", "rating": "3", "version": "0", "client_review_id": "r1"}
    form[field] = "99999999999999999999"
    response = client.post(
        "/study/deck/review", data={"csrf_token": student["X-CSRFToken"], **form}
    )
    assert response.status_code == 422
    assert f"{field}: use a whole number" in response.get_data(as_text=True)
    assert count(app, ReviewLog) == 0


@pytest.mark.parametrize(
    ("form", "text"),
    [
        ({"sequence": "99999999999999999999"}, "sequence: use a whole number"),
        ({"sequence": "0", "go": "²"}, None),
        ({"sequence": "0", "go": "9" * 5000}, None),
    ],
)
def test_quiz_page_numbers_never_crash(client, student, form, text):
    attempt, _ = start_quiz(client, student)
    data = {"csrf_token": student["X-CSRFToken"], "response": "Right", **form}
    response = client.post(f"/attempts/{attempt}/q/1", data=data)
    if text:
        assert response.status_code == 422
        assert text in response.get_data(as_text=True)
    else:  # an unknown destination stays on the page
        assert response.status_code == 303
        assert response.headers["Location"] == f"/attempts/{attempt}/q/1"


# Finding 10: validation messages say what to send, and name the field.


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"count": "ten"}, "count", "use a whole number from 5 to 50."),
        ({"count": True}, "count", "use a whole number from 5 to 50."),
        ({"count": 51}, "count", "use a whole number from 5 to 50."),
        ({"time_limit": {}}, "time_limit", "use a whole number from 1 to 300."),
        ({"time_limit": "5"}, "time_limit", "use a whole number from 1 to 300."),
        ({"topics": "all"}, "topics", "send a list of texts."),
        ({"types": [1]}, "types", "send a list of texts."),
        ({"kinds": ["robot"]}, "kinds", "unknown kind 'robot'."),
        ({"difficulties": ["easy"]}, "difficulties", "send a list of whole numbers from 1 to 3."),
        ({"feedback": "later"}, "feedback", "use one of immediate, deferred."),
        ({"feedback": ["immediate"]}, "feedback", "use one of immediate, deferred."),
        ({"shuffle": "yes"}, "shuffle", "send true or false."),
        ({"source": 5}, "source", "send text."),
        ({"source": None}, "source", "this field is required."),
    ],
)
def test_practice_quiz_fields_are_checked_for_a_person(client, student, body, field, message):
    response = client.post("/api/v1/attempts", json={"source": "deck", **body}, headers=student)
    assert response.status_code == 422
    assert response.get_json() == refused(field, message)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        # The old answer named 0 to 2,147,483,647, while only 1 to 4 is a rating.
        ({"rating": "3"}, "rating", "use 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy)."),
        ({"version": -1}, "version", "use a whole number from 0 to 2,147,483,647."),
        ({"client_review_id": 7}, "client_review_id", "send text."),
        ({"question_id": None}, "question_id", "this field is required."),
    ],
)
def test_review_fields_are_checked_for_a_person(client, app, student, body, field, message):
    review = {"question_id": 1, "rating": 3, "client_review_id": "r1", **body}
    response = client.post("/api/v1/study/reviews", json=review, headers=student)
    assert response.status_code == 422
    assert response.get_json() == refused(field, message)
    assert count(app, ReviewLog) == 0


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"sequence": "1"}, "sequence", "use a whole number from 0 to 2,147,483,647."),
        ({"sequence": 1, "flagged": "yes"}, "flagged", "send true or false."),
    ],
)
def test_answer_fields_are_checked_for_a_person(client, student, body, field, message):
    attempt, qid = start_quiz(client, student)
    response = client.put(f"/api/v1/attempts/{attempt}/answers/{qid}", json=body, headers=student)
    assert response.status_code == 422
    assert response.get_json() == refused(field, message)


# Form fields whose values Python cannot turn into what the app stores.


@pytest.mark.parametrize("value", ["sNaN", "NaN", "Infinity"])
def test_study_settings_refuse_a_retention_that_is_not_a_number(client, student, value):
    form = {
        "csrf_token": student["X-CSRFToken"],
        "new_per_day": "7",
        "reviews_per_day": "100",
        "desired_retention": value,
        "timezone": "UTC",
        "leech_action": "tag",
    }
    response = client.post("/study/settings", data=form)
    assert response.status_code == 422
    assert "Enter a number, such as 0.9." in response.get_data(as_text=True)
    assert 'value="7"' not in client.get("/study/settings").get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value"), [("due_at", "9999-12-31T23:59"), ("open_at", "0001-01-01T00:00")]
)
def test_assignment_dates_beyond_what_a_time_zone_can_shift_are_refused(
    app, client, auth, field, value
):
    auth.login(role=Role.INSTRUCTOR)
    make_source(app)
    headers = {"X-CSRFToken": auth.token()}
    client.patch("/api/v1/me", json={"timezone": "America/Los_Angeles"}, headers=headers)
    class_id = auth.post("/teach/", {"name": "C"}).headers["Location"].rsplit("/", 1)[1]
    form = {
        "title": "Week 1",
        "grading_method": "highest",
        "review": "immediately",
        "late_policy": "closed",
        "attempts_allowed": "1",
        "mode": "rules",
        "count": "5",
        field: value,
    }
    response = auth.post(f"/teach/classes/{class_id}/assignments/new", form)
    assert response.status_code == 422
    assert "Use a date from 1900 to 9998." in response.get_data(as_text=True)
    assert count(app, Quiz) == 0
