"""Issue 12: a student who uses only the keyboard studies every kind of card and finishes a
quiz of every question type; not one mouse event is fired."""

import re

import pytest
from sqlalchemy import select, update

from quiz.bank.schema import TYPES
from quiz.db import db
from quiz.models import Question
from tests.conftest import make_source
from tests.web.test_polish_browser import log_in_by_keyboard
from tests.web.test_quiz_pages import one_per_type, start_fixed

pytestmark = pytest.mark.browser

TYPED = ("short", "numeric", "cloze")  # the cards that can be typed in
# Any mouse event, on any page the context opens, is logged to the console.
WATCH_MOUSE = """
for (const type of ["mousedown", "mouseup", "pointerdown", "click", "contextmenu"]) {
  document.addEventListener(type, (event) => {
    // A click a key sets off (Enter on a button, Space on a box) has detail 0.
    if (type !== "click" || event.detail) console.log("mouse " + type);
  }, true);
}
"""


def keyboard_page(browser, live_server):
    context = browser.new_context(base_url=live_server)
    context.add_init_script(WATCH_MOUSE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.mouse_events = []
    page.on("console", lambda m: m.text.startswith("mouse") and page.mouse_events.append(m.text))
    return page


def tab_to(page, target, limit: int = 120) -> None:
    """Press Tab until the target has the focus, as a keyboard user moves through a page;
    on a page just opened, take the skip link past the menu first."""
    if page.evaluate("document.activeElement === document.body"):
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"
        page.keyboard.press("Enter")
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def typed_answer(q: Question) -> list[str]:
    p = q.payload
    if q.type == "short":
        return [p["answers"][0]]
    if q.type == "numeric":
        return [f"{p['answer']:g}"]
    return [accepted[0] for accepted in p["blanks"]]


def twenty_cards_of_every_type(app) -> dict[str, Question]:
    """A deck of 20 new cards, copies of bank questions, every type among them; by front."""
    bank = one_per_type(app)
    with app.app_context():
        extra = db.session.scalars(
            select(Question).where(Question.id.not_in([q.id for q in bank])).order_by(Question.id)
        ).all()
    chosen = [*bank, *[q for q in extra if q.type in TYPED][:6]]
    chosen += [q for q in extra if q not in chosen][: 20 - len(chosen)]
    ids = make_source(app, len(chosen))
    with app.app_context():
        for deck_id, q in zip(ids, chosen, strict=True):
            db.session.execute(
                update(Question)
                .where(Question.id == deck_id)
                .values(
                    type=q.type,
                    payload=q.payload,
                    prompt=q.prompt,
                    card_front=q.card_front,
                    card_back=q.card_back,
                )
            )
        db.session.commit()
    fronts = {q.card_front.strip(): q for q in chosen}
    assert len(fronts) == 20 and {q.type for q in chosen} == set(TYPES)
    return fronts


def answer_by_keyboard(page, q: Question) -> None:
    """Give the right answer to the quiz question on the page with keys only."""
    p = q.payload
    if q.type in ("mcq", "true_false"):
        right = p["answer"] if q.type == "mcq" else ("True" if p["answer"] else "False")
        radio = page.get_by_role("radio", name=right, exact=True)
        tab_to(page, page.locator("input[name=response]").first)
        for _ in range(10):  # the arrows move through the group, choosing as they go
            if radio.is_checked():
                break
            page.keyboard.press("ArrowDown")
        assert radio.is_checked()
    elif q.type == "multi":
        for option in p["answers"]:
            tab_to(page, page.get_by_role("checkbox", name=option, exact=True))
            page.keyboard.press("Space")
    elif q.type in ("short", "numeric"):
        tab_to(page, page.locator("input[name=response]"))
        page.keyboard.type(typed_answer(q)[0])
    elif q.type == "cloze":
        for n, text in enumerate(typed_answer(q)):
            tab_to(page, page.locator("input.blank").nth(n))
            page.keyboard.type(text)
    else:
        wanted = (
            [(page.get_by_label(left, exact=True), right) for left, right in p["pairs"]]
            if q.type == "matching"
            else [
                (page.get_by_label(f"Position of: {item}", exact=True), str(n))
                for n, item in enumerate(p["items"], start=1)
            ]
        )
        for select_box, label in wanted:
            tab_to(page, select_box)
            for _ in range(12):  # a closed select steps through its options with the arrows
                if select_box.evaluate("s => s.selectedOptions[0].label") == label:
                    break
                page.keyboard.press("ArrowDown")
            assert select_box.evaluate("s => s.selectedOptions[0].label") == label


def test_a_keyboard_only_student_studies_20_cards_and_finishes_a_quiz_of_every_type(
    app, browser, live_server, auth
):
    user = auth.login()
    fronts = twenty_cards_of_every_type(app)
    page = keyboard_page(browser, live_server)
    try:
        log_in_by_keyboard(page, user)
        page.goto("/study/deck")
        seen = []
        for _ in range(20):
            q = fronts[page.locator(".front").inner_text().strip()]
            seen.append(q.type)
            if q.type in TYPED:  # T, the answer (Tab between blanks), Enter checks it
                page.keyboard.press("t")
                for n, text in enumerate(typed_answer(q)):
                    if n:
                        page.keyboard.press("Tab")
                    page.keyboard.type(text)
                page.keyboard.press("Enter")
                page.locator(".typed-result").filter(has_text="Suggested rating").wait_for()
            else:
                page.keyboard.press("Space")
                page.locator("#back").wait_for()
            front = page.locator(".front").inner_text()
            page.keyboard.press("4")  # Easy: not seen again today
            page.wait_for_function(
                """old => !document.querySelector('.front')
                       || document.querySelector('.front').innerText !== old""",
                arg=front,
            )
        page.get_by_role("heading", name="Well done: that is all for now.").wait_for()
        assert set(seen) == set(TYPES) and len(seen) == 20

        questions = one_per_type(app)
        attempt_id = start_fixed(app, user, questions, shuffle=False)
        page.goto(f"/attempts/{attempt_id}")
        for number, q in enumerate(questions, start=1):
            page.wait_for_url(re.compile(rf"/q/{number}$"))
            answer_by_keyboard(page, q)
            name = "Review and submit →" if number == len(questions) else "Next →"
            tab_to(page, page.get_by_role("button", name=name))
            page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/summary$"))
        page.on("dialog", lambda dialog: dialog.accept())
        tab_to(page, page.get_by_role("button", name="Submit all and finish"))
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/result$"))
        assert page.locator(".score").inner_text() == "8 / 8 points · 100%"
        assert page.mouse_events == []
    finally:
        page.context.close()
