import re

import pytest
from sqlalchemy import select

from quiz.db import db
from quiz.models import Question
from tests.conftest import PASSWORD
from tests.web.test_quiz_pages import one_per_type, start_fixed

pytestmark = pytest.mark.browser


def ten_questions(app) -> list[Question]:
    """One question of every type, plus two more, all of different facts."""
    chosen = one_per_type(app)
    facts = {q.fact for q in chosen}
    with app.app_context():
        for type_ in ("mcq", "cloze"):
            extra = next(
                q
                for q in db.session.scalars(
                    select(Question).where(Question.type == type_).order_by(Question.id.desc())
                )
                if q.fact not in facts
            )
            facts.add(extra.fact)
            chosen.append(extra)
    return chosen


def answer(page, q: Question) -> None:
    """Give the right answer to the question on the page, as a student would."""
    p = q.payload
    if q.type == "mcq":
        page.get_by_role("radio", name=p["answer"], exact=True).check()
    elif q.type == "multi":
        for option in p["answers"]:
            page.get_by_role("checkbox", name=option, exact=True).check()
    elif q.type == "true_false":
        page.get_by_role("radio", name="True" if p["answer"] else "False", exact=True).check()
    elif q.type in ("short", "numeric"):
        value = p["answers"][0] if q.type == "short" else f"{p['answer']:g}"
        page.locator("input[name=response]").fill(value)
    elif q.type == "matching":
        for left, right in p["pairs"]:
            page.get_by_label(left, exact=True).select_option(label=right)
    elif q.type == "ordering":
        for position, item in enumerate(p["items"], start=1):
            page.get_by_label(f"Position of: {item}", exact=True).select_option(str(position))
    elif q.type == "cloze":
        for i, accepted in enumerate(p["blanks"]):
            page.locator("input.blank").nth(i).fill(accepted[0])


def log_in(page, user):
    page.goto("/auth/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))


def take_quiz(page, app, auth, javascript: bool):
    user = auth.login()
    questions = ten_questions(app)
    attempt_id = start_fixed(app, user, questions)
    log_in(page, user)
    page.goto(f"/attempts/{attempt_id}")
    for number, q in enumerate(questions, start=1):
        page.wait_for_url(re.compile(rf"/attempts/{attempt_id}/q/{number}$"))
        assert page.locator(".meta").inner_text().startswith(f"Question {number} of 10")
        answer(page, q)
        if number == 5:
            if javascript:
                page.get_by_text(re.compile(r"^Saved ")).wait_for()  # autosaved, not yet moved on
            else:
                page.get_by_role("button", name="Next →").click()
                page.wait_for_url(re.compile(rf"/q/{number + 1}$"))
            page.reload()
            page.goto(f"/attempts/{attempt_id}")  # closing the browser and coming back resumes
            page.wait_for_url(re.compile(rf"/q/{number + 1}$"))
            page.goto(f"/attempts/{attempt_id}/q/3")  # earlier answers are still there
            assert page.locator("input:checked, input[name=response]").count() > 0
            page.goto(f"/attempts/{attempt_id}/q/{number + 1}")
            continue
        last = number == 10
        page.get_by_role("button", name="Review and submit →" if last else "Next →").click()
    page.wait_for_url(re.compile(rf"/attempts/{attempt_id}/summary$"))
    assert page.get_by_text("10 of 10 answered.").is_visible()
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit all and finish").click()
    page.wait_for_url(re.compile(rf"/attempts/{attempt_id}/result$"))
    assert page.locator(".score").inner_text() == "10 / 10 points · 100%"
    items = page.locator(".review-item")
    assert items.count() == 10
    assert items.first.get_by_role("link", name="Read in context").is_visible()
    shown = items.nth(9).locator(".explanation").inner_text()
    assert shown.split() == questions[9].explanation.split()


def test_a_ten_question_quiz_of_every_type_resumes_after_a_reload(page, app, auth):
    take_quiz(page, app, auth, javascript=True)


def test_the_same_quiz_works_without_javascript(browser, live_server, app, auth):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        take_quiz(page, app, auth, javascript=False)
    finally:
        context.close()
