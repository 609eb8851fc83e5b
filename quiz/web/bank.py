"""Browse the question bank and read the source with every quote highlighted."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from quiz.bank.schema import KINDS, TYPES
from quiz.db import MAX_ID, db
from quiz.inputs import whole_number
from quiz.services import reading

bp = Blueprint("bank", __name__)

PER_PAGE = 25


@bp.get("/bank")
def browse():
    """List the bank's questions, filtered by topic, kind, type, difficulty and text."""
    sources = reading.active_sources()
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
    user_id = current_user.id if current_user.is_authenticated else None
    query = reading.bank_query(source, filters, user_id)
    hiding = user_id is not None and reading.has_open_assignment(user_id)
    number = whole_number(request.args, "page", default=1, low=1, high=MAX_ID // PER_PAGE)
    page = db.paginate(query, page=number, per_page=PER_PAGE, error_out=False)
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
        hiding=hiding,
    )


@bp.get("/read")
def read_index():
    """Open the only source, or list the sources to read."""
    sources = reading.active_sources()
    if len(sources) == 1:
        return redirect(url_for("bank.reader", slug=sources[0].slug))
    return render_template("bank/sources.html", sources=sources)


@bp.get("/read/<slug>")
def reader(slug: str):
    """Show the source paragraph by paragraph, each question's quote highlighted."""
    user = current_user._get_current_object() if current_user.is_authenticated else None
    try:
        page = reading.reader(slug, request.args.get("q", ""), user)
    except LookupError as error:
        abort(404, description=str(error))
    return render_template(
        "bank/reader.html",
        source=page.source,
        blocks=page.blocks,
        current=page.current,
        total=page.total,
        heat=page.heat,
    )
