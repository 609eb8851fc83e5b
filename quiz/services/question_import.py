"""Questions in: a GIFT, Moodle XML, CSV or Quizlet file into an instructor's own questions.

An import never trusts its file: its size, its questions' number and text lengths are
bounded, control characters refused, each question checked with the bank's own rules
(`parse_payload`) and a quote, when there is one, found in the article. Any error and
nothing is written; otherwise every question is added to the instructor's own in one
transaction. Imported questions need no quote or explanation (a Quizlet line has
neither); the instructor can add them on the question's page.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy import select

from quiz.bank.schema import (
    KINDS,
    TYPES,
    answer_text,
    default_front,
    parse_payload,
    split_quotes,
)
from quiz.bank.text import normalize
from quiz.db import db, utcnow, write_transaction
from quiz.formats import gift, moodle_xml, table
from quiz.formats.portable import Draft, FormatError, Parsed, Skipped
from quiz.inputs import text_problem
from quiz.models import Passage, Source, Topic, User
from quiz.models import Question as QuestionRow

MAX_IMPORT_BYTES = 1_000_000  # the pages' MAX_CONTENT_LENGTH too
MAX_IMPORT_QUESTIONS = 1000
LIMITS = {"prompt": 2000, "explanation": 4000, "quote": 2000}
DEFAULT_KIND, DEFAULT_DIFFICULTY = "concept", 2


@dataclass
class ImportReport:
    """What an import added (or, on a dry run, would add) and what it skipped."""

    imported: list[tuple[str, str, str]] = field(default_factory=list)  # where, type, topic
    skipped: list[str] = field(default_factory=list)  # "FILE:LINE: name: reason"

    @property
    def summary(self) -> str:
        """Return the last line the command prints: `N imported, M skipped`."""
        return f"{len(self.imported)} imported, {len(self.skipped)} skipped"


class ImportRefused(ValueError):
    """The file cannot be imported; `errors` lists each as `FILE:LINE: message`."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


