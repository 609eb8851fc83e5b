"""Questions out: a source's bank questions, one topic's, or an instructor's own, in any format."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from quiz.db import db
from quiz.formats import anki, gift, moodle_xml, table
from quiz.formats.portable import Question
from quiz.models import Question as QuestionRow
from quiz.models import Source, Topic, User

SUFFIX = {
    "apkg": ".apkg",
    "moodle-xml": ".xml",
    "gift": ".gift.txt",
    "csv": ".csv",
    "quizlet": ".txt",
}
MIMETYPE = {
    "apkg": "application/octet-stream",
    "moodle-xml": "application/xml",
    "gift": "text/plain; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "quizlet": "text/plain; charset=utf-8",
}


@dataclass(frozen=True)
class Export:
    """An exported file, and the questions its format could not hold."""

    data: bytes
    count: int
    not_exported: list[str]


def _portable(row: QuestionRow, source: Source, topic: Topic) -> Question:
    return Question(
        key=row.key,
        source_slug=source.slug,
        source_title=source.title,
        topic_slug=topic.slug,
        topic_title=topic.title,
        kind=row.kind,
        type=row.type,
        difficulty=row.difficulty,
        prompt=row.prompt,
        payload=row.payload,
        explanation=row.explanation,
        quote=row.quote,
        card_front=row.card_front,
        card_back=row.card_back,
    )


def questions_of(
    *, source: str | None = None, topic: str | None = None, owner: User | None = None
) -> list[Question]:
    """Load the bank questions of a source (or one of its topics), or an instructor's own.

    Raises:
        LookupError: no such source or topic (the message names it).
    """
    query = (
        select(QuestionRow, Source, Topic)
        .join(Source, Source.id == QuestionRow.source_id)
        .join(Topic, Topic.id == QuestionRow.topic_id)
        .where(QuestionRow.archived.is_(False))
        .order_by(Source.slug, Topic.position, QuestionRow.id)
    )
    if owner is not None:
        query = query.where(QuestionRow.origin == "author", QuestionRow.owner_id == owner.id)
    else:
        found = db.session.scalar(select(Source).where(Source.slug == source))
        if found is None or found.archived:
            raise LookupError(f"source: there is no source '{source}'.")
        query = query.where(QuestionRow.origin == "bank", Source.id == found.id)
        if topic is not None:
            if topic not in {t.slug for t in found.topics if not t.archived}:
                raise LookupError(f"topic: '{source}' has no topic '{topic}'.")
            query = query.where(Topic.slug == topic)
    return [_portable(*row) for row in db.session.execute(query).all()]


def export(fmt: str, questions: list[Question]) -> Export:
    """Write questions in one format (`quiz.formats.FORMATS`)."""
    left_out: list[Question] = []
    if fmt == "apkg":
        data = anki.export(questions)
    elif fmt == "moodle-xml":
        data = moodle_xml.export(questions)
    elif fmt == "gift":
        text, left_out = gift.export(questions)
        data = text.encode()
    elif fmt == "csv":
        data = table.export_csv(questions).encode()
    elif fmt == "quizlet":
        data = table.export_quizlet(questions).encode()
    else:
        raise ValueError(f"format: '{fmt}' is not one of apkg, moodle-xml, gift, csv, quizlet")
    return Export(data, len(questions) - len(left_out), [f"{q.key} ({q.type})" for q in left_out])
