"""GIFT read as Moodle reads it, on a fixture covering every feature, and broken files."""

from pathlib import Path

import pytest

from quiz.formats import gift
from quiz.formats.portable import FormatError, Question

FIXTURES = Path(__file__).parent.parent / "fixtures" / "formats"
FIRST = "$course$/top/Test article/First things"
SECOND = "$course$/top/Test article/Second things"


@pytest.fixture(scope="module")
def parsed():
    return gift.parse((FIXTURES / "every-feature.gift").read_text())


def found(parsed, name: str):
    return next(d for d in parsed.drafts if d.name == name)


@pytest.mark.parametrize(
    ("name", "line", "type_", "raw"),
    [
        ("TF plain", 6, "true_false", {"answer": True}),
        ("TF feedback", 8, "true_false", {"answer": False}),
        (
            "MC with feedback",
            10,
            "mcq",
            {"options": ["Brussels", "Paris", "Berlin", "Rome"], "answer": "Brussels"},
        ),
        (
            "Multi weights",
            18,
            "multi",
            {"options": ["Brussels", "Lisbon", "Paris", "Rome"], "answers": ["Brussels", "Lisbon"]},
        ),
        (
            "Escapes",
            25,
            "mcq",
            {
                "options": ["a backslash: \\", "a slash", "a dot", "a comma"],
                "answer": "a backslash: \\",
            },
        ),
        ("Short several", 27, "short", {"answers": ["Brussels", "Bruxelles"]}),
        ("Numeric tolerance", 29, "numeric", {"answer": 1949, "tolerance": 1}),
        ("Numeric range", 31, "numeric", {"answer": 1949, "tolerance": 1}),
        ("Numeric several", 33, "numeric", {"answer": 1949, "tolerance": 0}),
        (
            "Matching",
            38,
            "matching",
            {
                "pairs": [
                    {"left": "Brussels", "right": "Belgium"},
                    {"left": "Lisbon", "right": "Portugal"},
                    {"left": "Rome", "right": "Italy"},
                ]
            },
        ),
        (
            "Missing word short",
            45,
            "cloze",
            {"text": "The treaty was signed in {{Brussels|Bruxelles}} in 1949."},
        ),
        (
            "Missing word choice",
            47,
            "mcq",
            {"options": ["Brussels", "Paris", "Rome"], "answer": "Brussels"},
        ),
    ],
)
def test_every_gift_type_is_read_with_its_line(parsed, name, line, type_, raw):
    draft = found(parsed, name)
    assert (draft.line, draft.type, draft.raw, draft.category) == (line, type_, raw, FIRST)


def test_escapes_comments_and_general_feedback_become_text(parsed):
    assert found(parsed, "Escapes").prompt == "Which sign is written = ~ # { } : in GIFT?"
    mc = found(parsed, "MC with feedback")
    assert mc.explanation == "The summit met there."
    assert mc.quote == "The treaty was signed in Brussels in 1949."
    assert found(parsed, "Missing word choice").prompt == "The treaty was signed in _____ in 1949."


def test_meta_comment_sets_kind_and_difficulty(parsed):
    draft = found(parsed, "Multi weights")
    assert (draft.kind, draft.difficulty) == ("event", 3)
    assert found(parsed, "TF plain").kind is None


@pytest.mark.parametrize(
    ("name", "prompt"),
    [
        ("HTML text", "Which city is the capital of Belgium & the seat?"),
        ("Markdown text", "Which city is **the capital**\nof Belgium?"),
        ("Moodle text", "Which city is the capital of Belgium (moodle)?"),
        ("Which city? (no title)", "Which city? (no title)"),
    ],
)
def test_text_formats_and_second_category(parsed, name, prompt):
    draft = found(parsed, name)
    assert (draft.prompt, draft.category) == (prompt, SECOND)
    assert draft.raw["answer"] == "Brussels"


def test_essay_and_description_are_skipped_with_their_lines(parsed):
    skipped = [(s.line, s.name, s.reason.split(":")[0]) for s in parsed.skipped]
    assert skipped == [
        (58, "Essay", "an essay"),
        (60, "Description", "a description (no answer block)"),
    ]


def test_broken_file_names_every_bad_line():
    with pytest.raises(FormatError) as refused:
        gift.parse((FIXTURES / "broken.gift").read_text())
    assert [(p.where, p.message) for p in refused.value.problems] == [
        (5, "the answer block opened with { is never closed with }"),
        (7, "'nineteen' is not a number, number:tolerance or low..high"),
        (11, "no right answer: mark one with = or a positive %weight%"),
    ]


def question(type_: str, payload: dict, **kw) -> Question:
    fields = dict(
        key="src/q1",
        source_slug="src",
        source_title="Src / Two",
        topic_slug="t",
        topic_title="Topic",
        kind="event",
        type=type_,
        difficulty=1,
        prompt="Say {it}: now?",
        explanation="Because.",
        quote="A quote.",
        card_front="",
        card_back="",
    )
    return Question(payload=payload, **(fields | kw))


def test_export_escapes_text_and_lists_what_it_cannot_hold():
    questions = [
        question("mcq", {"options": ["a=b", "c~d", "e#f"], "answer": "a=b"}),
        question("ordering", {"items": ["x", "y", "z"]}, key="src/order"),
        question("cloze", {"text": "{{x}}", "blanks": [["x"]]}, key="src/gap"),
    ]
    text, left_out = gift.export(questions)
    assert [q.key for q in left_out] == ["src/order", "src/gap"]
    assert "// Not exported: src/order (ordering: GIFT has no ordering question)." in text
    assert "$CATEGORY: $course$/Src // Two/Topic" in text
    assert "::q1::Say \\{it\\}\\: now? {=a\\=b ~c\\~d ~e\\#f####Because." in text
    again = gift.parse(text)
    assert again.drafts[0].raw == {"options": ["a=b", "c~d", "e#f"], "answer": "a=b"}
    assert again.drafts[0].prompt == "Say {it}: now?"
    assert (again.drafts[0].explanation, again.drafts[0].quote) == ("Because.", "A quote.")
