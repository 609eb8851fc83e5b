import re
from pathlib import Path

import pytest
from sqlalchemy import select

from quiz.db import db
from quiz.models import Question
from tests.conftest import load_bank

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def loaded(app):
    """Load the real bank; return its active questions as (id, key, quote, topic slug, type)."""
    load_bank(app)
    with app.app_context():
        return db.session.execute(
            select(Question.id, Question.key, Question.quote, Question.type).order_by(Question.id)
        ).all()


def test_reader_highlights_the_quote_of_every_question(client, loaded):
    html = client.get("/read/china-and-nato").get_data(as_text=True)
    anchors = re.findall(r'<span class="anchor" id="q-(\d+)"></span>', html)
    assert sorted(map(int, anchors)) == sorted(q.id for q in loaded)
    assert html.count('<mark class="quote"') >= len({q.quote for q in loaded}) // 3
    assert "current" not in re.findall(r'<mark class="quote[^"]*"', html)[0]


def test_read_in_context_marks_the_question_passage(client, loaded):
    question = loaded[0]
    html = client.get(f"/read/china-and-nato?q={question.key}").get_data(as_text=True)
    current = re.findall(r'<mark class="quote current"[^>]*>(.*?)</mark>', html, re.S)
    assert current, "the question's passage is not marked as current"
    shown = "".join(current)
    assert shown.replace("’", "'")[:20] == question.quote.replace("’", "'")[:20]
    assert f'href="#q-{question.id}"' in html


def test_reader_for_an_unknown_source_or_question_is_404(client, loaded):
    assert client.get("/read/no-such-article").status_code == 404
    assert client.get("/read/china-and-nato?q=china-and-nato/no-such-id").status_code == 404


def test_browse_lists_every_question_across_pages(client, loaded):
    html = client.get("/bank").get_data(as_text=True)
    assert f"{len(loaded)} questions" in html
    seen = set()
    page = 1
    while True:
        html = client.get(f"/bank?page={page}").get_data(as_text=True)
        found = re.findall(r'<li class="card question" id="([a-z0-9-]+)">', html)
        if not found:
            break
        seen |= set(found)
        page += 1
    assert seen == {q.key.split("/", 1)[1] for q in loaded}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("type=cloze", "type"),
        ("kind=person", "kind"),
        ("difficulty=3", "difficulty"),
        ("topic=belgrade-1999", "topic"),
    ],
)
def test_browse_filters_narrow_the_list(app, client, loaded, query, field):
    html = client.get(f"/bank?{query}").get_data(as_text=True)
    count = int(re.search(r"(\d+) questions? match", html).group(1))
    value = query.split("=")[1]
    with app.app_context():
        rows = db.session.scalars(select(Question)).all()
        expected = [
            q
            for q in rows
            if (q.topic.slug if field == "topic" else str(getattr(q, field))) == value
        ]
    assert 0 < count == len(expected)


def test_browse_search_finds_text_in_prompts_and_answers(client, loaded):
    html = client.get("/bank?q=bornemann").get_data(as_text=True)
    count = int(re.search(r"(\d+) questions? match", html).group(1))
    assert count >= 1
    assert "Bornemann" in html
    assert "No question matches" in client.get("/bank?q=zzzxq").get_data(as_text=True)


def test_browse_links_each_question_to_its_passage(client, loaded):
    html = client.get("/bank?type=numeric").get_data(as_text=True)
    links = re.findall(r'href="/read/china-and-nato\?q=china-and-nato/([a-z0-9-]+)#q-(\d+)"', html)
    assert links
    for _slug, qid in links:
        assert f'id="q-{qid}"' in client.get(f"/read/china-and-nato?q={qid}").get_data(as_text=True)


def test_empty_bank_explains_how_to_load_it(client):
    assert "quiz bank load" in client.get("/bank").get_data(as_text=True)


def test_bank_pages_use_a_fixed_number_of_queries(client, loaded, query_counter):
    with query_counter() as browse:
        client.get("/bank?type=mcq")
    with query_counter() as reader:
        client.get("/read/china-and-nato")
    assert browse.count <= 8, browse.statements
    assert reader.count <= 8, reader.statements


@pytest.mark.browser
def test_read_in_context_scrolls_to_the_highlighted_passage(page, loaded):
    page.goto("/bank?topic=future-steps")
    first = page.locator("li.question").first
    prompt = first.locator(".prompt").inner_text()
    first.get_by_role("link", name="Read in context").click()
    page.wait_for_url(re.compile(r"/read/china-and-nato\?q="))
    assert page.locator(".context-banner .prompt").inner_text() == prompt
    mark = page.locator("mark.quote.current").first
    assert mark.is_visible()
    box = mark.bounding_box()
    viewport = page.viewport_size
    assert 0 <= box["y"] <= viewport["height"], "the passage is not scrolled into view"


def test_search_treats_percent_and_underscore_as_text(client, loaded):
    assert "No question matches" in client.get("/bank?q=%25").get_data(as_text=True)
    assert "No question matches" in client.get("/bank?q=_").get_data(as_text=True)


def test_read_in_context_marks_every_quote_of_an_ordering_item(app, client, loaded):
    """An ordering item proves each step with its own quote, in several paragraphs (issue 14)."""
    key = "china-and-nato/belgrade-long-view-order"
    question = next(q for q in loaded if q.key == key)
    quotes = question.quote.split("\n")
    assert len(quotes) == 4
    html = client.get(f"/read/china-and-nato?q={key}").get_data(as_text=True)
    current = "".join(re.findall(r'<mark class="quote current"[^>]*>(.*?)</mark>', html, re.S))
    flat = " ".join(current.replace("&#39;", "'").replace("’", "'").split())
    for quote in quotes:
        assert " ".join(quote.replace("’", "'").split()) in flat
    assert html.count(f'id="q-{question.id}"') == 1
    page = client.get(f"/bank?q={quotes[2][:30]}").get_data(as_text=True)
    for quote in quotes:
        assert f"<p>“{quote}”</p>".replace("’", "&#39;") in page or f"<p>“{quote}”</p>" in page
