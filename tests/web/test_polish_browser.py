"""Issue 12: what students and instructors see on a phone and with the keyboard."""

import random
import re

import pytest

from quiz.models import Role
from tests.conftest import NOW, PASSWORD, load_bank, make_user

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def open_as(browser, live_server, user, viewport=None, scheme="light"):
    context = browser.new_context(
        base_url=live_server,
        viewport=viewport or {"width": 1280, "height": 900},
        color_scheme=scheme,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/auth/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))
    return context, page


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.fixture
def taught_class(app):
    """A class on the real bank, 3 students with long names, an assignment two have taken."""
    from sqlalchemy import select

    from quiz.db import db
    from quiz.models import Question, User
    from quiz.services import classes, quizzes
    from quiz.services.classes import AssignmentSettings

    load_bank(app)
    teacher = make_user(app, role=Role.INSTRUCTOR, name="Professor Wilhelmina Chen-Abernathy")
    students = [
        make_user(
            app,
            email=f"a.rather.long.student.address.{n}@university-of-somewhere.example.org",
            name=f"Maximiliana Student-Longname {n}",
        )
        for n in range(3)
    ]
    with app.app_context():
        me = lambda user: db.session.get(User, user.id)  # noqa: E731
        picked, facts = [], set()
        for q in db.session.scalars(select(Question).where(Question.type == "mcq")):
            if q.fact not in facts and len(picked) < 5:
                picked.append(q)
                facts.add(q.fact)
        classroom = classes.create_class(me(teacher), "Period 3: Grappling with Beijing")
        for student in students:
            classes.join(me(student), classroom.join_code)
        quiz = classes.create_assignment(
            me(teacher),
            classroom.id,
            "china-and-nato",
            AssignmentSettings(title="Week 1 check on the whole article", shuffle=False),
            question_ids=[q.id for q in picked],
        )
        for n, student in enumerate(students[:2]):
            attempt = classes.start_assignment(me(student), quiz.id, now=NOW, rng=random.Random(n))
            for q in picked:
                quizzes.save_answer(me(student), attempt.id, q.id, q.payload["answer"], 0, now=NOW)
            quizzes.finish(me(student), attempt.id, now=NOW)
    return teacher, students, classroom.id


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_class_pages_fit_a_390_pixel_phone(browser, live_server, taught_class, scheme):
    teacher, students, class_id = taught_class
    for user, path in [
        (students[2], "/assignments/"),
        (teacher, f"/teach/classes/{class_id}"),
        (teacher, f"/teach/classes/{class_id}/topics"),
    ]:
        context, page = open_as(browser, live_server, user, PHONE, scheme)
        try:
            page.goto(path)
            name = path.strip("/").replace("/", "-")
            page.screenshot(path=f"/tmp/shots/{name}-390-{scheme}.png", full_page=True)
            assert page_width(page) <= 390, f"{path} is {page_width(page)} px wide"
            page.set_viewport_size({"width": 1280, "height": 900})
            page.screenshot(path=f"/tmp/shots/{name}-1280-{scheme}.png", full_page=True)
        finally:
            context.close()
