"""The bank as this process knows it: what never changes between bank loads, read once.

A question's origin, source, topic, fact and card faces change only when the bank is
loaded (or an instructor writes a question). Each such change bumps the one row of
`bank_version` in the same transaction (a flush listener, below), and the review loop
reads that generation inside a statement it runs anyway; a process whose copy is older
reloads it. So `quiz bank load` on one host is seen by every process on every host, at the
cost of no statement at all while the bank stays as it is.
"""

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

from quiz.db import db
from quiz.models import BankVersion, Passage, Question, Source, Topic

_BANK_CLASSES = (Question, Topic, Source, Passage)
_EXTENSION = "quiz.bank_cache"


@dataclass(frozen=True)
class CachedQuestion:
    """A bank question as the review loop and quiz draws need it (names as on `Question`)."""

    id: int
    key: str
    source_id: int
    source_slug: str
    topic_id: int
    topic_position: int
    fact: str
    type: str
    card_front: str
    card_back: str
    explanation: str
    quote: str
    archived: bool
    kind: str
    difficulty: int
    topic_slug: str
    payload: dict = field(compare=False, repr=False)  # read, never changed

    @property
    def fact_key(self) -> str:
        """Return the fact's name across sources (fact slugs are unique within a source)."""
        return f"{self.source_id}:{self.fact}"

    @property
    def order(self) -> tuple[int, int]:
        """Return the position of a new card in its deck: topic order, then id."""
        return (self.topic_position, self.id)


@dataclass(frozen=True)
class BankSnapshot:
    """The whole bank at one generation."""

    generation: int
    questions: dict[int, CachedQuestion]  # bank questions only, archived ones included
    sources: dict[str, int]  # slug -> id, sources not archived
    topics: dict[tuple[int, str], int]  # (source id, topic slug) -> topic id
    siblings: dict[int, int]  # source id -> the most live questions sharing one fact

    def deck_ids(self, source_slug: str, topic_slug: str | None) -> tuple[int, int | None] | None:
        """Return (source id, topic id or None) of a deck named by slugs, or None."""
        source_id = self.sources.get(source_slug)
        if source_id is None:
            return None
        if topic_slug is None:
            return source_id, None
        topic_id = self.topics.get((source_id, topic_slug))
        return None if topic_id is None else (source_id, topic_id)


def _load() -> BankSnapshot:
    session = db.session
    generation = session.scalar(select(BankVersion.generation).where(BankVersion.id == 1)) or 0
    rows = session.execute(
        select(
            Question.id,
            Question.key,
            Question.source_id,
            Source.slug,
            Question.topic_id,
            Topic.position,
            Question.fact,
            Question.type,
            Question.card_front,
            Question.card_back,
            Question.explanation,
            Question.quote,
            Question.archived,
            Question.kind,
            Question.difficulty,
            Topic.slug,
            Question.payload,
        )
        .join(Topic, Topic.id == Question.topic_id)
        .join(Source, Source.id == Question.source_id)
        .where(Question.origin == "bank")
    ).all()
    decks = session.execute(
        select(Source.id, Source.slug, Topic.id, Topic.slug)
        .outerjoin(Topic, Topic.source_id == Source.id)
        .where(Source.archived.is_(False))
    ).all()
    questions, sources, topics, facts = {}, {}, {}, {}
    for source_id, source_slug, topic_id, topic_slug in decks:
        sources[source_slug] = source_id
        if topic_id is not None:
            topics[(source_id, topic_slug)] = topic_id
    for r in rows:
        questions[r[0]] = CachedQuestion(*r)
        if not r.archived:
            facts[(r.source_id, r.fact)] = facts.get((r.source_id, r.fact), 0) + 1
    siblings: dict[int, int] = {}
    for (source_id, _), count in facts.items():
        siblings[source_id] = max(siblings.get(source_id, 0), count)
    return BankSnapshot(generation, questions, sources, topics, siblings)


def snapshot(generation: int | None = None) -> BankSnapshot:
    """Return this process's copy of the bank, reloaded if it is older than `generation`
    (the generation a statement of this request read) or if there is none yet."""
    cached = current_app.extensions.get(_EXTENSION)
    if cached is None or (generation is not None and cached.generation != generation):
        cached = _load()
        current_app.extensions[_EXTENSION] = cached
    return cached


def reload() -> BankSnapshot:
    """Read the bank again now (a slug this process does not know may be new)."""
    current_app.extensions.pop(_EXTENSION, None)
    return snapshot()


def current(session) -> BankSnapshot:
    """Return this process's copy of the bank at the generation the database holds now (one
    small statement; inside a write transaction, the bank that transaction sees)."""
    return snapshot(session.scalar(generation_column()) or 0)


def generation_column():
    """Return the bank's generation as a scalar subquery, to read inside another statement."""
    return select(BankVersion.__table__.c.generation).where(BankVersion.__table__.c.id == 1)


_BANK_TABLES = frozenset(cls.__table__.name for cls in _BANK_CLASSES)


@event.listens_for(Session, "before_flush")
def _bump_on_flush(session: Session, _context, _instances) -> None:
    """Bump the bank's generation in the transaction that changes a bank row."""
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, _BANK_CLASSES) for obj in changed):
        _bump(session)


@event.listens_for(Session, "do_orm_execute")
def _bump_on_statement(state) -> None:
    """Bump it too for an INSERT, UPDATE or DELETE statement run on a bank table."""
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in _BANK_TABLES:
            _bump(state.session)


def _bump(session: Session) -> None:
    table = BankVersion.__table__
    bumped = session.execute(
        update(table).where(table.c.id == 1).values(generation=table.c.generation + 1)
    )
    if bumped.rowcount == 0:  # a database made from the models, not the migrations
        session.execute(insert(table).values(id=1, generation=1))
