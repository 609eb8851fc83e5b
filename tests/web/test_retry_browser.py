"""Requests lost on the way: the pages send again what is safe to send twice (app.js) and say
"Reconnecting…" meanwhile. A gunicorn worker killed in the middle of a quiz: the student
sees no error and loses nothing."""

import os
import random
import re
import signal
from contextlib import suppress

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from quiz.core.quizbuild import Rules
from quiz.db import db
from quiz.models import Answer, Attempt, ReviewLog, User
from quiz.services import quizzes
from tests.conftest import make_source, make_user
from tests.server import gunicorn
from tests.web.test_quiz_browser import log_in

pytestmark = pytest.mark.browser
ERRORS = re.compile(r"can.t be reached|ERR_|out of date|Not saved|went wrong", re.I)


def lose_first_reply(lost: list):
    """Return a route handler: the first POST reaches the server, its reply never arrives."""

    def handle(route):
        if route.request.method == "POST" and not lost:
            route.fetch()  # the server handles it...
            lost.append(route.request.url)
            route.abort("connectionreset")  # ...and the page sees the connection reset
        else:
            route.continue_()

    return handle


def test_a_worker_killed_mid_quiz_costs_the_student_nothing(app, browser, tmp_path):
    user = make_user(app)
    make_source(app, 6)
    with app.app_context():
        student = db.session.get(User, user.id)
        attempt_id = quizzes.start_practice(
            student, "deck", Rules(count=5), quizzes.Settings(), rng=random.Random(1)
        ).id
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with gunicorn(url, tmp_path, workers=1) as server:
        context = browser.new_context(base_url=server.url)
        page = context.new_page()
        page.set_default_timeout(60_000)  # a new worker boots on a busy machine
        page.on("dialog", lambda dialog: dialog.accept())
        log_in(page, user)
        page.goto(f"/attempts/{attempt_id}/q/1")

        # A save whose reply is lost (the server saved it) is sent again, and taken as saved.
        page.route(re.compile(r"/q/1$"), lose_first_reply(reset := []))
        page.evaluate("window.sameDocument = true")  # lost if the page reloads
        page.get_by_role("radio", name="Right", exact=True).check()
        expect(page.locator("#connection")).to_be_visible()
        expect(page.locator("#save-status")).to_have_text(re.compile(r"^Saved \d"))
        expect(page.locator("#connection")).to_be_hidden()
        assert page.evaluate("window.sameDocument === true")  # no "out of date" and reload
        page.unroute(re.compile(r"/q/1$"))
        assert reset

        # The one worker is killed while it holds the request for the next question.
        [worker] = server.workers()
        os.kill(worker, signal.SIGSTOP)
        with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/q/1")):
            page.get_by_role("button", name="Next →").click()
        with suppress(ProcessLookupError):  # gunicorn's own timeout may have been first
            os.kill(worker, signal.SIGKILL)
        page.wait_for_url(re.compile(rf"/attempts/{attempt_id}/q/2$"))
        expect(page.locator(".meta")).to_contain_text("Question 2 of 5")
        assert server.wait_for_workers(1, other_than=(worker,))

        page.get_by_role("radio", name="Right", exact=True).check()
        page.get_by_role("button", name="Review and submit", exact=True).click()
        page.wait_for_url(re.compile(r"/summary$"))
        page.get_by_role("button", name="Submit all and finish").click()
        page.wait_for_url(re.compile(rf"/attempts/{attempt_id}/result$"))
        expect(page.locator(".score")).to_have_text("2 / 5 points · 40%")
        assert not ERRORS.search(page.locator("body").inner_text())
        context.close()
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert (attempt.state, attempt.score, attempt.closed_by) == ("finished", 2.0, "student")
        saved = db.session.scalars(
            select(Answer.response).where(Answer.attempt_id == attempt_id).order_by(Answer.id)
        ).all()
        assert sorted(r for r in saved if r) == ["Right", "Right"]


def test_a_rating_whose_reply_is_lost_is_applied_once(app, page, auth):
    from tests.conftest import PASSWORD

    user = auth.login()
    make_source(app, 3)
    page.goto("/auth/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/")
    page.goto("/study/deck")
    page.evaluate("window.sameDocument = true")  # lost if the page reloads
    page.route(re.compile(r"/study/deck/review"), lose_first_reply(lost := []))
    page.keyboard.press("Space")
    page.keyboard.press("4")
    expect(page.locator("#connection")).to_be_visible()
    page.locator(".front").filter(has_text="Question 1?").wait_for()
    expect(page.locator("#connection")).to_be_hidden()
    assert lost and page.evaluate("window.sameDocument === true")
    with app.app_context():
        logs = db.session.scalars(select(ReviewLog).where(ReviewLog.user_id == user.id)).all()
        assert [(log.question_id, log.rating) for log in logs] == [(logs[0].question_id, 4)]
