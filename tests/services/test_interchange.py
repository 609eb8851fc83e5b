"""Questions out and back in: every format's round trip through the real bank, on the database."""

from sqlalchemy import select

from quiz.core.grading import grade
from quiz.db import db
from quiz.formats import gift
from quiz.models import Question, Role
from quiz.services import interchange
from tests.conftest import load_bank, make_user

SOURCE = "china-and-nato"


def right_response(type_: str, payload: dict):
    """The response a student who knows the answer gives."""
    return {
        "mcq": lambda: payload["answer"],
        "multi": lambda: payload["answers"],
        "true_false": lambda: payload["answer"],
        "short": lambda: payload["answers"][0],
        "numeric": lambda: payload["answer"],
        "matching": lambda: dict(payload["pairs"]),
        "ordering": lambda: payload["items"],
        "cloze": lambda: [blank[0] for blank in payload["blanks"]],
    }[type_]()


def owned(owner) -> list[Question]:
    return db.session.scalars(
        select(Question).where(Question.owner_id == owner.id).order_by(Question.id)
    ).all()


ROUND_TRIPS = [("moodle-xml", None), ("gift", gift.TYPES), ("csv", None)]


def test_bank_round_trips_keep_every_item_and_its_right_answer(app):
    """Bank -> Moodle XML, GIFT, CSV -> import: every item the format holds, full marks."""
    load_bank(app)  # once: loading the bank is the slow part
    for fmt, types in ROUND_TRIPS:
        round_trip(app, fmt, types)


def round_trip(app, fmt, types):
    owner = make_user(app, role=Role.INSTRUCTOR)
    with app.app_context():
        originals = interchange.questions_of(source=SOURCE)
        exported = interchange.export(fmt, originals)
        report = interchange.import_questions(owner, f"bank.{fmt}", exported.data, fmt)
        held = [q for q in originals if types is None or q.type in types]
        rows = owned(owner)
        assert report.summary == f"{len(held)} imported, 0 skipped"
        assert len(rows) == len(held) > 100
        for original, row in zip(held, rows, strict=True):
            same = (row.type, row.prompt, row.kind, row.difficulty, row.explanation, row.quote)
            assert same == (
                original.type,
                original.prompt,
                original.kind,
                original.difficulty,
                original.explanation,
                original.quote,
            ), original.key
            assert row.topic.slug == original.topic_slug
            assert row.passage_position is not None
            response = right_response(original.type, original.payload)
            assert grade(row.type, row.payload, response).score == 1.0, original.key
        if types is not None:
            left_out = {q.key for q in originals if q.type not in types}
            assert left_out and {entry.split(" ")[0] for entry in exported.not_exported} == left_out
