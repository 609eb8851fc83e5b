"""The question bank in the database: sources, their passages, topics and questions."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quiz.db import UTCDateTime, db, utcnow


class Source(db.Model):
    """A source article; its slug namespaces the ids of its questions."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    citation: Mapped[str] = mapped_column(String(300), default="")
    seed_sha256: Mapped[str] = mapped_column(String(64))
    archived: Mapped[bool] = mapped_column(default=False)

    passages: Mapped[list["Passage"]] = relationship(
        back_populates="source", order_by="Passage.position"
    )
    topics: Mapped[list["Topic"]] = relationship(back_populates="source", order_by="Topic.position")


class Passage(db.Model):
    """One paragraph of a source's text, as the reader shows it."""

    __table_args__ = (UniqueConstraint("source_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"))
    position: Mapped[int]  # 0-based paragraph number in the seed text
    text: Mapped[str] = mapped_column(Text)

    source: Mapped[Source] = relationship(back_populates="passages")


class Topic(db.Model):
    __table_args__ = (UniqueConstraint("source_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"))
    slug: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    archived: Mapped[bool] = mapped_column(default=False)

    source: Mapped[Source] = relationship(back_populates="topics")


class Question(db.Model):
    """A question of the bank (origin "bank") or written by an instructor (origin "author").

    `key` ("source/id") is the stable name from the bank; rows are never deleted,
    only archived, so progress and history keep pointing at them.
    """

    __table_args__ = (
        Index("ix_question_source_topic", "source_id", "topic_id"),
        Index("ix_question_source_fact", "source_id", "fact"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(220), unique=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id"))
    kind: Mapped[str] = mapped_column(String(20))
    type: Mapped[str] = mapped_column(String(20))
    difficulty: Mapped[int]
    fact: Mapped[str] = mapped_column(String(120))
    prompt: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict] = mapped_column(JSON)
    explanation: Mapped[str] = mapped_column(Text)
    quote: Mapped[str] = mapped_column(Text)
    passage_position: Mapped[int | None]
    card_front: Mapped[str] = mapped_column(Text)
    card_back: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(10), default="bank")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    source: Mapped[Source] = relationship()
    topic: Mapped[Topic] = relationship()

    @property
    def slug(self) -> str:
        """Return the id within the source (the part of the key after the slash)."""
        return self.key.partition("/")[2]


class BankVersion(db.Model):
    """One row: the bank's generation, bumped in the same transaction as any change to a
    source, topic or question, so every process sees when its cached copy is old."""

    __tablename__ = "bank_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    generation: Mapped[int] = mapped_column(default=0)
