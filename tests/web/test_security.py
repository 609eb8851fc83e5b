import pytest

from tests.conftest import app_for, make_config

REQUIRED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@pytest.mark.parametrize(
    "path", ["/", "/auth/login", "/no-such-page", "/api/v1/me", "/static/css/app.css"]
)
def test_every_response_carries_the_security_headers(client, path):
    with client.get(path) as response:
        pass
    for name, value in REQUIRED_HEADERS.items():
        assert response.headers[name] == value
    csp = response.headers["Content-Security-Policy"]
    for directive in (
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp


def test_pages_are_not_stored_by_caches(client):
    assert client.get("/auth/login").headers["Cache-Control"] == "no-store"


def test_session_cookie_is_httponly_and_samesite_lax(auth, client):
    auth.login()
    cookie = client.get_cookie("quiz_session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_session_cookie_is_secure_outside_development(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path))
    with app_for(make_config(tmp_path, ENV="production")) as app:
        client = app.test_client()
        client.get("/auth/login")
        assert client.get_cookie("quiz_session").secure


@pytest.mark.parametrize(("path", "status"), [("/no-such-page", 404), ("/auth/logout", 405)])
def test_html_error_pages_explain_without_internals(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert f'<p class="error-code">{status}</p>' in response.get_data(as_text=True)


def test_api_errors_are_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json() == {
        "error": {"status": 404, "message": "There is nothing at this address."}
    }


def _explode():
    raise RuntimeError("secret detail: SELECT password_hash FROM user")


@pytest.mark.server_error
@pytest.mark.parametrize("path", ["/boom", "/api/v1/boom"])
def test_server_error_shows_no_traceback_or_sql(tmp_path, monkeypatch, path):
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path))
    with app_for(make_config(tmp_path, TESTING=False)) as app:
        app.add_url_rule(path, "boom", _explode)
        response = app.test_client().get(path)
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side." in body
    for leak in ("Traceback", "RuntimeError", "SELECT", "password_hash"):
        assert leak not in body


def test_oversized_request_is_refused_with_413(client):
    response = client.post("/auth/login", data={"email": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413


def test_health_check_answers_without_a_login(client):
    assert client.get("/healthz").get_json() == {"ok": True}


def test_405_names_the_allowed_methods(client):
    assert client.get("/auth/logout").headers["Allow"] in ("POST", "OPTIONS, POST", "POST, OPTIONS")


def test_an_id_too_large_for_the_database_is_not_found(auth, client):
    auth.login()
    assert client.get("/study/card/99999999999999999999999").status_code == 404


def test_gradebook_csv_neutralises_spreadsheet_formulas():
    from quiz.services.gradebook import _cell

    assert _cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert _cell("Ana") == "Ana"


def test_a_name_holding_markup_is_shown_as_text(auth, client):
    auth.login()
    markup = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    response = client.patch(
        "/api/v1/me", json={"name": markup}, headers={"X-CSRFToken": auth.token()}
    )
    assert response.status_code == 200
    page = client.get("/").get_data(as_text=True)
    assert "Welcome back, &lt;script&gt;alert(1)&lt;/script&gt;&lt;img" in page
    assert "<script>alert(1)" not in page
