"""Sync the question bank's files into the database: add, update, archive, never delete."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from quiz.bank import schema
from quiz.bank.text import locate_quote, paragraphs
from quiz.db import utcnow, write_transaction
from quiz.models import Passage, Question, Source, Topic


@dataclass
class SyncReport:
    added: int = 0
    updated: int = 0
    archived: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.added} added, {self.updated} updated, {self.archived} archived"


def sync_bank(
    sources: list[schema.Source],
    items: list[schema.Item],
    seeds_dir: Path,
    archive_missing_sources: bool = False,
) -> SyncReport:
    """Write a validated bank into the database in one transaction.

    Items are matched on their namespaced key ("source/id"): new keys are
    inserted, items whose content hash changed are updated in place (so
    progress stays attached), and bank questions no longer in the files are
    archived. Loading the same files twice changes nothing.

    Args:
        sources: the sources read from the bank (all of it, or one folder).
        items: their items, already validated.
        seeds_dir: the folder holding the seed texts.
        archive_missing_sources: archive sources in the database that are not
            in `sources` (set when the whole bank root was read).
    """
    report = SyncReport()
    with write_transaction() as session:
        rows = {s.slug: s for s in session.scalars(select(Source).with_for_update())}
        for source in sources:
            seed = (seeds_dir / source.seed).read_text(encoding="utf-8")
            row = _sync_source(session, rows.get(source.slug), source, seed)
            source_items = [item for item in items if item.source == source.slug]
            _sync_questions(session, row, source_items, paragraphs(seed), report)
        if archive_missing_sources:
            loaded = {source.slug for source in sources}
            for slug, row in rows.items():
                if slug not in loaded and not row.archived:
                    row.archived = True
                    _sync_questions(session, row, [], [], report)
    return report


def _sync_source(session, row: Source | None, source: schema.Source, seed: str) -> Source:
    """Insert or update a source, its passages and its topics; return its row."""
    if row is None:
        row = Source(slug=source.slug)
        session.add(row)
    row.title, row.citation, row.archived = source.title, source.citation, False
    row.seed_sha256 = hashlib.sha256(seed.encode("utf-8")).hexdigest()
    session.flush()
    passages = {p.position: p for p in row.passages}
    texts = paragraphs(seed)
    for position, text in enumerate(texts):
        if position not in passages:
            session.add(Passage(source=row, position=position, text=text))
        elif passages[position].text != text:
            passages[position].text = text
    for position in set(passages) - set(range(len(texts))):
        session.delete(passages[position])  # nothing refers to a passage row by id
    topics = {t.slug: t for t in row.topics}
    for position, topic in enumerate(source.topics):
        if topic.slug not in topics:
            topics[topic.slug] = Topic(source=row, slug=topic.slug)
            session.add(topics[topic.slug])
        t = topics[topic.slug]
        t.title, t.summary, t.position, t.archived = topic.title, topic.summary, position, False
    declared = {topic.slug for topic in source.topics}
    for slug, t in topics.items():
        if slug not in declared:
            t.archived = True
    session.flush()
    return row


def _sync_questions(session, source: Source, items, texts: list[str], report: SyncReport) -> None:
    """Add, update or archive the bank questions of one source."""
    existing = {
        q.key: q
        for q in session.scalars(
            select(Question).where(Question.source_id == source.id, Question.origin == "bank")
        )
    }
    topic_ids = {t.slug: t.id for t in source.topics}
    now = utcnow()
    for item in items:
        row = existing.pop(item.key, None)
        digest = item.content_hash()
        if row is not None and row.content_hash == digest and not row.archived:
            report.unchanged += 1
            # The item is the same, but the seed may have gained or lost a paragraph.
            position = locate_quote(texts, item.quotes[0])
            if row.passage_position != position:
                row.passage_position = position
            continue
        if row is None:
            row = Question(key=item.key, source_id=source.id, origin="bank", created_at=now)
            session.add(row)
            report.added += 1
        else:
            report.updated += 1
        row.topic_id = topic_ids[item.topic]
        row.kind, row.type, row.difficulty, row.fact = (
            item.kind,
            item.type,
            item.difficulty,
            item.fact,
        )
        row.prompt, row.payload, row.explanation = item.prompt, item.payload, item.explanation
        row.quote, row.passage_position = item.quote, locate_quote(texts, item.quotes[0])
        row.card_front, row.card_back = item.card_front, item.card_back
        row.content_hash, row.archived, row.updated_at = digest, False, now
    for row in existing.values():
        if not row.archived:
            row.archived, row.updated_at = True, now
            report.archived += 1
