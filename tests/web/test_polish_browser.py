"""Issue 12: what students and instructors see on a phone and with the keyboard."""

import random
import re

import pytest

from quiz.models import Role
from tests.conftest import NOW, PASSWORD, load_bank, make_source, make_user

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


def shoot(page, name: str) -> None:
    """Save the page at 1280 and 390 px, light and dark, to look at (in /tmp/shots)."""
    size = page.viewport_size
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            page.screenshot(path=f"/tmp/shots/{name}-{width}-{scheme}.png", full_page=True)
    page.emulate_media(color_scheme="light")
    page.set_viewport_size(size)


def log_in_by_keyboard(page, user) -> None:
    page.goto("/auth/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$"))


def test_a_keyboard_only_student_studies_typed_and_untyped_cards(app, page, auth):
    """Cards 1 and 2 can be typed in and arrive after a rating (issue 12, findings 1 and 5)."""
    from sqlalchemy import update

    from quiz.db import db
    from quiz.models import Question

    user = auth.login()
    ids = make_source(app, 4)
    with app.app_context():
        db.session.execute(
            update(Question)
            .where(Question.id.in_(ids[1:3]))
            .values(type="short", payload={"answers": ["Right"]})
        )
        db.session.commit()
    log_in_by_keyboard(page, user)
    page.goto("/study/deck")
    page.evaluate("window.sameDocument = true")  # lost if any step reloads the page
    clicks = []
    page.on("console", lambda message: clicks.append(message.text))
    page.evaluate(
        "document.addEventListener('mousedown', () => console.log('mouse'), true);"
        "document.addEventListener('click', e => { if (e.detail) console.log('mouse'); }, true)"
    )
    keys = page.locator("#keys")
    front = page.locator(".front")
    back = page.locator("#back")

    # Counts say what they count, on screen.
    assert page.locator("#counts").inner_text() == "Left today: 0 to review · 0 in learning · 4 new"
    # An untyped card: the legend has no typing keys.
    assert front.inner_text() == "Question 0?"
    assert keys.inner_text() == (
        "Keys: Space show answer · 1 Again · 2 Hard · 3 Good · 4 Easy · U undo"
    )
    page.keyboard.press("Space")
    back.wait_for()
    page.keyboard.press("4")

    # A typed card after a rating: Space shows the answer, as the legend says.
    front.filter(has_text="Question 1?").wait_for()
    assert keys.inner_text() == (
        "Keys: Space show answer · T type your answer, then Enter check it or Esc back to"
        " these keys · 1 Again · 2 Hard · 3 Good · 4 Easy · U undo"
    )
    shoot(page, "study-typed-card")
    page.keyboard.press("t")  # into the box, and out again with Esc
    assert page.evaluate("document.activeElement.name") == "typed"
    assert page.get_by_label("Type your answer (optional)").input_value() == ""
    page.keyboard.press("Escape")
    page.keyboard.press("Space")
    back.wait_for()
    assert page.get_by_label("Type your answer (optional)").is_hidden()
    page.keyboard.press("4")

    # A typed card, typed: T, the answer, Enter checks it; the suggested rating is a key away.
    front.filter(has_text="Question 2?").wait_for()
    page.keyboard.press("t")
    page.keyboard.type("Right")
    page.keyboard.press("Enter")
    page.locator(
        ".typed-result", has_text="You typed “Right”: Right. Suggested rating: Good."
    ).wait_for()
    assert page.locator("#study-announce").inner_text() == (
        "You typed “Right”: Right. Suggested rating: Good."
    )  # and a screen reader hears it
    shoot(page, "study-typed-checked")
    page.keyboard.press("3")

    front.filter(has_text="Question 3?").wait_for()
    page.keyboard.press("t")  # nothing to type in on this card: nothing happens
    assert back.is_hidden()
    page.keyboard.press("Space")
    back.wait_for()
    page.keyboard.press("4")
    front.filter(has_text="Question 2?").wait_for()  # back from its learning step
    assert page.locator("#counts").inner_text() == (
        "Left today: 0 to review · 1 in learning · 0 new"
    )
    assert page.evaluate("window.sameDocument === true")
    assert clicks == []


