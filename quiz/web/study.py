"""Flashcard pages: decks, the study card, undo, suspend and bury, card info, leeches."""

import time
import uuid
from datetime import UTC, datetime

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from quiz.core.grading import ResponseError, grade, is_blank, suggest_rating
from quiz.core.scheduling import Rating
from quiz.db import utcnow, writes
from quiz.inputs import LAST_MS, whole_number
from quiz.models import Question
from quiz.services import progress, study
from quiz.services.study import StudyError
from quiz.web.auth import safe_next
from quiz.web.forms import StudySettingsForm

bp = Blueprint("study", __name__, url_prefix="/study")

TYPE_IN = ("short", "numeric", "cloze")
RATING_KEYS = {Rating.Again: "1", Rating.Hard: "2", Rating.Good: "3", Rating.Easy: "4"}


def _user():
    return current_user._get_current_object()


def _deck_or_404(slug: str) -> study.Deck:
    topics = request.values.get("topics")
    passage = whole_number(request.values, "passage")
    if topics or passage is not None:
        deck = study.find_focus(slug, topics.split(",") if topics else None, passage)
    else:
        deck = study.find_deck(slug, request.values.get("topic") or None)
    if deck is None:
        abort(404, description="There is no such deck.")
    return deck


def _deck_args(deck: study.Deck) -> dict:
    args = {"slug": deck.source_slug}
    if deck.topic_slug:
        args["topic"] = deck.topic_slug
    if deck.topic_slugs:
        args["topics"] = ",".join(deck.topic_slugs)
    if deck.passage is not None:
        args["passage"] = deck.passage
    return args


@bp.get("/")
@login_required
def decks():
    """List the decks (each source and its topics) with what is due today."""
    return render_template("study/decks.html", sources=study.deck_overview(_user(), utcnow()))


def _render_card(deck: study.Deck, shown: study.ShownCard, day, revealed: bool, typed=None):
    """Render the study card (front, and back when revealed)."""
    question = shown.question
    result = suggested = None
    if revealed and typed is not None and not is_blank(question.type, typed):
        try:
            result = grade(question.type, question.payload, typed)
            suggested = suggest_rating(result)
        except ResponseError as error:
            result, suggested = str(error), None
    remaining = len(day.queue.cards) if day else 0
    return render_template(
        "study/card.html",
        deck=deck,
        deck_args=_deck_args(deck),
        card=shown,
        q=question,
        revealed=revealed,
        type_in=question.type in TYPE_IN,
        typed=typed,
        result=result,
        suggested=suggested,
        queue=day.queue if day else None,
        done=day.done if day else 0,
        remaining=remaining,
        client_review_id=uuid.uuid4().hex,
        shown_at=int(time.time() * 1000),
        rating_keys=RATING_KEYS,
        fragment=request.headers.get("X-Fragment") == "1",
    )


def _render_next(deck: study.Deck):
    """Render the next card of the deck, or the end-of-session summary."""
    user, now = _user(), utcnow()
    day = study.load_day(user, deck, now)
    first = day.queue.first
    if first is None:
        return render_template(
            "study/done.html",
            deck=deck,
            deck_args=_deck_args(deck),
            summary=study.deck_summary(user, deck, now),
            next_learning=day.queue.next_learning,
            fragment=request.headers.get("X-Fragment") == "1",
        )
    question, state = day.cards[first.question_id]
    return _render_card(deck, study.show(user, question, state, now), day, revealed=False)


@bp.get("/weak")
@login_required
def weak():
    """Start a flashcard session on the weakest topics."""
    topics = progress.weakest_topics(_user())
    if not topics:
        flash("No weak topic right now: keep up your daily reviews.", "info")
        return redirect(url_for("dashboard.home"))
    return redirect(
        url_for(
            "study.session", slug=topics[0].source_slug, topics=",".join(t.slug for t in topics)
        )
    )


@bp.get("/<slug>")
@login_required
def session(slug: str):
    """Show the deck's next card; `card` names a card to show, `show` one to reveal."""
    deck = _deck_or_404(slug)
    shown_id = whole_number(request.args, "show")
    front_id = whole_number(request.args, "card")
    if shown_id is None and front_id is None:
        return _render_next(deck)
    user, now = _user(), utcnow()
    try:
        shown = study.load_card(user, shown_id or front_id, deck, now)
    except StudyError as error:
        abort(error.status, description=str(error))
    day = study.load_day(user, deck, now)
    if shown_id is None:
        return _render_card(deck, shown, day, revealed=False)
    return _render_card(deck, shown, day, revealed=True, typed=_typed_answer(shown.question))


def _typed_answer(question: Question):
    """Read a type-in answer from the query string, shaped for the grader."""
    if question.type == "cloze":
        values = request.args.getlist("typed")
        return values if any(v.strip() for v in values) else None
    value = request.args.get("typed")
    return value if value and value.strip() else None


