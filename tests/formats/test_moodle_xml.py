"""Moodle XML read with defusedxml: every type on a fixture, broken and hostile files refused."""

from pathlib import Path

import pytest

from quiz.formats import moodle_xml
from quiz.formats.portable import FormatError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "formats"
DTD = "refused: the file declares a DTD, which may define entities; remove the <!DOCTYPE ...>"


@pytest.fixture(scope="module")
def parsed():
    return moodle_xml.parse((FIXTURES / "every-type.xml").read_bytes())


@pytest.mark.parametrize(
    ("name", "type_", "raw", "category"),
    [
        (
            "MC single",
            "mcq",
            {"options": ["Brussels", "Paris", "Rome"], "answer": "Brussels"},
            "First things",
        ),
        (
            "MC multi",
            "multi",
            {"options": ["Brussels", "Lisbon", "Paris", "Rome"], "answers": ["Brussels", "Lisbon"]},
            "First things",
        ),
        ("TF", "true_false", {"answer": False}, "First things"),
        ("Short", "short", {"answers": ["Brussels", "Bruxelles"], "match": "name"}, "First things"),
        ("Numeric", "numeric", {"answer": 264, "tolerance": 10, "unit": "km"}, "First things"),
        (
            "Matching",
            "matching",
            {
                "pairs": [
                    {"left": "Brussels", "right": "Belgium"},
                    {"left": "Lisbon", "right": "Portugal"},
                    {"left": "Rome", "right": "Italy"},
                ]
            },
            "Second things",
        ),
        ("Ordering", "ordering", {"items": ["First", "Second", "Third"]}, "Second things"),
        (
            "Cloze",
            "cloze",
            {"text": "The treaty was signed in {{Brussels|Bruxelles}} in {{1949}}."},
            "Second things",
        ),
    ],
)
def test_every_type_is_read(parsed, name, type_, raw, category):
    draft = next(d for d in parsed.drafts if d.name == name)
    assert (draft.type, draft.raw, draft.category) == (type_, raw, f"Test article/{category}")


def test_html_feedback_and_tags_are_read(parsed):
    draft = parsed.drafts[0]
    assert draft.prompt == "Where was the treaty signed?"
    assert draft.explanation == "The summit met there."
    assert draft.quote == "The treaty was signed in Brussels in 1949."
    assert (draft.kind, draft.difficulty) == ("event", 3)
    assert next(d for d in parsed.drafts if d.name == "Cloze").prompt == "Complete the sentence."


def test_types_without_an_equivalent_are_skipped_by_name(parsed):
    assert [(s.name, s.reason.split(":")[0]) for s in parsed.skipped] == [
        ("Cloze with choices", "a cloze with MULTICHOICE blanks"),
        ("Essay", "an essay"),
        ("Description", "a description"),
    ]


@pytest.mark.parametrize(
    ("fixture", "problems"),
    [
        (
            "broken.xml",
            [
                (
                    "TF without a right answer",
                    "a true/false question needs one right answer, true or false",
                ),
                ("Numeric without a number", "a numerical answer or tolerance is not a number"),
            ],
        ),
        ("malformed.xml", [(5, "not well-formed XML (mismatched tag: line 5, column 51)")]),
        (
            "xxe.xml",
            [
                (
                    1,
                    DTD,
                )
            ],
        ),
        (
            "billion-laughs.xml",
            [
                (
                    1,
                    DTD,
                )
            ],
        ),
    ],
)
def test_broken_and_hostile_files_are_refused(fixture, problems):
    with pytest.raises(FormatError) as refused:
        moodle_xml.parse((FIXTURES / fixture).read_bytes())
    assert [(p.where, p.message) for p in refused.value.problems] == problems


def test_an_entity_without_a_dtd_is_refused():
    data = (
        b"<quiz><question type='shortanswer'><name><text>&lt;&foo;</text></name></question></quiz>"
    )
    with pytest.raises(FormatError) as refused:
        moodle_xml.parse(data)
    assert "undefined entity" in refused.value.problems[0].message


def test_every_number_survives_the_round_trip_exactly():
    from quiz.formats import gift
    from tests.formats.test_gift import question

    numbers = [(1234567, 0.5), (0.000123, 0.00001), (1999, 0), (-40.25, 1)]
    questions = [
        question("numeric", {"answer": a, "tolerance": t, "unit": None}) for a, t in numbers
    ]
    again_xml = moodle_xml.parse(moodle_xml.export(questions)).drafts
    again_gift = gift.parse(gift.export(questions)[0]).drafts
    for drafts in (again_xml, again_gift):
        assert [(d.raw["answer"], d.raw["tolerance"]) for d in drafts] == numbers
