"""Questions out and back in: every format's round trip through the real bank, on the database."""

from pathlib import Path

import genanki
import pytest
from sqlalchemy import func, select

from quiz.core.grading import grade
from quiz.db import db
from quiz.formats import gift
from quiz.models import Question, Role
from quiz.services import question_export, question_import
from tests.conftest import load_bank, make_article, make_user

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
        originals = question_export.questions_of(source=SOURCE)
        exported = question_export.export(fmt, originals)
        report = question_import.import_questions(owner, f"bank.{fmt}", exported.data, fmt)
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


FIXTURES = Path(__file__).parent.parent / "fixtures" / "formats"
DTD = "refused: the file declares a DTD, which may define entities; remove the <!DOCTYPE ...>"


def import_file(app, owner, name: str, data: bytes | None = None, fmt: str = "gift", **kw):
    with app.app_context():
        data = (FIXTURES / name).read_bytes() if data is None else data
        return question_import.import_questions(owner, name, data, fmt, **kw)


def count_questions(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Question))


@pytest.fixture
def article(app):
    topics = make_article(app)
    return topics, make_user(app, role=Role.INSTRUCTOR)


def test_gift_fixture_imports_into_the_topics_its_categories_name(app, article):
    topics, owner = article
    report = import_file(app, owner, "every-feature.gift")
    assert report.summary == "16 imported, 2 skipped"
    assert report.skipped == [
        "every-feature.gift:58: skipped an essay: nothing here grades free writing",
        "every-feature.gift:60: skipped a description (no answer block): nothing to grade",
    ]
    with app.app_context():
        rows = owned(owner)
        assert [row.topic_id for row in rows] == [topics["first-things"]] * 12 + [
            topics["second-things"]
        ] * 4
        quoted = next(row for row in rows if row.quote)
        assert quoted.passage_position == 0
        assert quoted.explanation == "The summit met there."
        multi = next(row for row in rows if row.type == "multi")
        assert (multi.kind, multi.difficulty) == ("event", 3)
        assert grade("multi", multi.payload, ["Brussels", "Lisbon"]).score == 1.0
        assert grade("multi", multi.payload, ["Brussels", "Paris"]).score == 0.0


def test_xml_fixture_imports_every_type(app, article):
    _, owner = article
    report = import_file(app, owner, "every-type.xml", fmt="moodle-xml")
    assert report.summary == "8 imported, 3 skipped"
    assert report.skipped[0] == (
        "every-type.xml:Cloze with choices: skipped a cloze with MULTICHOICE blanks: "
        "blanks here are typed, not chosen"
    )
    with app.app_context():
        types = [row.type for row in owned(owner)]
    assert types == [
        "mcq",
        "multi",
        "true_false",
        "short",
        "numeric",
        "matching",
        "ordering",
        "cloze",
    ]


def test_dry_run_reports_and_writes_nothing(app, article):
    _, owner = article
    report = import_file(app, owner, "every-feature.gift", dry_run=True)
    assert report.summary == "16 imported, 2 skipped"
    assert count_questions(app) == 0


BROKEN = (  # (file, format, every error it reports)
    [
        (
            "broken.gift",
            "gift",
            [
                "broken.gift:5: the answer block opened with { is never closed with }",
                "broken.gift:7: 'nineteen' is not a number, number:tolerance or low..high",
                "broken.gift:11: no right answer: mark one with = or a positive %weight%",
            ],
        ),
        (
            "broken.xml",
            "moodle-xml",
            [
                "broken.xml:TF without a right answer: "
                "a true/false question needs one right answer, true or false",
                "broken.xml:Numeric without a number: "
                "a numerical answer or tolerance is not a number",
            ],
        ),
        (
            "xxe.xml",
            "moodle-xml",
            [
                "xxe.xml:1: " + DTD,
            ],
        ),
        (
            "billion-laughs.xml",
            "moodle-xml",
            [
                "billion-laughs.xml:1: " + DTD,
            ],
        ),
    ]
)


def test_broken_and_hostile_files_write_nothing(app, article):
    _, owner = article
    for name, fmt, errors in BROKEN:
        with pytest.raises(question_import.ImportRefused) as refused:
            import_file(app, owner, name, fmt=fmt)
        assert refused.value.errors == errors
    assert count_questions(app) == 0


GOOD = "$CATEGORY: First things\n\n::ok::Which city?{=Brussels ~Paris ~Rome}\n\n"