@bp.post("/<slug>/review")
@writes  # one transaction: the login check, the deck, the card's read and the write
@login_required
def review(slug: str):
    """Apply a rating from the card's form, then redirect to the next card."""
    deck = _deck_or_404(slug)
    form = request.form
    question_id = whole_number(form, "question_id")
    rating = whole_number(form, "rating")
    version = whole_number(form, "version")
    if question_id is None or rating is None or version is None:
        abort(422, description="The review form is incomplete: reload the card and rate it again.")
    duration = whole_number(form, "duration_ms")
    shown_at = whole_number(form, "shown_at", high=LAST_MS) or 0  # ms since 1970
    if duration is None:
        duration = int(time.time() * 1000) - shown_at if shown_at else 0
    try:
        result = study.review(
            _user(),
            question_id,
            rating,
            form.get("client_review_id", ""),
            version,
            duration,
            shown_at=datetime.fromtimestamp(shown_at / 1000, UTC) if shown_at else None,
        )
    except study.DayChanged as error:
        flash(str(error), "warning")
        return redirect(url_for("study.session", card=question_id, **_deck_args(deck)), 303)
    except StudyError as error:
        if error.status == 409:
            flash("That card changed in another tab or window; here is the deck as it is now.")
        else:
            abort(error.status, description=str(error))
    else:
        if result.leech and not result.replayed:
            flash("This card is now a leech: you have forgotten it 8 times.", "warning")
    return redirect(url_for("study.session", **_deck_args(deck)), 303)


@bp.post("/<slug>/undo")
@login_required
def undo(slug: str):
    """Undo the last review, then redirect to the deck (which shows that card again)."""
    deck = _deck_or_404(slug)
    try:
        question_id = study.undo_last(_user())
    except StudyError as error:
        flash(str(error), "warning")
        return redirect(url_for("study.session", **_deck_args(deck)), 303)
    flash("Last review undone.", "info")
    try:
        study.load_card(_user(), question_id, deck, utcnow())
    except StudyError:  # reviewed in another deck: show it there
        return redirect(
            url_for("study.session", slug=study.source_slug_of(question_id), card=question_id), 303
        )
    return redirect(url_for("study.session", card=question_id, **_deck_args(deck)), 303)


@bp.post("/card/<int:question_id>/<action>")
@login_required
def card_action(question_id: int, action: str):
    """Suspend, unsuspend or bury a card."""
    flags = {
        "suspend": {"suspended": True},
        "unsuspend": {"suspended": False},
        "bury": {"bury": True},
    }.get(action)
    if flags is None:
        abort(404)
    try:
        study.set_flags(_user(), question_id, **flags)
    except StudyError as error:
        abort(error.status, description=str(error))
    messages = {
        "suspend": "Card suspended: it will not be shown until you unsuspend it.",
        "unsuspend": "Card unsuspended.",
        "bury": "Card buried until tomorrow.",
    }
    flash(messages[action], "info")
    fallback = url_for("study.card_info", question_id=question_id)
    return redirect(safe_next(request.form.get("next"), fallback), 303)


@bp.get("/card/<int:question_id>")
@login_required
def card_info(question_id: int):
    """Show a card's scheduling state and its review history."""
    try:
        info = study.card_info(_user(), question_id, utcnow())
    except StudyError as error:
        abort(error.status, description=str(error))
    return render_template(
        "study/card_info.html",
        q=info.question,
        state=info.state,
        memory=info.memory,
        recall=info.recall,
        logs=info.logs,
        phase_names={0: "New", 1: "Learning", 2: "Review", 3: "Relearning"},
        rating_names={1: "Again", 2: "Hard", 3: "Good", 4: "Easy"},
    )


@bp.get("/leeches")
@login_required
def leeches():
    """List the cards tagged as leeches."""
    return render_template("study/leeches.html", rows=study.leeches(_user()))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    """Change the daily limits, desired retention, time zone and leech action."""
    user = _user()
    form = StudySettingsForm(obj=user)
    if form.validate_on_submit():
        study.save_settings(
            user,
            new_per_day=form.new_per_day.data,
            reviews_per_day=form.reviews_per_day.data,
            desired_retention=float(form.desired_retention.data),
            timezone=form.timezone.data,
            leech_action=form.leech_action.data,
        )
        flash("Study settings saved.", "success")
        return redirect(url_for("study.settings"), 303)
    status = 422 if form.errors else 200
    return render_template("study/settings.html", form=form, user=user), status


@bp.post("/optimize")
@login_required
def optimize():
    """Fit FSRS parameters to the user's own history; keep them only if they are better."""
    result = study.optimize_user(_user())
    flash(result.message, "success" if result.changed else "info")
    return redirect(url_for("study.settings"), 303)
