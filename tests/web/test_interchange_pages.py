"""The pages: "Download for Anki" on the decks, an instructor's export and import with a preview."""

import html
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from quiz.db import db
from quiz.formats import FORMATS
from quiz.models import Question, Role
from tests.conftest import make_article, make_source

FIXTURES = Path(__file__).parent.parent / "fixtures" / "formats"


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(Question).where(Question.origin == "author")
        )


def test_a_student_downloads_a_deck_for_anki(app, client, auth):
    make_source(app, 4, slug="deck")
    auth.login()
    decks = client.get("/study/").get_data(as_text=True)
    assert '<a href="/study/deck/anki">Download for Anki</a>' in decks
    response = client.get("/study/deck/anki")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == "attachment; filename=deck.apkg"
    assert response.data[:2] == b"PK"  # a zip, as every .apkg is
    assert client.get("/study/deck/anki?topic=all").status_code == 200
    assert client.get("/study/nope/anki").status_code == 404
    assert client.get("/study/deck/anki?topic=nope").status_code == 404


def test_downloads_need_a_login_and_exports_an_instructor(app, client, auth):
    make_source(app, 2, slug="deck")
    assert client.get("/study/deck/anki").status_code == 302
    auth.login()
    assert client.get("/teach/questions/export/csv").status_code == 403
    assert client.get("/teach/questions/import").status_code == 403


@pytest.fixture
def instructor(app, auth):
    make_article(app)
    return auth.login(role=Role.INSTRUCTOR)


def preview(auth, name: str, **fields):
    data = {"action": "preview", "format": "", "topic": "", "pasted": "", **fields}
    if name:
        data["file"] = ((FIXTURES / name).open("rb"), name)
    return auth.post("/teach/questions/import", data, content_type="multipart/form-data")


def test_import_previews_then_imports_on_confirmation(app, client, auth, instructor):
    shown = preview(auth, "every-feature.gift")
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert "Preview: 16 imported, 2 skipped" in page
    assert "every-feature.gift:58: skipped an essay: nothing here grades free writing" in page
    assert count(app) == 0
    hidden = {
        name: html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page)
    }
    assert hidden["content"] == (FIXTURES / "every-feature.gift").read_text()
    done = auth.post("/teach/questions/import", {**hidden, "action": "import"})
    assert done.status_code == 303
    assert count(app) == 16
    listing = client.get("/teach/questions/").get_data(as_text=True)
    assert "16 imported, 2 skipped." in listing
    assert "Where was the treaty signed?" in listing


def test_a_broken_file_lists_its_errors_and_imports_nothing(app, auth, instructor):
    for name in ("broken.gift", "xxe.xml"):
        response = preview(auth, name)
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "Nothing was imported" in page
    assert "broken.gift:5: the answer block opened with { is never closed with }" in html.unescape(
        preview(auth, "broken.gift").get_data(as_text=True)
    )
    assert count(app) == 0


def test_pasted_quizlet_text_goes_into_the_chosen_topic(app, auth, instructor):
    pasted = "Brussels\tThe capital of Belgium\nLisbon\tThe capital of Portugal"
    shown = preview(auth, "", pasted=pasted, topic="second-things")
    assert "Preview: 2 imported, 0 skipped" in shown.get_data(as_text=True)
    refused = preview(auth, "", pasted=pasted)
    assert refused.status_code == 422
    assert "pasted text:1: topic: no category names a topic" in refused.get_data(as_text=True)
    empty = preview(auth, "")
    assert "file: choose a file, or paste Quizlet-style text." in empty.get_data(as_text=True)


def test_my_questions_export_in_every_format(app, client, auth, instructor):
    preview(auth, "every-type.xml", action="import")
    assert count(app) == 8
    page = client.get("/teach/questions/").get_data(as_text=True)
    for fmt in FORMATS:
        assert f'href="/teach/questions/export/{fmt}"' in page
        response = client.get(f"/teach/questions/export/{fmt}")
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].startswith(
            "attachment; filename=my-questions"
        )
    gift = client.get("/teach/questions/export/gift")
    assert gift.headers["X-Not-Exported"] == "2"
    assert client.get("/teach/questions/export/pdf").status_code == 404