REFUSED = (  # (file text, the one error it reports)
    [
        (
            GOOD + "::two::Which city?{=Brussels ~Paris}",
            "x.gift:5: options: needs 3 to 6 options, got 2",
        ),
        (
            GOOD + "::q::Which city?{=Brussels ~Paris ~Rome####From the article: “Not in it.”}",
            "x.gift:5: quote: not found in the article; copy a sentence or clause exactly",
        ),
        (
            "$CATEGORY: Elsewhere\n\n::q::Which?{=a ~b ~c}",
            "x.gift:3: topic: the category 'Elsewhere' is not a topic of the article; use one of "
            "first-things, second-things, or choose a topic for the whole file",
        ),
        (
            "::q::Which?{=a ~b ~c}",
            "x.gift:1: topic: no category names a topic; use one of "
            "first-things, second-things, or choose a topic for the whole file",
        ),
        (
            GOOD + '// quiz-meta: {"kind": "weather"}\n::q::Which?{=a ~b ~c}',
            "x.gift:6: kind: 'weather' is not one of event, person, position, "
            "organization, concept",
        ),
        (
            GOOD + "::q::Which\x01?{=a ~b ~c}",
            "x.gift:5: remove the invisible control character U+0001 "
            "(tabs and line breaks are fine).",
        ),
        (
            GOOD + "::q::" + "W" * 2001 + "{=a ~b ~c}",
            "x.gift:5: prompt: longer than 2000 characters",
        ),
    ]
)


def test_bank_rules_refuse_a_question_and_nothing_is_written(app, article):
    _, owner = article
    for text, error in REFUSED:
        with pytest.raises(question_import.ImportRefused) as refused:
            import_file(app, owner, "x.gift", text.encode())
        assert refused.value.errors == [error]
    assert count_questions(app) == 0


def test_file_too_large_or_not_utf8_is_refused(app, article):
    _, owner = article
    too_big = b"// x\n" * (question_import.MAX_IMPORT_BYTES // 5 + 1)
    for data, error in [
        (too_big, "x.gift:1: the file is larger than 1 MB; split it"),
        (
            GOOD.encode() + b"::q::\xff{=a ~b ~c}",
            "x.gift:5: not UTF-8 text; save the file as UTF-8",
        ),
    ]:
        with pytest.raises(question_import.ImportRefused) as refused:
            import_file(app, owner, "x.gift", data)
        assert refused.value.errors == [error]
    assert count_questions(app) == 0


def test_a_topic_chosen_for_the_file_takes_questions_without_a_category(app, article):
    topics, owner = article
    text = "Brussels\tThe capital of Belgium\nLisbon\tThe capital of Portugal\n"
    report = import_file(
        app, owner, "cards.txt", text.encode(), "quizlet", topic_slug="second-things"
    )
    assert report.summary == "2 imported, 0 skipped"
    with app.app_context():
        rows = owned(owner)
        assert {row.topic_id for row in rows} == {topics["second-things"]}
        assert grade(rows[0].type, rows[0].payload, "the capital of belgium").score == 1.0


def test_the_banks_anki_deck_has_one_note_per_question_and_a_card_per_blank(app, tmp_path):
    collection_module = pytest.importorskip(
        "anki.collection", reason="Anki's backend is missing: pip install -e '.[anki-oracle]'"
    )
    load_bank(app)
    with app.app_context():
        originals = question_export.questions_of(source=SOURCE)
        path = tmp_path / "bank.apkg"
        path.write_bytes(question_export.export("apkg", originals).data)
    collection = collection_module.Collection(str(tmp_path / "collection.anki2"))
    try:
        request = collection_module.ImportAnkiPackageRequest(
            package_path=str(path), options=collection_module.ImportAnkiPackageOptions()
        )
        assert len(collection.import_anki_package(request).log.new) == len(originals)
        expected = {q.key: len(q.payload["blanks"]) if q.type == "cloze" else 1 for q in originals}
        guids = {genanki.guid_for(key): key for key in expected}
        cards = {
            guids[collection.get_note(note_id).guid]: len(collection.get_note(note_id).cards())
            for note_id in collection.find_notes("")
        }
        assert cards == expected
        assert max(expected.values()) > 1  # some cloze has several blanks
        again = collection.import_anki_package(request).log
        assert (len(again.new), collection.note_count()) == (0, len(originals))
    finally:
        collection.close()
