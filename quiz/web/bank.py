"""Browse the question bank and read the source with every quote highlighted."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select

from quiz.bank.schema import KINDS, TYPES
from quiz.core.passages import paragraph_kind, runs
from quiz.db import db
from quiz.models import Passage, Question, Source, Topic
from quiz.services import progress

bp = Blueprint("bank", __name__)

PER_PAGE = 25


def _active_sources() -> list[Source]:
    query = select(Source).where(Source.archived.is_(False)).order_by(Source.title)
    return list(db.session.scalars(query))


@bp.get("/bank")
def browse():
    """List the bank's questions, filtered by topic, kind, type, difficulty and text."""
    sources = _active_sources()
    if not sources:
        return render_template("bank/browse.html", sources=[], source=None, page=None, topics=[])
    slug = request.args.get("source", sources[0].slug)
    source = next((s for s in sources if s.slug == slug), None)
    if source is None:
        abort(404, description=f"There is no source called “{slug}”.")
    topics = [t for t in source.topics if not t.archived]
    filters = {
        "topic": request.args.get("topic", ""),
        "kind": request.args.get("kind", ""),
        "type": request.args.get("type", ""),
        "difficulty": request.args.get("difficulty", ""),
        "q": request.args.get("q", "").strip()[:200],
    }
    query = (
        select(Question)
        .join(Topic, Question.topic_id == Topic.id)
        .where(
            Question.source_id == source.id,
            Question.archived.is_(False),
            Question.origin == "bank",
        )
        .order_by(Topic.position, Question.id)
    )
    if filters["topic"]:
        query = query.where(Topic.slug == filters["topic"])
    if filters["kind"] in KINDS:
        query = query.where(Question.kind == filters["kind"])
    if filters["type"] in TYPES:
        query = query.where(Question.type == filters["type"])
    if filters["difficulty"] in ("1", "2", "3"):
        query = query.where(Question.difficulty == int(filters["difficulty"]))
    if filters["q"]:
        pattern = f"%{filters['q'].lower()}%"
        query = query.where(
            or_(
                func.lower(Question.prompt).like(pattern),
                func.lower(Question.card_back).like(pattern),
                func.lower(Question.explanation).like(pattern),
                func.lower(Question.quote).like(pattern),
            )
        )
    page = db.paginate(query, per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False)
    return render_template(
        "bank/browse.html",
        sources=sources,
        source=source,
        topics=topics,
        topic_titles={t.id: t.title for t in topics},
        filters=filters,
        page=page,
        kinds=KINDS,
        types=TYPES,
    )


@bp.get("/read")
def read_index():
    """Open the only source, or list the sources to read."""
    sources = _active_sources()
    if len(sources) == 1:
        return redirect(url_for("bank.reader", slug=sources[0].slug))
    return render_template("bank/sources.html", sources=sources)


@bp.get("/read/<slug>")
def reader(slug: str):
    """Show the source paragraph by paragraph, each question's quote highlighted."""
    source = db.session.scalars(select(Source).where(Source.slug == slug)).one_or_none()
    if source is None:
        abort(404, description=f"There is no source called “{slug}”.")
    passages = db.session.scalars(
        select(Passage).where(Passage.source_id == source.id).order_by(Passage.position)
    ).all()
    questions = db.session.execute(
        select(
            Question.id, Question.key, Question.quote, Question.passage_position, Question.prompt
        )
        .where(
            Question.source_id == source.id,
            Question.archived.is_(False),
            Question.origin == "bank",
        )
        .order_by(Question.id)
    ).all()
    current = None
    wanted = request.args.get("q", "")
    if wanted:
        current = next((q for q in questions if q.key == wanted or str(q.id) == wanted), None)
        if current is None:
            abort(404, description="That question is not in this source (or was archived).")
    by_passage: dict[int, list[tuple[int, str]]] = {}
    for q in questions:
        if q.passage_position is not None:
            by_passage.setdefault(q.passage_position, []).append((q.id, q.quote))
    mastery = {}
    if current_user.is_authenticated:  # the article as a heat map of what this student knows
        ids = {pos: [qid for qid, _ in quoted] for pos, quoted in by_passage.items()}
        mastery = progress.passage_masteries(current_user._get_current_object(), source.id, ids)
    blocks = [
        {
            "position": p.position,
            "kind": paragraph_kind(p.text, p.position),
            "runs": runs(p.text, by_passage.get(p.position, []), current.id if current else None),
            "count": len(by_passage.get(p.position, [])),
            "mastery": mastery.get(p.position),
        }
        for p in passages
    ]
    return render_template(
        "bank/reader.html",
        source=source,
        blocks=blocks,
        current=current,
        total=len(questions),
        heat=bool(mastery),
    )
