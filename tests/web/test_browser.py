import pytest

pytestmark = pytest.mark.browser

PASSWORD = "a long browser passphrase"


def test_register_log_in_see_home_and_log_out(page):
    page.goto("/")
    page.get_by_role("link", name="Create a free student account").click()
    page.get_by_label("Your name").fill("Mei")
    page.get_by_label("E-mail").fill("mei@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    assert page.get_by_role("heading", name="Welcome back, Mei.").is_visible()

    page.get_by_role("button", name="Log out").click()
    assert page.get_by_text("You are logged out.").is_visible()
    assert page.get_by_role("heading", name="Learn one text thoroughly.").is_visible()

    page.get_by_role("link", name="Log in").first.click()
    page.get_by_label("E-mail").fill("mei@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_text("Logged in as Mei.").is_visible()
    assert page.get_by_role("heading", name="Welcome back, Mei.").is_visible()

    page.get_by_role("button", name="Log out").click()
    assert page.get_by_role("link", name="Log in").first.is_visible()
