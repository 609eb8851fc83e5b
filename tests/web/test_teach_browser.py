import csv
import io
import re

import pytest

from quiz.models import Role
from tests.conftest import PASSWORD, make_source, make_user

pytestmark = pytest.mark.browser


def open_as(browser, live_server, user):
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/auth/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))
    return context, page


def take_assignment(page, right_answers: int):
    page.goto("/assignments/")
    page.get_by_role("button", name="Start").click()
    for number in range(1, 6):
        page.wait_for_url(re.compile(rf"/q/{number}$"))
        page.get_by_role(
            "radio", name="Right" if number <= right_answers else "Wrong", exact=True
        ).check()
        page.get_by_role("button", name="Review and submit →" if number == 5 else "Next →").click()
    page.wait_for_url(re.compile(r"/summary$"))
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit all and finish").click()
    page.wait_for_url(re.compile(r"/result$"))
    return page.locator(".score").inner_text()


def test_an_instructor_runs_an_assignment_from_class_to_gradebook(browser, live_server, app):
    teacher = make_user(app, role=Role.INSTRUCTOR, name="Prof Chen")
    ana = make_user(app, name="Ana Student")
    ben = make_user(app, name="Ben Student")
    make_source(app, 6)
    contexts = []
    try:
        context, prof = open_as(browser, live_server, teacher)
        contexts.append(context)
        prof.get_by_role("link", name="Teach").click()
        prof.get_by_label("Class name").fill("Period 3")
        prof.get_by_role("button", name="Create the class").click()
        code = prof.locator("#join-code").inner_text()
        class_url = prof.url

        students = {}
        for student in (ana, ben):
            context, page = open_as(browser, live_server, student)
            contexts.append(context)
            page.get_by_role("link", name="Assignments").click()
            page.get_by_label("Join code").fill(code)
            page.get_by_role("button", name="Join").click()
            page.get_by_text("You joined Period 3.").wait_for()
            students[student.name] = page

        prof.goto(class_url)
        prof.get_by_role("link", name="New assignment").click()
        prof.get_by_label("Title").fill("Week 1 check")
        prof.get_by_label("The questions I pick").check()
        for n in range(5):
            prof.get_by_label(f"Question {n}?", exact=True).check()
        prof.get_by_role("button", name="Create the assignment").click()
        prof.get_by_text("Assignment “Week 1 check” created.").wait_for()
        prof.get_by_label("Student").select_option(label=f"Ana Student ({ana.email})")
        prof.get_by_label("Extra minutes").fill("15")
        prof.get_by_role("button", name="Save override").click()
        prof.get_by_text("Override saved.").wait_for()
        assert prof.locator("table").get_by_text("15 min").is_visible()

        assert take_assignment(students["Ana Student"], 5) == "5 / 5 points · 100%"
        assert take_assignment(students["Ben Student"], 2) == "2 / 5 points · 40%"

        prof.goto(class_url)
        prof.get_by_role("link", name="Gradebook").click()
        rows = prof.locator("table.gradebook tbody tr")
        assert rows.nth(0).inner_text().split()[:3] == ["Ana", "Student", "100.0%"]
        assert rows.nth(1).inner_text().split()[:3] == ["Ben", "Student", "40.0%"]
        assert "70.0%" in prof.locator("table.gradebook tfoot").inner_text()
        with prof.expect_download() as download:
            prof.get_by_role("link", name="Download CSV").click()
        text = download.value.path().read_text(encoding="utf-8-sig")
        table = list(csv.reader(io.StringIO(text)))
        assert table[0] == [
            "Student",
            "E-mail",
            "Week 1 check (%)",
            "Week 1 check (status)",
            "Average (%)",
        ]
        assert table[1][:4] == ["Ana Student", ana.email, "100.0", "submitted"]

        prof.goto(class_url)
        prof.get_by_role("link", name="item analysis").click()
        prof.get_by_role("heading", name="Item analysis").wait_for()
        assert prof.locator("section.item").count() == 5
        assert "Attempts" in prof.locator("dl.facts").first.inner_text()
    finally:
        for context in contexts:
            context.close()


def test_item_analysis_fits_a_390_pixel_phone_without_sideways_scrolling(browser, live_server, app):
    """Every question type of the real bank, with long prompts and options, at 390 px."""
    import random

    from sqlalchemy import select

    from quiz.db import db
    from quiz.models import Question, User
    from quiz.services import classes, quizzes
    from quiz.services.classes import AssignmentSettings
    from tests.conftest import NOW, load_bank

    load_bank(app)
    teacher = make_user(app, role=Role.INSTRUCTOR)
    students = [make_user(app, name=f"Student {n}") for n in range(4)]
    with app.app_context():
        me = lambda user: db.session.get(User, user.id)  # noqa: E731
        picked, facts = {}, set()
        for q in db.session.scalars(select(Question).order_by(Question.id)):
            if q.type not in picked and q.fact not in facts:  # one per fact, as assigned
                picked[q.type] = q
                facts.add(q.fact)
        classroom = classes.create_class(me(teacher), "Period 3")
        for student in students:
            classes.join(me(student), classroom.join_code)
        quiz = classes.create_assignment(
            me(teacher),
            classroom.id,
            "china-and-nato",
            AssignmentSettings(title="Every type", shuffle=False),
            question_ids=[q.id for q in picked.values()],
        )
        for n, student in enumerate(students):
            attempt = classes.start_assignment(me(student), quiz.id, now=NOW, rng=random.Random(n))
            for q in picked.values():
                quizzes.save_answer(me(student), attempt.id, q.id, response(q, n), 0, now=NOW)
            quizzes.finish(me(student), attempt.id, now=NOW)
    context, prof = open_as(browser, live_server, teacher)
    try:
        prof.set_viewport_size({"width": 390, "height": 844})
        prof.goto(f"/teach/assignments/{quiz.id}/analysis")
        prof.get_by_role("heading", name="Item analysis").wait_for()
        assert prof.locator("section.item").count() == len(picked) == 8
        assert prof.locator("table.responses").count() == 8
        width = prof.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width} px wide"
        # Nor does any part of it scroll sideways on its own (a wide table in a scroll box).
        scrollers = prof.evaluate(
            """[...document.querySelectorAll('*')]
                .filter(e => e.scrollWidth > e.clientWidth + 1
                             && getComputedStyle(e).overflowX !== 'visible')
                .map(e => e.tagName + '.' + e.className)"""
        )
        assert scrollers == []
    finally:
        context.close()


def response(q, n: int):
    """A right answer for even students, a wrong (or partly wrong) one for odd ones."""
    p, right = q.payload, n % 2 == 0
    if q.type == "mcq":
        return p["answer"] if right else next(o for o in p["options"] if o != p["answer"])
    if q.type == "multi":
        return list(p["answers"]) if right else [p["options"][-1]]
    if q.type == "true_false":
        return p["answer"] if right else not p["answer"]
    if q.type == "short":
        return p["answers"][0] if right else "Somebody else entirely"
    if q.type == "numeric":
        return p["answer"] if right else p["answer"] + 1000
    if q.type == "matching":
        rights = [r for _, r in p["pairs"]]
        return {
            left: rights[(i + (0 if right else 1)) % len(rights)]
            for i, (left, _) in enumerate(p["pairs"])
        }
    if q.type == "ordering":
        return list(p["items"]) if right else list(reversed(p["items"]))
    return [b[0] if right else "a long wrong answer typed in a blank" for b in p["blanks"]]
