"""Flashcards over JSON: the next card, and a review that answers with the next card."""

import uuid
from datetime import UTC, datetime

from flask import url_for
from flask_login import current_user, login_required

from quiz.api import bp
from quiz.api.contract import operation, parse_body, parse_query
from quiz.api.schemas import DeckQuery, NextOut, ReviewBody, ReviewOut
from quiz.core.scheduling import Memory, memory_to_dict
from quiz.db import utcnow, writes
from quiz.errors import error_response
from quiz.services import study
from quiz.services.study import StudyError


def memory_json(memory: Memory, version: int) -> dict:
    """Return a card's scheduling state as JSON."""
    return {**memory_to_dict(memory), "phase": memory.phase.name.lower(), "version": version}


def card_json(shown: study.ShownCard) -> dict:
    """Return a card to show: its front, back, version and the four interval previews."""
    q = shown.question
    return {
        "question_id": q.id,
        "key": q.key,
        "type": q.type,
        "front": q.card_front,
        "back": {
            "answer": q.card_back,
            "explanation": q.explanation,
            "quote": q.quote,
            "context_url": url_for("bank.reader", slug=q.key.split("/")[0], q=q.key) + f"#q-{q.id}",
        },
        "version": shown.version,
        "client_review_id": uuid.uuid4().hex,
        # Send it back with the rating: pressed on another study day (past 4 am), the
        # intervals shown are no longer the ones it would apply, and it is refused (409).
        "shown_at": int(utcnow().timestamp() * 1000),
        "intervals": {
            rating.name.lower(): {"label": o.label, "due": o.memory.due.isoformat()}
            for rating, o in shown.outcomes.items()
        },
        "state": memory_json(shown.memory, shown.version),
    }


def next_json(nxt: study.NextCard) -> dict:
    """Return the deck's next card (or None) and what is left today."""
    return {
        "card": card_json(nxt.card) if nxt.card else None,
        "remaining": {"review": nxt.review, "learning": nxt.learning, "new": nxt.new},
        "done_today": nxt.done,
        "next_learning": nxt.next_learning.isoformat() if nxt.next_learning else None,
    }


@bp.get("/study/next")
@operation(NextOut, query=DeckQuery, errors=(404, 422))
@login_required
def study_next():
    """Return the next card of a deck (404: no such deck), with the four interval previews."""
    query = parse_query(DeckQuery)
    deck = (query.source, query.topic or None)
    nxt = study.next_in(current_user._get_current_object(), deck, utcnow())
    if nxt is None:
        return error_response(404, "There is no such deck.")
    return next_json(nxt)


@bp.post("/study/reviews")
@operation(ReviewOut, body=ReviewBody, errors=(400, 404, 409, 422))
@writes  # one transaction: the login check, the card's read and the write
@login_required
def study_review():
    """Rate a card; answers with its new state and the deck's next card.

    A replayed client_review_id returns the first result; a card changed since `version` was
    shown gets 409. Without `source` the deck is the card's own source.
    """
    sent = parse_body(
        ReviewBody, "Send a JSON object with question_id, rating and client_review_id."
    )
    # Without a source, the card's own source is the deck (a topic alone names none).
    deck = (sent.source, sent.topic or None) if sent.source else (None, None)
    try:
        result = study.review(
            current_user._get_current_object(),
            sent.question_id,
            sent.rating,
            sent.client_review_id,
            sent.version,
            sent.duration_ms or 0,
            deck=deck,
            shown_at=datetime.fromtimestamp(sent.shown_at / 1000, UTC) if sent.shown_at else None,
        )
    except StudyError as error:
        return error_response(error.status, str(error))
    return {
        "review": {
            "question_id": result.question_id,
            "rating": result.rating,
            "replayed": result.replayed,
            "leech": result.leech,
            "state": memory_json(result.memory, result.version),
        },
        "next": next_json(result.next or study.EMPTY),
    }