def _decode(filename: str, data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportRefused(
            [f"{filename}:{line}: not UTF-8 text; save the file as UTF-8"]
        ) from None
    for number, line in enumerate(text.splitlines(), 1):
        problem = text_problem(line)
        if problem:
            raise ImportRefused([f"{filename}:{number}: {problem}"])
    return text


def _parse(filename: str, fmt: str, data: bytes) -> Parsed:
    if len(data) > MAX_IMPORT_BYTES:
        limit = MAX_IMPORT_BYTES // 1_000_000
        raise ImportRefused([f"{filename}:1: the file is larger than {limit} MB; split it"])
    text = _decode(filename, data)
    try:
        if fmt == "gift":
            return gift.parse(text)
        if fmt == "moodle-xml":
            return moodle_xml.parse(data)
        if fmt == "csv":
            return table.parse_csv(text)
        if fmt == "quizlet":
            return table.parse_quizlet(text)
    except FormatError as error:
        raise ImportRefused([p.located(filename) for p in error.problems]) from None
    raise ValueError(f"format: '{fmt}' is not one of gift, moodle-xml, csv, quizlet")


def _topics() -> tuple[dict[str, Topic], list[str]]:
    """Every topic by slug, title, and source/slug or source title/title (folded)."""
    names: dict[str, Topic] = {}
    rows = db.session.execute(
        select(Topic, Source)
        .join(Source, Source.id == Topic.source_id)
        .where(Topic.archived.is_(False), Source.archived.is_(False))
        .order_by(Source.slug, Topic.position)
    ).all()
    for topic, source in rows:
        for name in (topic.slug, topic.title):
            names.setdefault(name.casefold(), topic)
            for prefix in (source.slug, source.title):
                names[f"{prefix}/{name}".casefold()] = topic
    return names, [topic.slug for topic, _ in rows]


def _category_topic(category: str, names: dict[str, Topic]) -> Topic | None:
    parts = [part.replace("\0", "/").strip() for part in category.replace("//", "\0").split("/")]
    parts = [part for part in parts if part]
    for size in (2, 1):
        if len(parts) >= size:
            found = names.get("/".join(parts[-size:]).casefold())
            if found is not None:
                return found
    return None


def _paragraph(normalized: list[str], quote: str) -> int | None:
    """Find a quote as `locate_quote` does, in paragraphs normalized once for the whole file."""
    needle = normalize(quote)
    return next((n for n, text in enumerate(normalized) if needle and needle in text), None)


def _check(draft: Draft, topic: Topic, passages: dict[int, list[str]]) -> tuple[dict, list[str]]:
    """Check one draft with the bank's rules; return its payload and its problems.

    Sets `draft.paragraph` to where its quote was found.
    """
    problems = []
    draft.paragraph = None
    draft.kind = draft.kind or DEFAULT_KIND
    draft.difficulty = draft.difficulty or DEFAULT_DIFFICULTY
    if draft.kind not in KINDS:
        problems.append(f"kind: '{draft.kind}' is not one of {', '.join(KINDS)}")
    if draft.difficulty not in (1, 2, 3):
        problems.append(f"difficulty: {draft.difficulty} is not 1, 2 or 3")
    if not draft.prompt.strip():
        problems.append("prompt: the question has no text")
    for name, limit in LIMITS.items():
        if len(getattr(draft, name)) > limit:
            problems.append(f"{name}: longer than {limit} characters")
    payload = None
    if draft.type not in TYPES:
        problems.append(f"type: '{draft.type}' has no equivalent here")
    else:
        payload, issues = parse_payload(draft.type, draft.raw)
        problems += [f"{name}: {message}" for name, message in issues]
    # Several quotes (one per pair or step, as the bank's items keep them) are one per line.
    found = [_paragraph(passages.get(topic.source_id, []), q) for q in split_quotes(draft.quote)]
    draft.paragraph = found[0] if found else None
    if None in found:
        problems.append("quote: not found in the article; copy a sentence or clause exactly")
    return payload, problems


def import_questions(
    owner: User,
    filename: str,
    data: bytes,
    fmt: str,
    *,
    dry_run: bool = False,
    topic_slug: str | None = None,
) -> ImportReport:
    """Import a file into an instructor's own questions, all or nothing.

    Args:
        owner: The instructor.
        filename: The file's name, for the messages.
        data: The file's bytes.
        fmt: One of `quiz.formats.IMPORT_FORMATS`.
        dry_run: Check everything and report, but write nothing.
        topic_slug: The topic for questions whose file names none (or none that exists).

    Returns:
        What was imported and what was skipped.

    Raises:
        ImportRefused: every error, as `FILE:LINE: message`; nothing was written.
    """
    parsed = _parse(filename, fmt, data)
    if len(parsed.drafts) > MAX_IMPORT_QUESTIONS:
        raise ImportRefused([f"{filename}:1: more than {MAX_IMPORT_QUESTIONS} questions; split it"])
    names, slugs = _topics()
    fallback = names.get(topic_slug.casefold()) if topic_slug else None
    if topic_slug and fallback is None:
        raise ImportRefused([f"{filename}:1: topic: there is no topic '{topic_slug}'"])
    passages: dict[int, list[str]] = {}
    for source_id, text in db.session.execute(
        select(Passage.source_id, Passage.text).order_by(Passage.source_id, Passage.position)
    ):
        passages.setdefault(source_id, []).append(normalize(text))
    report, errors, rows = ImportReport(), [], []
    for draft in parsed.drafts:
        where = draft.name if fmt == "moodle-xml" else draft.line
        topic = _category_topic(draft.category, names) if draft.category else None
        topic = topic or fallback
        if topic is None:
            named = (
                f"the category '{draft.category}' is not a topic of the article"
                if draft.category
                else "no category names a topic"
            )
            errors.append(
                f"{filename}:{where}: topic: {named}; use one of {', '.join(slugs)}, "
                "or choose a topic for the whole file"
            )
            continue
        payload, problems = _check(draft, topic, passages)
        errors += [f"{filename}:{where}: {problem}" for problem in problems]
        if not problems:
            rows.append((draft, topic, payload))
            report.imported.append((str(where), draft.type, topic.title))
    report.skipped = [_skipped(filename, fmt, s) for s in parsed.skipped]
    if errors:
        raise ImportRefused(errors)
    if not dry_run:
        _write(owner, rows)
    return report


def _skipped(filename: str, fmt: str, skipped: Skipped) -> str:
    where = skipped.name if fmt == "moodle-xml" else skipped.line
    return f"{filename}:{where}: skipped {skipped.reason}"


def _write(owner: User, rows: list[tuple[Draft, Topic, dict]]) -> None:
    """Add the checked questions to the instructor's own, in one transaction."""
    now = utcnow()
    with write_transaction() as session:
        for draft, topic, payload in rows:
            quote = draft.quote.strip()
            session.add(
                QuestionRow(
                    key=f"author/{owner.id}/{secrets.token_hex(6)}",
                    origin="author",
                    owner_id=owner.id,
                    fact=f"author-{secrets.token_hex(6)}",
                    source_id=topic.source_id,
                    topic_id=topic.id,
                    kind=draft.kind,
                    type=draft.type,
                    difficulty=draft.difficulty,
                    prompt=draft.prompt.strip(),
                    payload=payload,
                    explanation=draft.explanation.strip(),
                    quote=quote,
                    passage_position=draft.paragraph,
                    card_front=default_front(draft.type, draft.prompt.strip(), payload),
                    card_back=answer_text(draft.type, payload),
                    content_hash=secrets.token_hex(32),
                    created_at=now,
                    updated_at=now,
                )
            )
