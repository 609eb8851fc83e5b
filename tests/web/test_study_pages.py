import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from quiz.db import db
from quiz.models import Question, ReviewLog
from tests.conftest import load_bank, make_card_states, make_source

FIELD = re.compile(r'name="(question_id|version|client_review_id|shown_at)" value="([^"]*)"')


def card_form(html: str) -> dict:
    return dict(FIELD.findall(html))


@pytest.fixture
def deck(app, auth):
    user = auth.login()
    return user, make_source(app, 10)


def test_deck_list_shows_due_and_new_counts(client, deck):
    html = client.get("/study/").get_data(as_text=True)
    assert "Source deck" in html
    assert "0 due today · 10 new · 10 cards" in html


def test_the_study_page_shows_the_front_and_hides_the_answer(client, deck):
    html = client.get("/study/deck").get_data(as_text=True)
    assert '<div class="front">Question 0?</div>' in html
    assert 'id="back" hidden' in html
    assert 'id="ratings" hidden' in html
    assert 'href="/study/deck?show=' in html
    labels = re.findall(r'<span class="rate-interval">([^<]+)</span>', html)
    assert labels[:3] == ["1m", "6m", "10m"]
    assert labels[3] in ("7d", "8d", "9d")  # 8 days, fuzzed


def test_without_javascript_show_answer_then_rate_moves_to_the_next_card(client, auth, deck):
    _user, ids = deck
    revealed = client.get(f"/study/deck?show={ids[0]}").get_data(as_text=True)
    assert 'id="back" hidden' not in revealed
    assert "Because 0." in revealed
    form = card_form(revealed)
    response = client.post(
        "/study/deck/review", data={**form, "rating": "4", "csrf_token": auth.token()}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/study/deck"
    html = client.get("/study/deck").get_data(as_text=True)
    assert '<div class="front">Question 1?</div>' in html
    assert 'aria-label="Today in this deck: 1 of 10 cards"' in html


def test_a_stale_form_is_refused_without_changing_the_card(app, client, auth, deck):
    _user, ids = deck
    form = card_form(client.get(f"/study/deck?show={ids[0]}").get_data(as_text=True))
    token = auth.token()
    client.post("/study/deck/review", data={**form, "rating": "3", "csrf_token": token})
    stale = {**form, "client_review_id": "another-tab", "rating": "1", "csrf_token": token}
    response = client.post("/study/deck/review", data=stale, follow_redirects=True)
    assert "That card changed in another tab" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReviewLog)) == 1


def test_undo_shows_the_same_card_again(client, auth, deck):
    _user, ids = deck
    form = card_form(client.get(f"/study/deck?show={ids[0]}").get_data(as_text=True))
    client.post("/study/deck/review", data={**form, "rating": "4", "csrf_token": auth.token()})
    response = client.post("/study/deck/undo", data={"csrf_token": auth.token()})
    assert response.headers["Location"] == f"/study/deck?card={ids[0]}"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Last review undone." in html
    assert '<div class="front">Question 0?</div>' in html


def test_an_empty_deck_shows_the_summary(app, client, auth):
    auth.login()
    make_source(app, 0)
    html = client.get("/study/deck").get_data(as_text=True)
    assert "Nothing to study in this deck right now." in html
    assert "Cards studied today" in html


def test_type_in_answer_is_graded_and_suggests_a_rating(app, client, auth):
    auth.login()
    load_bank(app)
    with app.app_context():
        q = db.session.scalars(
            select(Question).where(
                Question.type == "short", Question.payload["match"].as_string() == "name"
            )
        ).first()
        right = q.payload["answers"][0]
        typo = right[:-2] + right[-1] + right[-2]  # swap the last two letters
    html = client.get(f"/study/china-and-nato?show={q.id}&typed={typo}").get_data(as_text=True)
    assert "Right." in html
    assert "Suggested rating: <strong>Good</strong>" in html
    assert 'class="rate rate-good suggested"' in html
    wrong = client.get(f"/study/china-and-nato?show={q.id}&typed=Nobody Atall").get_data(
        as_text=True
    )
    assert "Wrong." in wrong
    assert "Suggested rating: <strong>Again</strong>" in wrong


