import json
import random
import re

import pytest
from sqlalchemy import select

from quiz.core.quizbuild import Rules
from quiz.db import db
from quiz.models import Attempt, Question, User
from quiz.services import quizzes
from quiz.services.quizzes import Settings
from tests.conftest import load_bank, make_source

TYPES = ("mcq", "multi", "true_false", "short", "numeric", "matching", "ordering", "cloze")


def one_per_type(app) -> list[Question]:
    """Pick one question of each type from the real bank, all of different facts."""
    load_bank(app)
    with app.app_context():
        chosen, facts = [], set()
        for type_ in TYPES:
            q = next(
                q
                for q in db.session.scalars(
                    select(Question).where(Question.type == type_).order_by(Question.id)
                )
                if q.fact not in facts
            )
            facts.add(q.fact)
            chosen.append(q)
        return chosen


def start_fixed(app, user, questions, **settings):
    with app.app_context():
        attempt = quizzes.start_fixed(
            db.session.get(User, user.id),
            [q.id for q in questions],
            Settings(**settings),
            rng=random.Random(5),
        )
        return attempt.id


def keys(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from keys(item)


def test_builder_starts_a_quiz_and_explains_bad_choices(app, client, auth):
    auth.login()
    make_source(app, 6)
    bad = auth.post("/quizzes/new", {"source": "deck", "count": "7", "feedback": "deferred"})
    assert bad.status_code == 422
    assert "Only 6 questions match these choices" in bad.get_data(as_text=True)
    out_of_range = auth.post(
        "/quizzes/new", {"source": "deck", "count": "60", "feedback": "deferred"}
    )
    assert "Ask for 5 to 50 questions." in out_of_range.get_data(as_text=True)
    ok = auth.post(
        "/quizzes/new", {"source": "deck", "count": "5", "feedback": "deferred", "shuffle": "y"}
    )
    assert ok.status_code == 303
    assert re.fullmatch(r"/attempts/\d+/q/1", ok.headers["Location"])


def test_no_right_answer_reaches_the_browser_while_the_attempt_is_open(app, client, auth):
    user = auth.login()
    questions = one_per_type(app)
    attempt_id = start_fixed(app, user, questions)
    forbidden_keys = {
        "answer",
        "answers",
        "pairs",
        "blanks",
        "explanation",
        "quote",
        "text",
        "right_answer",
    }
    for number, q in enumerate(questions, start=1):
        html = client.get(f"/attempts/{attempt_id}/q/{number}").get_data(as_text=True)
        body = client.get(f"/api/v1/attempts/{attempt_id}/questions/{number}").get_json()
        assert body["question_id"] == q.id
        assert not forbidden_keys & set(keys(body)), q.type
        for page in (html, json.dumps(body, ensure_ascii=False)):
            assert q.explanation not in page
            assert q.quote not in page
            assert 'class="right"' not in page and ">right<" not in page
        if q.type == "short":
            for accepted in q.payload["answers"]:
                assert accepted.lower() not in html.lower().replace(q.prompt.lower(), "")
        if q.type == "numeric":
            assert f'value="{int(q.payload["answer"])}"' not in html
        if q.type == "ordering":
            assert body["layout"]["items"] != q.payload["items"]
        if q.type == "cloze":
            assert "{{" not in html and q.payload["text"] not in html


def test_without_javascript_answers_save_on_navigation_and_the_result_explains(app, client, auth):
    user = auth.login()
    questions = one_per_type(app)[:3]  # mcq, multi, true_false
    attempt_id = start_fixed(app, user, questions)
    mcq, multi, tf = questions
    token = auth.token()
    page = client.get(f"/attempts/{attempt_id}/q/1").get_data(as_text=True)
    sequence = re.search(r'name="sequence" value="(\d+)"', page).group(1)
    moved = client.post(
        f"/attempts/{attempt_id}/q/1",
        data={
            "csrf_token": token,
            "sequence": sequence,
            "response": mcq.payload["answer"],
            "go": "next",
        },
    )
    assert moved.headers["Location"] == f"/attempts/{attempt_id}/q/2"
    client.post(
        f"/attempts/{attempt_id}/q/2",
        data={
            "csrf_token": token,
            "sequence": "0",
            "response": multi.payload["answers"][:1],
            "flagged": "1",
            "go": "summary",
        },
    )
    summary = client.get(f"/attempts/{attempt_id}/summary").get_data(as_text=True)
    assert "2 of 3 answered · 1 flagged." in summary
    assert "1 unanswered: it counts as wrong if you submit now." in summary
    # The back button shows page 1 again with its old sequence: saving from it is refused.
    stale = client.post(
        f"/attempts/{attempt_id}/q/1",
        data={
            "csrf_token": token,
            "sequence": sequence,
            "response": mcq.payload["options"][1],
            "go": "next",
        },
        follow_redirects=True,
    )
    assert "This page was out of date" in stale.get_data(as_text=True)
    finished = client.post(f"/attempts/{attempt_id}/finish", data={"csrf_token": token})
    assert finished.headers["Location"] == f"/attempts/{attempt_id}/result"
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    expected = 1 + (1 / len(multi.payload["answers"]))
    assert f"<strong>{expected:g}</strong> / 3 points" in result
    assert mcq.explanation in result
    assert "Read in context" in result
    assert "Study the 2 missed questions as flashcards today" in result


def test_resuming_goes_to_the_first_unanswered_question(app, client, auth):
    user = auth.login()
    questions = one_per_type(app)[:3]
    attempt_id = start_fixed(app, user, questions)
    client.post(
        f"/attempts/{attempt_id}/q/1",
        data={
            "csrf_token": auth.token(),
            "sequence": "0",
            "response": questions[0].payload["answer"],
        },
    )
    assert (
        client.get(f"/attempts/{attempt_id}").headers["Location"] == f"/attempts/{attempt_id}/q/2"
    )


def test_autosave_answers_json_a_resent_save_is_saved_once_and_a_stale_one_gets_409(
    app, client, auth
):
    user = auth.login()
    questions = one_per_type(app)[:1]
    attempt_id = start_fixed(app, user, questions)
    data = {"csrf_token": auth.token(), "sequence": "0", "response": questions[0].payload["answer"]}
    first = client.post(f"/attempts/{attempt_id}/q/1", data=data, headers={"X-Autosave": "1"})
    assert first.status_code == 200 and first.get_json()["sequence"] == 1
    # The same save sent again (a page retrying after a lost reply) is the same save.
    again = client.post(f"/attempts/{attempt_id}/q/1", data=data, headers={"X-Autosave": "1"})
    assert again.status_code == 200 and again.get_json()["sequence"] == 1
    payload = questions[0].payload
    wrong = next(option for option in payload["options"] if option != payload["answer"])
    stale = {**data, "response": wrong}  # another answer from the page before: out of date
    other = client.post(f"/attempts/{attempt_id}/q/1", data=stale, headers={"X-Autosave": "1"})
    assert other.status_code == 409
    assert "out of date" in other.get_json()["error"]["message"]


def test_other_students_cannot_open_an_attempt(app, client, auth):
    from tests.conftest import make_user

    owner = make_user(app)
    questions = one_per_type(app)[:1]
    attempt_id = start_fixed(app, owner, questions)
    auth.login()
    assert client.get(f"/attempts/{attempt_id}/q/1").status_code == 404
    assert client.get(f"/api/v1/attempts/{attempt_id}/questions/1").status_code == 404
    assert (
        client.post(f"/attempts/{attempt_id}/finish", data={"csrf_token": auth.token()}).status_code
        == 404
    )


def test_api_runs_a_whole_attempt(app, client, auth):
    auth.login()
    make_source(app, 6)
    headers = {"X-CSRFToken": auth.token()}
    started = client.post("/api/v1/attempts", json={"source": "deck", "count": 5}, headers=headers)
    assert started.status_code == 201
    attempt = started.get_json()
    question = client.get(f"/api/v1/attempts/{attempt['id']}/questions/1").get_json()
    saved = client.put(
        f"/api/v1/attempts/{attempt['id']}/answers/{question['question_id']}",
        json={"response": "Right", "sequence": question["sequence"]},
        headers=headers,
    )
    assert saved.get_json()["sequence"] == 1
    stale = client.put(
        f"/api/v1/attempts/{attempt['id']}/answers/{question['question_id']}",
        json={"response": "Wrong", "sequence": 0},
        headers=headers,
    )
    assert stale.status_code == 409
    done = client.post(f"/api/v1/attempts/{attempt['id']}/finish", headers=headers).get_json()
    assert (done["state"], done["score"], done["max_score"]) == ("finished", 1.0, 5.0)
    result = client.get(f"/api/v1/attempts/{attempt['id']}/result").get_json()
    assert result["questions"][0]["right_answer"] == "Right"
    bad = client.post("/api/v1/attempts", json={"source": "deck", "count": 3}, headers=headers)
    assert bad.status_code == 422
    assert bad.get_json()["error"]["field"] == "count"


def open_after_finished(app, auth, past: int) -> int:
    """Log in, finish `past` practice quizzes of 5, start one more; return its id."""
    user = auth.login()
    make_source(app, 6)
    with app.app_context():
        for _ in range(past):
            old = quizzes.start_practice(
                db.session.get(User, user.id), "deck", Rules(count=5), Settings()
            )
            quizzes.finish(db.session.get(User, user.id), old.id)
        return quizzes.start_practice(
            db.session.get(User, user.id), "deck", Rules(count=5), Settings()
        ).id


@pytest.mark.parametrize("past", [1, 25])
def test_question_page_and_save_use_a_fixed_number_of_statements(
    app, client, auth, query_counter, past
):
    attempt_id = open_after_finished(app, auth, past)
    token = auth.token()
    with query_counter() as page:
        client.get(f"/attempts/{attempt_id}/q/2")
    with query_counter() as save:
        client.post(
            f"/attempts/{attempt_id}/q/2",
            data={"csrf_token": token, "sequence": "0", "response": "Right", "go": "next"},
        )
    # The save: the login, the attempt, the question, then its one locked read and its update.
    assert (page.count, save.count) == (5, 5), (page.statements, save.statements)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Attempt)) == past + 1


