"""/healthz answers without the database; /readyz answers only when the database does."""

import pytest

from quiz import create_app
from tests.conftest import make_config

UNREACHABLE = {
    "sqlite": "sqlite:///{tmp}/no-such-folder/quiz.db",
    "postgresql": "postgresql+psycopg://quiz@127.0.0.1:1/quiz",  # nothing listens on port 1
}


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_both_checks_answer_ok_when_the_database_does(client, path):
    response = client.get(path)
    assert (response.status_code, response.get_json()) == (200, {"ok": True})
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("engine", UNREACHABLE)
def test_readyz_says_why_when_the_database_cannot_be_reached(tmp_path, monkeypatch, caplog, engine):
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path / "instance"))
    url = UNREACHABLE[engine].format(tmp=tmp_path)
    app = create_app(make_config(tmp_path, SQLALCHEMY_DATABASE_URI=url))
    client = app.test_client()
    with caplog.at_level("WARNING", logger="quiz.health"):
        response = client.get("/readyz")
    assert (response.status_code, response.get_json()) == (
        503,
        {"ok": False, "reason": "The database cannot be reached."},
    )
    [record] = [r for r in caplog.records if r.name == "quiz.health"]
    assert record.getMessage().startswith(
        "not ready: the database cannot be reached: OperationalError: "
    )
    healthz = client.get("/healthz")
    assert (healthz.status_code, healthz.get_json()) == (200, {"ok": True})