def test_a_disabled_previous_looks_disabled_and_a_half_done_ordering_saves(app, page, auth):
    """Issue 12, findings 7 and 4, as the browser shows them."""
    from tests.web.test_quiz_pages import one_per_type, start_fixed

    user = auth.login()
    questions = one_per_type(app)
    mcq, ordering = questions[0], next(q for q in questions if q.type == "ordering")
    attempt_id = start_fixed(app, user, [mcq, ordering])
    log_in_by_keyboard(page, user)
    style = """b => { const s = getComputedStyle(b);
        return [s.cursor, s.borderStyle, s.color, s.backgroundColor]; }"""

    page.goto(f"/attempts/{attempt_id}/q/1")
    previous = page.get_by_role("button", name="← Previous")
    assert previous.is_disabled()
    disabled = previous.evaluate(style)
    shoot(page, "quiz-first-question")
    page.goto(f"/attempts/{attempt_id}/q/2")
    assert previous.is_enabled()
    enabled = previous.evaluate(style)
    assert disabled[:2] == ["not-allowed", "dashed"]
    assert enabled[:2] == ["pointer", "solid"]
    assert disabled[2] != enabled[2]  # grey text, not the accent colour

    # One item placed of several: a draft, saved without a word of error.
    first = page.locator("select[name^=pos-]").first
    first.focus()
    first.select_option("1")
    page.locator("#save-status").filter(has_text="Saved").wait_for()
    shoot(page, "quiz-ordering-draft")
    page.reload()
    assert page.locator("select[name^=pos-]").first.input_value() == "1"
    assert page.locator("select[name^=pos-]").nth(1).input_value() == ""


CONTRAST = """
() => {
  const luminance = (css) => {
    const [r, g, b] = css.match(/[\\d.]+/g).slice(0, 3).map(Number).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  return [...document.querySelectorAll("mark.quote")].map((mark) => {
    const style = getComputedStyle(mark);
    const [a, b] = [luminance(style.color), luminance(style.backgroundColor)];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  });
}
"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_highlighted_quotes_keep_text_readable_in_both_schemes(app, browser, live_server, scheme):
    # Issue 12, finding 3: grey text on the dark highlight was 3.6:1 (axe color-contrast).
    load_bank(app)
    context, page = open_as(browser, live_server, make_user(app), scheme=scheme)
    try:
        page.goto("/read/china-and-nato")
        ratios = page.evaluate(CONTRAST)
        assert len(ratios) > 10  # the note's sample and the quoted passages
        assert min(ratios) >= 4.5, sorted(ratios)[:3]
    finally:
        context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_phone_menu_takes_one_line_and_opens_without_javascript(
    app, browser, live_server, javascript
):
    # Issue 12, finding 8: on a phone the menu took 3 or 4 lines before any content.
    user = make_user(app, role=Role.INSTRUCTOR)
    context = browser.new_context(
        base_url=live_server, viewport=PHONE, java_script_enabled=javascript
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        log_in_by_keyboard(page, user)
        page.goto("/dashboard")
        header = page.locator(".site-header").bounding_box()
        brand = page.locator(".brand").bounding_box()
        menu = page.get_by_text("Menu", exact=True)
        # One line: the brand and the menu button side by side, nothing below them.
        assert header["height"] < 2 * menu.bounding_box()["height"], header
        assert abs(menu.bounding_box()["y"] - brand["y"]) < brand["height"]
        assert page.locator("h1").bounding_box()["y"] < header["height"] + 60
        assert page.get_by_role("link", name="Study").is_hidden()
        assert page.get_by_role("button", name="Log out").is_hidden()
        shoot(page, f"phone-menu-closed-{'js' if javascript else 'nojs'}")

        menu.focus()  # the keyboard opens it, as a tap would
        page.keyboard.press("Enter")
        study = page.get_by_role("link", name="Study")
        study.wait_for()
        for name in ("Home", "Questions", "Read", "Progress", "Quizzes", "Assignments", "Teach"):
            assert page.get_by_role("link", name=name, exact=True).is_visible()
        assert page.get_by_role("button", name="Log out").is_visible()
        page.screenshot(path=f"/tmp/shots/phone-menu-open-{javascript}.png")
        assert page_width(page) <= 390
        if javascript:  # Esc closes it and gives the focus back to the button
            page.keyboard.press("Escape")
            assert study.is_hidden()
            assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
            page.keyboard.press("Enter")
        study.focus()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/study/$"))

        page.set_viewport_size({"width": 1280, "height": 900})  # wide: the links in a row
        assert page.get_by_text("Menu", exact=True).is_hidden()
        assert page.get_by_role("link", name="Progress").is_visible()
    finally:
        context.close()