@pytest.mark.parametrize("past", [1, 25])
def test_the_quiz_apis_question_and_save_are_two_and_three_statements(
    app, client, auth, query_counter, past
):
    """What a class taking a timed quiz sends most: each question read, each autosave."""
    attempt_id = open_after_finished(app, auth, past)
    headers = {"X-CSRFToken": auth.token()}
    with query_counter() as read:
        question = client.get(f"/api/v1/attempts/{attempt_id}/questions/2").get_json()
    with query_counter() as save:
        saved = client.put(
            f"/api/v1/attempts/{attempt_id}/answers/{question['question_id']}",
            json={"response": "Right", "sequence": question["sequence"]},
            headers=headers,
        )
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["sequence"] == question["sequence"] + 1
    # The read: the login check, then the attempt with that answer and question. The save:
    # the login check, the attempt locked with the answer, the update; one transaction on
    # PostgreSQL (on SQLite the login check reads before the write lock is taken).
    assert (read.count, save.count) == (2, 3), (read.statements, save.statements)
    sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    assert save.transactions == (2 if sqlite else 1)
    again = client.get(f"/api/v1/attempts/{attempt_id}/questions/2").get_json()
    assert (again["response"], again["sequence"]) == ("Right", question["sequence"] + 1)


def test_starting_and_finishing_a_quiz_take_seven_statements_each(app, client, auth, query_counter):
    """A class starting and submitting together: the answer rows go in as one statement,
    and the finished attempt is read with its quiz, whatever the number of questions."""
    auth.login()
    make_source(app, 12)
    headers = {"X-CSRFToken": auth.token()}
    warm = client.post("/api/v1/attempts", json={"source": "deck", "count": 5}, headers=headers)
    assert warm.status_code == 201  # this process has read the bank once
    with query_counter() as start:
        started = client.post(
            "/api/v1/attempts", json={"source": "deck", "count": 10}, headers=headers
        )
    assert started.status_code == 201, started.get_json()
    attempt_id = started.get_json()["id"]
    for n in range(1, 11):
        q = client.get(f"/api/v1/attempts/{attempt_id}/questions/{n}").get_json()
        client.put(
            f"/api/v1/attempts/{attempt_id}/answers/{q['question_id']}",
            json={"response": "Right" if n % 2 else "Wrong", "sequence": 0},
            headers=headers,
        )
    with query_counter() as finish:
        finished = client.post(f"/api/v1/attempts/{attempt_id}/finish", headers=headers)
    assert finished.status_code == 200
    assert (finished.get_json()["state"], finished.get_json()["feedback"]) == (
        "finished",
        "deferred",
    )
    # Start: the login, the source, the bank's generation, the open assignments' questions,
    # the quiz, the attempt, its 10 answers. Finish: the login, the deadline, the closing
    # update, the answers, their points, the score, the attempt with its quiz.
    assert (start.count, finish.count) == (7, 7), (start.statements, finish.statements)
    sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    assert (start.transactions, finish.transactions) == ((2, 2) if sqlite else (1, 1))
    assert finished.get_json()["score"] == 5.0  # questions 1, 3, 5, 7 and 9 answered right


