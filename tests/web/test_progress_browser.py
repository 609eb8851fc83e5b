import pytest

from tests.conftest import PASSWORD
from tests.web.test_progress_pages import studied_bank

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 390])
def test_dashboard_and_heat_mapped_reader_fit_the_screen(
    browser, live_server, app, auth, artifacts, scheme, width
):
    user = auth.login()
    studied_bank(app, user, 400)
    context = browser.new_context(
        base_url=live_server, viewport={"width": width, "height": 900}, color_scheme=scheme
    )
    page = context.new_page()
    try:
        page.goto("/auth/login")
        page.get_by_label("E-mail").fill(user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/")
        shots = artifacts / "screenshots"
        shots.mkdir(exist_ok=True)
        for name, path in (("dashboard", "/dashboard"), ("reader", "/read/china-and-nato")):
            page.goto(path)
            if name == "reader":
                assert (
                    page.locator(
                        ".passage.mastery-good, .passage.mastery-fair, .passage.mastery-weak"
                    ).count()
                    > 0
                )
            else:
                assert page.locator("svg.heatmap rect").count() >= 365
            page.screenshot(path=str(shots / f"{name}-{width}-{scheme}.png"), full_page=True)
            scroll, client = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert scroll <= client, f"{name} scrolls sideways at {width}px ({scroll} > {client})"
            background = page.evaluate("getComputedStyle(document.body).backgroundColor")
            assert background == ("rgb(20, 23, 28)" if scheme == "dark" else "rgb(247, 247, 244)")
    finally:
        context.close()
