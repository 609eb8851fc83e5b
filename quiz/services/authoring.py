"""Instructors' own questions: checked with the bank's own rules, versioned once answered.

An instructor's question lives in their collection (origin "author"): it is
shown to students only inside that instructor's assignments. Editing a
question that already has answers makes a new version and archives the old
one, so those answers stay graded against the question they answered.
"""

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from quiz.bank.schema import (
    KINDS,
    TYPES,
    answer_text,
    default_front,
    parse_payload,
    split_quotes,
)
from quiz.bank.text import locate_quote
from quiz.db import db, utcnow, write_transaction
from quiz.models import Answer, Classroom, Passage, Question, Quiz, Topic, User

# Where the bank's field names show up in the authoring form.
FORM_FIELD = {
    "options": "options",
    "answers": {"multi": "options", "short": "accepted"},
    "answer": {"mcq": "options", "true_false": "answer_bool", "numeric": "number"},
    "match": "is_name",
    "tolerance": "tolerance",
    "unit": "unit",
    "pairs": "pairs",
    "items": "items",
    "text": "cloze_text",
}


@dataclass
class Draft:
    """A question as typed in the form, before it is checked."""

    topic_id: int
    kind: str
    type: str
    difficulty: int
    prompt: str
    explanation: str
    quote: str
    options: str = ""  # one per line; right ones start with "*"
    answer_bool: str = ""
    accepted: str = ""
    is_name: bool = False
    number: str = ""
    tolerance: str = ""
    unit: str = ""
    pairs: str = ""  # "left = right" per line
    items: str = ""
    cloze_text: str = ""


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def raw_answer_data(draft: Draft) -> dict:
    """Turn the form's answer fields into the bank's raw answer data for the type."""
    if draft.type in ("mcq", "multi"):
        lines = _lines(draft.options)
        options = [line.lstrip("*").strip() for line in lines]
        right = [line.lstrip("*").strip() for line in lines if line.startswith("*")]
        if draft.type == "mcq":
            return {"options": options, "answer": right[0] if len(right) == 1 else None}
        return {"options": options, "answers": right}
    if draft.type == "true_false":
        return {"answer": {"true": True, "false": False}.get(draft.answer_bool)}
    if draft.type == "short":
        return {"answers": _lines(draft.accepted), "match": "name" if draft.is_name else "exact"}
    if draft.type == "numeric":
        raw = {"answer": _number(draft.number), "tolerance": _number(draft.tolerance) or 0}
        if draft.unit.strip():
            raw["unit"] = draft.unit.strip()
        return raw
    if draft.type == "matching":
        pairs = []
        for line in _lines(draft.pairs):
            left, sep, right = line.partition("=")
            pairs.append({"left": left.strip(), "right": right.strip() if sep else ""})
        return {"pairs": pairs}
    if draft.type == "ordering":
        return {"items": _lines(draft.items)}
    return {"text": draft.cloze_text.strip()}


def _number(text: str):
    try:
        value = float(text.replace(",", "").strip())
    except ValueError:
        return text.strip() or None
    return int(value) if value.is_integer() else value


def check(draft: Draft, source_id: int) -> tuple[dict | None, dict[str, list[str]], int | None]:
    """Check a draft with the bank's rules.

    Returns:
        `(payload, errors, passage)`: the canonical payload (None on errors),
        the errors by form field, and the paragraph where the quote was found.
    """
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if draft.kind not in KINDS:
        add("kind", "Choose a kind.")
    if draft.type not in TYPES:
        add("type", "Choose a type.")
        return None, errors, None
    for field in ("prompt", "explanation", "quote"):
        if not getattr(draft, field).strip():
            add(field, "This field is required.")
    raw = raw_answer_data(draft)
    unmarked = draft.type in ("mcq", "true_false") and raw.get("answer") is None
    if unmarked and draft.type == "mcq":
        add("options", "Mark exactly one option as right with a * at the start of its line.")
        raw["answer"] = raw["options"][0] if raw["options"] else ""
    if unmarked and draft.type == "true_false":
        add("answer_bool", "Say whether the statement is true or false.")
        raw["answer"] = False
    payload, issues = parse_payload(draft.type, raw)
    if unmarked:  # already explained above, in the student's words
        issues = [(name, message) for name, message in issues if name != "answer"]
    for name, message in issues:
        target = FORM_FIELD.get(name, "options")
        if isinstance(target, dict):
            target = target.get(draft.type, "options")
        add(target, message[0].upper() + message[1:] + ("" if message.endswith(".") else "."))
    passage = None
    if draft.quote.strip():
        texts = db.session.scalars(
            select(Passage.text).where(Passage.source_id == source_id).order_by(Passage.position)
        ).all()
        # Several quotes (as a copied bank item keeps them) are one per line: each must be found.
        found = [locate_quote(list(texts), quote) for quote in split_quotes(draft.quote)]
        passage = found[0] if found else None
        if None in found:
            add("quote", "Not found in the article: copy a sentence or clause exactly.")
    return (None if errors else payload), errors, passage