def test_missed_questions_can_be_retried_at_once_as_a_quiz(app, client, auth):
    user = auth.login()
    questions = one_per_type(app)[:3]
    attempt_id = start_fixed(app, user, questions)
    token = auth.token()
    client.post(
        f"/attempts/{attempt_id}/q/1",
        data={"csrf_token": token, "sequence": "0", "response": questions[0].payload["answer"]},
    )
    client.post(f"/attempts/{attempt_id}/finish", data={"csrf_token": token})
    response = client.post(f"/attempts/{attempt_id}/retry", data={"csrf_token": token})
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Retry: missed questions" in html
    assert "Question 1 of 2" in html and "Check this answer" in html


def test_a_checked_answer_can_still_be_flagged(app, client, auth):
    user = auth.login()
    questions = one_per_type(app)[:1]
    attempt_id = start_fixed(app, user, questions, feedback="immediate")
    token = auth.token()
    right = questions[0].payload["answer"]
    client.post(
        f"/attempts/{attempt_id}/q/1",
        data={"csrf_token": token, "sequence": "0", "response": right, "go": "check"},
    )
    client.post(
        f"/attempts/{attempt_id}/q/1",
        data={"csrf_token": token, "locked": "1", "flagged": "1", "go": "summary"},
    )
    assert "1 flagged" in client.get(f"/attempts/{attempt_id}/summary").get_data(as_text=True)


