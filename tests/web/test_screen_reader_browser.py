"""Issue 12: what a screen reader hears, through polite live regions, in the browser."""

import random
import re
from datetime import UTC, datetime

import pytest

from quiz.db import db
from quiz.models import User
from quiz.services import quizzes
from tests.conftest import make_source
from tests.web.test_polish_browser import log_in_by_keyboard

pytestmark = pytest.mark.browser


def polite(page, selector: str) -> str:
    """Return the live region's text, after checking it is one (aria-live="polite")."""
    region = page.locator(selector)
    assert region.get_attribute("aria-live") == "polite"
    return region.inner_text().strip()


def test_a_card_swap_is_announced_and_the_legend_drops_space_once_the_answer_shows(app, page, auth):
    user = auth.login()
    make_source(app, 3)
    log_in_by_keyboard(page, user)
    page.goto("/study/deck")
    assert polite(page, "#study-announce") == ""
    page.keyboard.press("Space")
    page.locator("#back").wait_for()
    # The answer is shown: Space no longer shows it, and the legend says so.
    assert page.locator("#keys").inner_text() == (
        "Keys: 1 Again · 2 Hard · 3 Good · 4 Easy · U undo"
    )
    page.keyboard.press("4")
    page.locator(".front").filter(has_text="Question 1?").wait_for()
    assert polite(page, "#study-announce") == "Next card: Question 1?"
    assert page.locator("#keys").inner_text().startswith("Keys: Space show answer · 1 Again")

    page.goto("/study/deck?show=" + page.locator("input[name=question_id]").input_value())
    assert page.locator("#keys").inner_text() == (  # revealed by the server, without a key
        "Keys: 1 Again · 2 Hard · 3 Good · 4 Easy · U undo"
    )


def test_a_saved_answer_and_the_5_and_1_minute_warnings_are_announced(app, page, auth):
    user = auth.login()
    make_source(app, 6)
    with app.app_context():
        attempt = quizzes.start_practice(
            db.session.get(User, user.id),
            "deck",
            quizzes.Rules(count=5),
            quizzes.Settings(time_limit_min=6),
            rng=random.Random(1),
        )
    log_in_by_keyboard(page, user)
    page.clock.install(time=datetime.now(UTC))
    page.goto(f"/attempts/{attempt.id}/q/1")
    assert polite(page, "#save-status") == ""
    page.get_by_role("radio", name="Right").check()
    page.locator("#save-status").filter(has_text=re.compile(r"^Saved ")).wait_for()

    page.clock.run_for(2000)
    assert polite(page, "#timer-warning") == ""  # nearly 6 minutes left: nothing to say
    page.clock.fast_forward("01:05")
    page.clock.run_for(1000)
    assert polite(page, "#timer-warning") == "5 minutes left."
    page.clock.fast_forward("01:00")
    page.clock.run_for(1000)
    assert polite(page, "#timer-warning") == "5 minutes left."  # said once, not every second
    page.clock.fast_forward("03:00")
    page.clock.run_for(1000)
    assert polite(page, "#timer-warning") == "1 minute left."
    assert "timer-low" in page.locator("#timer").get_attribute("class")