def save(user: User, draft: Draft, question_id: int | None = None) -> Question:
    """Create a question, or edit one of the user's (a new version if it has answers).

    Raises:
        ValueError: the draft does not pass `check` (call it first), or an unknown topic.
        LookupError: not the user's question.
    """
    topic = db.session.get(Topic, draft.topic_id)
    if topic is None:
        raise ValueError("topic: choose a topic.")
    payload, errors, passage = check(draft, topic.source_id)
    if errors:
        raise ValueError(errors)
    now = utcnow()
    with write_transaction() as session:
        old = None
        if question_id is not None:
            old = session.scalars(
                select(Question)
                .where(
                    Question.id == question_id,
                    Question.owner_id == user.id,
                    Question.origin == "author",
                    Question.archived.is_(False),
                )
                .with_for_update()
            ).one_or_none()
            if old is None:
                raise LookupError("no such question")
        answered = old is not None and session.scalar(
            select(func.count()).select_from(Answer).where(Answer.question_id == old.id)
        )
        if old is None or answered:
            row = Question(
                key=f"author/{user.id}/{secrets.token_hex(6)}",
                origin="author",
                owner_id=user.id,
                created_at=now,
                fact=old.fact if old else f"author-{secrets.token_hex(6)}",
            )
            session.add(row)
        else:
            row = old
        row.source_id, row.topic_id = topic.source_id, topic.id
        row.kind, row.type, row.difficulty = draft.kind, draft.type, draft.difficulty
        row.prompt, row.payload = draft.prompt.strip(), payload
        row.explanation, row.quote = draft.explanation.strip(), draft.quote.strip()
        row.passage_position = passage
        row.card_front = default_front(draft.type, row.prompt, payload)
        row.card_back = answer_text(draft.type, payload)
        row.content_hash = secrets.token_hex(32)
        row.updated_at, row.archived = now, False
        session.flush()
        if old is not None and answered:
            old.archived = True
            _point_assignments_to(session, user, old.id, row.id)
    return row


def _point_assignments_to(session, user: User, old_id: int, new_id: int) -> None:
    """Future attempts of the user's assignments use the new version of an edited question."""
    for quiz in session.scalars(
        select(Quiz)
        .join(Classroom, Classroom.id == Quiz.classroom_id)
        .where(Classroom.instructor_id == user.id, Quiz.question_ids.is_not(None))
    ):
        if old_id in quiz.question_ids:
            quiz.question_ids = [new_id if qid == old_id else qid for qid in quiz.question_ids]


def draft_of(question: Question) -> Draft:
    """Fill the form's fields back from a saved question."""
    p = question.payload
    draft = Draft(
        topic_id=question.topic_id,
        kind=question.kind,
        type=question.type,
        difficulty=question.difficulty,
        prompt=question.prompt,
        explanation=question.explanation,
        quote=question.quote,
    )
    if question.type == "mcq":
        draft.options = "\n".join(("*" if o == p["answer"] else "") + o for o in p["options"])
    elif question.type == "multi":
        draft.options = "\n".join(("*" if o in p["answers"] else "") + o for o in p["options"])
    elif question.type == "true_false":
        draft.answer_bool = "true" if p["answer"] else "false"
    elif question.type == "short":
        draft.accepted, draft.is_name = "\n".join(p["answers"]), p["match"] == "name"
    elif question.type == "numeric":
        draft.number, draft.tolerance = f"{p['answer']:g}", f"{p['tolerance']:g}"
        draft.unit = p.get("unit") or ""
    elif question.type == "matching":
        draft.pairs = "\n".join(f"{left} = {right}" for left, right in p["pairs"])
    elif question.type == "ordering":
        draft.items = "\n".join(p["items"])
    else:
        draft.cloze_text = p["text"]
    return draft