def test_a_half_done_ordering_is_saved_as_a_draft_and_graded_partly_right(app, client, auth):
    user = auth.login()
    ordering = next(q for q in one_per_type(app) if q.type == "ordering")
    attempt_id = start_fixed(app, user, [ordering])
    right = ordering.payload["items"]
    n = len(right)
    with app.app_context():
        shown = db.session.get(Attempt, attempt_id).layout[str(ordering.id)]["items"]
    url, token = f"/attempts/{attempt_id}/q/1", auth.token()

    def autosave(sequence, **positions):
        data = {"csrf_token": token, "sequence": str(sequence), **positions}
        return client.post(url, data=data, headers={"X-Autosave": "1"})

    # The first choice is a draft: saved, no error.
    first = autosave(0, **{f"pos-{shown.index(right[0])}": "1"})
    assert first.status_code == 200 and first.get_json()["sequence"] == 1
    page = client.get(url).get_data(as_text=True)
    assert re.search(r'<option value="1" selected>1</option>', page)
    assert "different position" not in page
    # Two items at one position, or a position past the end, are still refused.
    same = autosave(1, **{f"pos-{shown.index(right[0])}": "1", f"pos-{shown.index(right[1])}": "1"})
    assert same.status_code == 422
    assert (
        same.get_json()["error"]["message"] == f"Give each item a different position from 1 to {n}."
    )
    past = autosave(1, **{f"pos-{shown.index(right[0])}": str(n + 1)})
    assert past.status_code == 422
    assert (
        past.get_json()["error"]["message"] == f"Give each item a different position from 1 to {n}."
    )
    # All but the last item in place: submitted as it is, partly right.
    second = autosave(
        1, **{f"pos-{shown.index(item)}": str(p) for p, item in enumerate(right[:-1], 1)}
    )
    assert second.status_code == 200 and second.get_json()["sequence"] == 2
    client.post(f"/attempts/{attempt_id}/finish", data={"csrf_token": token})
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    pairs, earned = n * (n - 1) // 2, (n - 1) * (n - 2) // 2
    assert f"<strong>{round(earned / pairs, 2):g}</strong> / 1 points" in result
    assert f"{n}. (no item)" in result
