import pytest

from tests.conftest import make_source

pytestmark = pytest.mark.browser


def test_study_ten_cards_with_the_keyboard_only(app, page, auth):
    from tests.conftest import PASSWORD

    user = auth.login()  # creates the account; the browser logs in through the form
    make_source(app, 10)
    page.goto("/auth/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/")
    page.goto("/study/deck")
    page.evaluate("window.sameDocument = true")  # lost if any step reloads the page

    fronts = []
    for n in range(10):
        front = page.locator(".front")
        fronts.append(front.inner_text())
        assert page.locator("#back").is_hidden()
        page.keyboard.press("Space")
        assert page.locator("#back").is_visible()
        if n == 3:
            page.keyboard.press("1")  # Again: the card goes back to learning...
            page.locator(".front").filter(has_text="Question 4?").wait_for()
            page.keyboard.press("u")  # ...and undo brings it back, unrated
            page.get_by_text("Last review undone.").wait_for()
            assert page.locator(".front").inner_text() == "Question 3?"
            page.keyboard.press("Space")
        page.keyboard.press("4")  # Easy: graduates at once, not seen again today
        if n < 9:
            page.locator(".front").filter(has_text=f"Question {n + 1}?").wait_for()

    page.get_by_role("heading", name="Well done: that is all for now.").wait_for()
    assert fronts == [f"Question {n}?" for n in range(10)]
    figures = page.locator(".summary-figures")
    assert figures.locator("div", has_text="Cards studied today").locator("dd").inner_text() == "10"
    assert figures.locator(".rated-easy dd").inner_text() == "10"
    assert figures.locator(".rated-again dd").inner_text() == "0"
    assert page.evaluate("window.sameDocument === true")


def test_flashcards_work_without_javascript(browser, live_server, app, auth):
    from tests.conftest import PASSWORD

    user = auth.login()
    make_source(app, 3)
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto("/auth/login")
        page.get_by_label("E-mail").fill(user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto("/study/deck")
        for n in range(3):
            assert page.locator(".front").inner_text() == f"Question {n}?"
            assert page.locator("#back").is_hidden()
            page.get_by_role("link", name="Show answer").click()  # a plain link: a new page
            assert page.get_by_text(f"Because {n}.").is_visible()
            page.get_by_role("button", name="Easy").click()  # a plain form post
        page.get_by_role("heading", name="Well done: that is all for now.").wait_for()
        page.get_by_role("button", name="Undo last review").click()
        assert page.get_by_text("Last review undone.").is_visible()
        assert page.locator(".front").inner_text() == "Question 2?"
    finally:
        context.close()