def test_card_info_shows_state_and_history(client, auth, deck):
    _user, ids = deck
    form = card_form(client.get(f"/study/deck?show={ids[0]}").get_data(as_text=True))
    client.post("/study/deck/review", data={**form, "rating": "3", "csrf_token": auth.token()})
    html = client.get(f"/study/card/{ids[0]}").get_data(as_text=True)
    assert "<dd>Learning</dd>" in html
    assert "<td>Good</td>" in html
    assert "<dd>1</dd>" in html  # reviews


def test_settings_form_saves_and_explains_bad_values(client, auth):
    auth.login()
    data = {
        "new_per_day": "5",
        "reviews_per_day": "100",
        "desired_retention": "0.99",
        "timezone": "Europe/Paris",
        "leech_action": "suspend",
    }
    bad = auth.post("/study/settings", data)
    assert bad.status_code == 422
    assert "Use a value from 0.70 to 0.97." in bad.get_data(as_text=True)
    ok = auth.post("/study/settings", {**data, "desired_retention": "0.85"}, follow_redirects=True)
    assert "Study settings saved." in ok.get_data(as_text=True)
    me = client.get("/api/v1/me").get_json()
    assert me["timezone"] == "Europe/Paris"


def test_api_review_answers_with_the_state_and_the_next_card(client, auth, deck):
    _user, ids = deck
    nxt = client.get("/api/v1/study/next?source=deck").get_json()
    card = nxt["card"]
    assert card["question_id"] == ids[0]
    assert set(card["intervals"]) == {"again", "hard", "good", "easy"}
    assert "answer" in card["back"]
    body = {
        "question_id": card["question_id"],
        "rating": 4,
        "client_review_id": card["client_review_id"],
        "duration_ms": 3000,
        "version": card["version"],
        "source": "deck",
    }
    headers = {"X-CSRFToken": auth.token()}
    first = client.post("/api/v1/study/reviews", json=body, headers=headers).get_json()
    assert first["review"]["state"]["phase"] == "review"
    assert first["review"]["replayed"] is False
    assert first["next"]["card"]["question_id"] == ids[1]
    replay = client.post("/api/v1/study/reviews", json=body, headers=headers).get_json()
    assert replay["review"]["replayed"] is True
    assert replay["review"]["state"] == first["review"]["state"]
    stale = client.post(
        "/api/v1/study/reviews",
        json={**body, "client_review_id": "other", "rating": 1},
        headers=headers,
    )
    assert stale.status_code == 409
    assert stale.get_json()["error"]["status"] == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"question_id": "1", "rating": 3, "client_review_id": "x"}, "question_id"),
        ({"question_id": 1, "rating": 3}, "client_review_id"),
        ({"question_id": 1, "rating": 3, "client_review_id": "x", "version": "2"}, "version"),
    ],
)
def test_api_review_names_the_bad_field(client, auth, body, field):
    auth.login()
    response = client.post(
        "/api/v1/study/reviews", json=body, headers={"X-CSRFToken": auth.token()}
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == field


def make_history(app, user, question_ids, reviews: int, before: datetime) -> None:
    """Insert `reviews` review logs of the user, all before `before` (not today)."""
    from sqlalchemy import insert

    after = {"version": 1, "leech": False}
    rows = [
        dict(
            user_id=user.id,
            question_id=question_ids[n % len(question_ids)],
            rating=3,
            reviewed_at=before - timedelta(minutes=n + 1),
            duration_ms=1000,
            client_review_id=f"history-{n}",
            phase_before=2,
            before=None,
            after=after,
        )
        for n in range(reviews)
    ]
    with app.app_context():
        db.session.execute(insert(ReviewLog), rows)
        db.session.commit()


@pytest.mark.parametrize(("size", "reviews"), [(10, 10), (2000, 10_000)])
def test_study_page_and_review_post_use_a_fixed_number_of_statements(
    app, client, auth, query_counter, size, reviews
):
    user = auth.login()
    ids = make_source(app, size)
    due = datetime.now(UTC) - timedelta(days=1)
    make_card_states(app, user, ids, due=due)
    make_history(app, user, ids, reviews, before=due)
    token = auth.token()
    with query_counter() as page:
        html = client.get("/study/deck").get_data(as_text=True)
    form = card_form(html)
    with query_counter() as first:  # this process reads the bank once
        client.get("/api/v1/study/next?source=deck")
    with query_counter() as post:
        client.post("/study/deck/review", data={**form, "rating": "3", "csrf_token": token})
    with query_counter() as get:
        nxt = client.get("/api/v1/study/next?source=deck").get_json()["card"]
    body = {
        "question_id": nxt["question_id"],
        "rating": 3,
        "version": nxt["version"],
        "client_review_id": nxt["client_review_id"],
        "source": "deck",
    }
    with query_counter() as api:
        response = client.post("/api/v1/study/reviews", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert response.get_json()["review"]["replayed"] is False
    assert response.get_json()["next"]["card"]["question_id"] != nxt["question_id"]
    # A review: the login check, one read of the card with the deck's day, the log, the state.
    # One transaction on PostgreSQL; on SQLite the reads run before the write lock is taken
    # (a read transaction, then the one write transaction: see quiz.db.writes).
    transactions = 2 if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") else 1
    assert (api.count, api.transactions) == (4, transactions), api.statements
    assert (page.count, first.count, post.count, get.count) == (5, 5, 5, 2)
    assert post.transactions == transactions


def test_a_rating_pressed_on_another_study_day_shows_the_card_again_with_new_intervals(
    app, client, auth, deck
):
    _user, ids = deck
    form = card_form(client.get(f"/study/deck?show={ids[0]}").get_data(as_text=True))
    yesterday = int((datetime.now(UTC) - timedelta(days=1)).timestamp() * 1000)
    response = client.post(
        "/study/deck/review",
        data={**form, "shown_at": str(yesterday), "rating": "3", "csrf_token": auth.token()},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/study/deck?card={ids[0]}"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "A new study day began (at 4 am) since this card was shown" in html
    assert '<div class="front">Question 0?</div>' in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReviewLog)) == 0


def test_api_review_of_a_card_shown_on_another_study_day_is_a_409(client, auth, deck):
    auth.login()
    card = client.get("/api/v1/study/next?source=deck").get_json()["card"]
    body = {
        "question_id": card["question_id"],
        "rating": 3,
        "client_review_id": card["client_review_id"],
        "version": card["version"],
    }
    headers = {"X-CSRFToken": auth.token()}
    stale = {**body, "shown_at": card["shown_at"] - 86_400_000}  # a day earlier
    refused = client.post("/api/v1/study/reviews", json=stale, headers=headers)
    assert refused.status_code == 409
    assert "new study day" in refused.get_json()["error"]["message"]
    applied = client.post("/api/v1/study/reviews", json={**body, "shown_at": card["shown_at"]},
                          headers=headers)  # fmt: skip
    assert applied.status_code == 200
    assert applied.get_json()["review"]["state"]["version"] == card["version"] + 1


def test_a_shown_at_beyond_the_last_date_is_refused_with_the_field_named(app, client, auth, deck):
    """A time in ms since 1970 past year 9999 cannot become a date: 422, not a crash."""
    _user, ids = deck
    auth.login()
    card = client.get("/api/v1/study/next?source=deck").get_json()["card"]
    body = {
        "question_id": card["question_id"],
        "rating": 3,
        "client_review_id": card["client_review_id"],
        "version": card["version"],
        "shown_at": 2**53,  # year 287,396
    }
    refused = client.post("/api/v1/study/reviews", json=body, headers={"X-CSRFToken": auth.token()})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["field"] == "shown_at"
    form = card_form(client.get(f"/study/deck?show={ids[0]}").get_data(as_text=True))
    page = client.post(
        "/study/deck/review",
        data={**form, "shown_at": str(2**53), "rating": "3", "csrf_token": auth.token()},
    )
    assert page.status_code == 422
    assert "shown_at" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReviewLog)) == 0
