"""One log line per request (id, user, status, duration), as text or as JSON."""

import json
import re

import pytest

from quiz import create_app
from quiz.config import ConfigError
from tests.conftest import PASSWORD, AuthActions, app_for, make_config, make_user

HEX_ID = re.compile(r"[0-9a-f]{32}")


def request_lines(caplog) -> list:
    return [r for r in caplog.records if r.name == "quiz.request"]


def test_each_request_logs_one_line_with_its_id_status_and_duration(client, caplog):
    with caplog.at_level("INFO", logger="quiz"):
        response = client.get("/healthz")
    [line] = request_lines(caplog)
    assert HEX_ID.fullmatch(response.headers["X-Request-Id"])
    assert line.request_id == response.headers["X-Request-Id"]
    duration = line.fields.pop("duration_ms")
    assert isinstance(duration, float) and duration >= 0
    assert line.fields == {
        "method": "GET",
        "path": "/healthz",
        "status": 200,
        "user_id": None,
        "remote_addr": "127.0.0.1",
    }
    assert line.getMessage() == f"GET /healthz 200 {duration} ms user=- ip=127.0.0.1"


def test_the_line_names_the_logged_in_user(app, auth, client, caplog):
    user = auth.login()
    caplog.clear()
    with caplog.at_level("INFO", logger="quiz"):
        client.get("/api/v1/me")
        client.get("/no-such-page")
    seen = [
        (r.fields["path"], r.fields["status"], r.fields["user_id"]) for r in request_lines(caplog)
    ]
    assert seen == [("/api/v1/me", 200, user.id), ("/no-such-page", 404, user.id)]


def test_the_login_itself_is_logged_with_the_user_it_logged_in(app, auth, caplog):
    user = make_user(app)
    with caplog.at_level("INFO", logger="quiz"):
        response = auth.post("/auth/login", {"email": user.email, "password": PASSWORD})
    [line] = [r for r in request_lines(caplog) if r.fields["method"] == "POST"]
    assert (line.fields["status"], line.fields["user_id"]) == (302, user.id)
    assert line.request_id == response.headers["X-Request-Id"]


def test_every_response_gets_its_own_id(client):
    ids = {client.get("/healthz").headers["X-Request-Id"] for _ in range(3)}
    assert len(ids) == 3


def test_a_request_refused_before_its_view_is_logged_too(client, caplog):
    with caplog.at_level("INFO", logger="quiz"):
        response = client.post("/auth/login", data={"email": "a@b.org", "password": "x"})
    assert response.status_code == 400  # no CSRF token
    [line] = request_lines(caplog)
    assert (line.fields["status"], line.request_id) == (400, response.headers["X-Request-Id"])


def test_security_lines_carry_the_id_of_their_request(app, auth, caplog):
    user = make_user(app)
    with caplog.at_level("INFO", logger="quiz"):
        response = auth.post("/auth/login", {"email": user.email, "password": "wrong but long"})
    [security] = [r for r in caplog.records if r.name == "quiz.security"]
    assert security.request_id == response.headers["X-Request-Id"]


@pytest.mark.parametrize(
    ("proxies", "offered", "kept"),
    [
        (1, "3f2a-proxy-id", True),  # nginx's $request_id, passed on by the trusted proxy
        (0, "3f2a-proxy-id", False),  # no trusted proxy: anyone could have written it
        (1, "two words", False),  # a plain token only: nothing that could fake a field
        (1, "x" * 129, False),
    ],
)
def test_a_request_id_is_kept_only_from_a_trusted_proxy(
    tmp_path, monkeypatch, proxies, offered, kept
):
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path / "instance"))
    with app_for(make_config(tmp_path, TRUSTED_PROXIES=proxies)) as app:
        answered = app.test_client().get("/healthz", headers={"X-Request-Id": offered})
    request_id = answered.headers["X-Request-Id"]
    assert request_id == offered if kept else HEX_ID.fullmatch(request_id)


def test_text_lines_on_stderr(client, capsys):
    capsys.readouterr()
    response = client.get("/healthz")
    [line] = [x for x in capsys.readouterr().err.splitlines() if " quiz.request " in x]
    request_id = response.headers["X-Request-Id"]
    assert re.fullmatch(
        rf"\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d,\d{{3}} INFO quiz.request \[{request_id}\] "
        r"GET /healthz 200 \d+\.\d ms user=- ip=127\.0\.0\.1",
        line,
    ), line


def test_json_lines_when_quiz_log_format_is_json(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("QUIZ_LOG_FORMAT", "json")
    with app_for(make_config(tmp_path)) as app:
        auth = AuthActions(app.test_client(), app)
        user = auth.login()
        capsys.readouterr()
        response = auth.client.get("/api/v1/me", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    [line] = [json.loads(x) for x in capsys.readouterr().err.splitlines()]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line.pop("time"))
    duration = line.pop("duration_ms")
    assert line == {
        "level": "INFO",
        "logger": "quiz.request",
        "request_id": response.headers["X-Request-Id"],
        "message": f"GET /api/v1/me 200 {duration} ms user={user.id} ip=192.0.2.7",
        "method": "GET",
        "path": "/api/v1/me",
        "status": 200,
        "user_id": user.id,
        "remote_addr": "192.0.2.7",
    }


def test_security_lines_are_json_too(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("QUIZ_LOG_FORMAT", "JSON")
    with app_for(make_config(tmp_path)) as app:
        user = make_user(app)
        auth = AuthActions(app.test_client(), app)
        capsys.readouterr()
        auth.post("/auth/login", {"email": user.email, "password": "wrong but long"})
    lines = [json.loads(x) for x in capsys.readouterr().err.splitlines()]
    [security] = [x for x in lines if x["logger"] == "quiz.security"]
    assert security["message"] == f"login failed: email={user.email} ip=127.0.0.1 known=True"
    assert security["request_id"] == lines[-1]["request_id"]


def test_an_unknown_log_format_stops_start_up(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("QUIZ_LOG_FORMAT", "xml")
    with pytest.raises(ConfigError) as error:
        create_app({"ENV": "testing"})
    assert str(error.value) == "QUIZ_LOG_FORMAT must be one of text, json, not 'xml'"
