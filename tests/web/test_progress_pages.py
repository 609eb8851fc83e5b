import re
from datetime import UTC, datetime, timedelta
from random import Random

import pytest
from sqlalchemy import func, select

from quiz.db import db
from quiz.models import Question
from tests.conftest import load_bank, make_card_states
from tests.services.test_progress import add_reviews


def studied_bank(app, user, reviews: int):
    """The real bank loaded, a third of it studied, and `reviews` reviews in the log."""
    load_bank(app)
    with app.app_context():
        ids = db.session.scalars(select(Question.id).order_by(Question.id)).all()
    now = datetime.now(UTC)
    make_card_states(app, user, ids[:60], due=now - timedelta(hours=1))
    make_card_states(app, user, ids[60:70], due=now + timedelta(days=3))
    add_reviews(app, user, ids[0], reviews, now - timedelta(days=300), every=timedelta(minutes=40))
    return ids


@pytest.mark.parametrize("reviews", [10, 10_000])
def test_dashboard_and_reader_read_the_same_number_of_statements(
    app, client, auth, query_counter, reviews
):
    user = auth.login()
    studied_bank(app, user, reviews)
    with query_counter() as board:
        html = client.get("/dashboard").get_data(as_text=True)
    with query_counter() as reader:
        client.get("/read/china-and-nato")
    assert "cards due today" in html
    assert (board.count, reader.count) == (7, 6), (board.statements, reader.statements)


def test_dashboard_shows_every_chart_with_a_table_alternative(app, client, auth):
    user = auth.login()
    studied_bank(app, user, 30)
    html = client.get("/dashboard").get_data(as_text=True)
    assert html.count('role="img"') == 3
    assert html.count("<summary>Show as a table</summary>") == 3
    assert re.search(r'<p class="stat-value">60</p><p class="stat-label">cards due today</p>', html)
    assert "Start a topic you have not studied" in html  # strong so far, some topics not started
    assert "<title>" in html and "reviews on" in html


def test_reader_colours_paragraphs_by_mastery_and_links_a_review_of_each(app, client, auth):
    user = auth.login()
    studied_bank(app, user, 5)
    html = client.get("/read/china-and-nato").get_data(as_text=True)
    levels = re.findall(r'class="passage passage-\w+ mastery-(\w+)"', html)
    assert set(levels) <= {"weak", "fair", "good", "unseen"}
    assert "unseen" in levels and {"good", "fair", "weak"} & set(levels)
    # The figure after the review link says what it is (issue 12, finding 5).
    assert re.search(r"Review its \d+ questions? \(your mastery: \d+ of 100\)</a>", html)
    assert not re.search(r"questions? \(\d+\)", html)
    link = re.search(r'href="(/study/china-and-nato\?passage=(\d+))"', html)
    page = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert f"Paragraph {link.group(2)}: its" in page
    assert 'class="front"' in page


def test_anonymous_readers_get_no_heat_map(app, client):
    load_bank(app)
    html = client.get("/read/china-and-nato").get_data(as_text=True)
    assert "mastery-" not in html and "Review its" not in html


def test_review_weak_topics_is_one_click_to_a_focus_session(app, client, auth):
    auth.login()
    load_bank(app)
    response = client.get("/study/weak")
    assert response.status_code == 302
    target = response.headers["Location"]
    assert re.fullmatch(r"/study/china-and-nato\?topics=[a-z0-9,-]+", target.replace("%2C", ","))
    html = client.get(target).get_data(as_text=True)
    assert "Focus: " in html and 'class="front"' in html


def test_a_short_quiz_on_weak_topics_starts_with_immediate_feedback(app, client, auth):
    auth.login()
    load_bank(app)
    response = auth.post("/quizzes/weak")
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Check this answer" in html
    assert re.search(r"Question 1 of 10", html)


def failed_first_quiz(app, user) -> tuple[str, list[str]]:
    """The real bank; one quiz on the topic with the most facts, every answer wrong.

    Returns that topic's slug and the other topics' titles."""
    from quiz.core.quizbuild import Rules
    from quiz.models import Topic, User
    from quiz.services import quizzes
    from quiz.services.quizzes import Settings

    load_bank(app)
    with app.app_context():
        counts = db.session.execute(
            select(Topic.slug, Topic.title, func.count(func.distinct(Question.fact)))
            .join(Question, Question.topic_id == Topic.id)
            .where(Question.type == "mcq")
            .group_by(Topic.slug, Topic.title)
            .order_by(func.count(func.distinct(Question.fact)).desc(), Topic.slug)
        ).all()
        slug = counts[0][0]
        me = db.session.get(User, user.id)
        rules = Rules(topics=(slug,), types=("mcq",), count=5)
        attempt = quizzes.start_practice(me, "china-and-nato", rules, Settings(), rng=Random(1))
        for question_id in attempt.question_order:
            question = db.session.get(Question, question_id)
            wrong = next(o for o in question.payload["options"] if o != question.payload["answer"])
            quizzes.save_answer(me, attempt.id, question_id, wrong, 0)
        quizzes.finish(me, attempt.id)
        others = db.session.scalars(select(Topic.title).where(Topic.slug != slug)).all()
    return slug, others


def test_a_failed_topic_is_weak_and_topics_never_studied_are_not_started(app, client, auth):
    # Issue 12, finding 6: after a first session, ten never-studied topics ranked as weak,
    # above a topic with 0 % quiz accuracy, and "Review weak topics" drilled them.
    user = auth.login()
    slug, others = failed_first_quiz(app, user)
    html = client.get("/dashboard").get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert re.search(r"1 weak topic\b", text)
    assert "Low quiz accuracy (0 %) over 5 answers." in text
    assert "Review weak topics" in html
    not_started = html[html.index('id="not-started-title"') :]
    assert all(
        title.replace("’", "&rsquo;") in not_started or title in not_started for title in others
    )
    assert html.count('class="tag tag-weak"') == 1
    assert (
        "Not started" in text
        and "Weak topics come first, then topics you have not started." in text
    )

    # The drill: the weak topic first, then topics not started.
    target = client.get("/study/weak").headers["Location"].replace("%2C", ",")
    drilled = re.search(r"topics=([a-z0-9,-]+)", target).group(1).split(",")
    assert drilled[0] == slug and len(drilled) == 3

    # The short quiz: the weak topic only, since it holds 10 facts.
    response = auth.post("/quizzes/weak")
    attempt_id = int(re.search(r"/attempts/(\d+)/", response.headers["Location"]).group(1))
    with app.app_context():
        from quiz.models import Attempt, Topic

        order = db.session.get(Attempt, attempt_id).question_order
        topics = db.session.scalars(
            select(Topic.slug)
            .join(Question, Question.topic_id == Topic.id)
            .where(Question.id.in_(order))
        ).all()
    assert set(topics) == {slug} and len(order) == 10


def test_mastery_help_page_states_the_module_numbers(client):
    html = client.get("/help/mastery").get_data(as_text=True)
    assert "14" in html and "60" in html
