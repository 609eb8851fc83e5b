"""Reading the bank: the browser's filtered list and the article laid out for the reader."""

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from quiz.bank.schema import KINDS, TYPES, split_quotes
from quiz.bank.text import normalize
from quiz.core.passages import paragraph_kind, runs
from quiz.db import db
from quiz.models import Passage, Question, Source, Topic, User
from quiz.services import progress
from quiz.services.study import in_open_assignment, open_assignment_questions


def has_open_assignment(user_id: int) -> bool:
    """Tell whether the user has an assignment attempt in progress (whose questions the
    browser hides: `open_assignment_questions`)."""
    return db.session.scalar(select(open_assignment_questions(user_id).exists()))


def active_sources() -> list[Source]:
    """Return the sources not archived, by title."""
    query = select(Source).where(Source.archived.is_(False)).order_by(Source.title)
    return list(db.session.scalars(query))


def bank_query(source: Source, filters: dict, user_id: int | None = None):
    """Return the statement listing a source's bank questions under the browser's filters.

    Args:
        filters: topic (slug), kind, type, difficulty ("1"–"3") and q (text to
            find in prompt, answer, explanation or quote); unknown values are ignored.
        user_id: the reader, whose open assignment's questions are left out.
    """
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
    if user_id is not None:
        query = query.where(~in_open_assignment(user_id))
    if filters["topic"]:
        query = query.where(Topic.slug == filters["topic"])
    if filters["kind"] in KINDS:
        query = query.where(Question.kind == filters["kind"])
    if filters["type"] in TYPES:
        query = query.where(Question.type == filters["type"])
    if filters["difficulty"] in ("1", "2", "3"):
        query = query.where(Question.difficulty == int(filters["difficulty"]))
    if filters["q"]:
        # % and _ typed by the student are text to find, not wildcards
        text = filters["q"].lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{text}%"
        columns = (Question.prompt, Question.card_back, Question.explanation, Question.quote)
        query = query.where(or_(*(func.lower(c).like(pattern, escape="\\") for c in columns)))
    return query


@dataclass(frozen=True)
class ReaderPage:
    source: Source
    blocks: list  # per paragraph: position, kind, runs, count, mastery
    current: object  # the question read in context, if any
    total: int
    heat: bool  # the paragraphs carry the student's mastery


def reader(slug: str, wanted: str, user: User | None) -> ReaderPage:
    """Lay out a source for reading, each question's quote highlighted.

    Args:
        slug: the source.
        wanted: a question's key or id to read in context ("" for none).
        user: the reader, whose mastery colours the paragraphs (None: anonymous).

    Raises:
        LookupError: no such source, or no such question in it.
    """
    source = db.session.scalars(
        select(Source).where(Source.slug == slug, Source.archived.is_(False))
    ).one_or_none()
    if source is None:
        raise LookupError(f"There is no source called “{slug}”.")
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
    if wanted:
        current = next((q for q in questions if q.key == wanted or str(q.id) == wanted), None)
        if current is None:
            raise LookupError("That question is not in this source (or was archived).")
    by_passage = quoted_passages(questions, [p.text for p in passages])
    mastery = {}
    if user is not None:  # the article as a heat map of what this student knows
        ids = {
            pos: list(dict.fromkeys(qid for qid, _ in quoted)) for pos, quoted in by_passage.items()
        }
        mastery = progress.passage_masteries(user, source.id, ids)
    blocks = [
        {
            "position": p.position,
            "kind": paragraph_kind(p.text, p.position),
            "runs": runs(
                p.text,
                by_passage.get(p.position, []),
                current.id if current else None,
                frozenset(q.id for q in questions if q.passage_position == p.position),
            ),
            "count": len(by_passage.get(p.position, [])),
            "mastery": mastery.get(p.position),
        }
        for p in passages
    ]
    return ReaderPage(source, blocks, current, len(questions), bool(mastery))


def quoted_passages(questions, texts: list[str]) -> dict[int, list[tuple[int, str]]]:
    """Map each paragraph's position to the `(question id, quote)` pairs quoting it.

    A question with one quote sits at its `passage_position`; one with several
    (a matching or ordering item proves each pair or step) is found paragraph by
    paragraph, so each quote is highlighted where it stands.
    """
    normalized: list[str] | None = None
    by_passage: dict[int, list[tuple[int, str]]] = {}
    for q in questions:
        parts = split_quotes(q.quote)
        if len(parts) == 1:
            if q.passage_position is not None:
                by_passage.setdefault(q.passage_position, []).append((q.id, q.quote))
            continue
        if normalized is None:  # normalising the article is the costly part: once
            normalized = [normalize(text) for text in texts]
        for part in parts:
            needle = normalize(part)
            position = next((i for i, text in enumerate(normalized) if needle in text), None)
            if position is not None:
                by_passage.setdefault(position, []).append((q.id, part))
    return by_passage
