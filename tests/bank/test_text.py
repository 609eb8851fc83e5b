"""Tests for quiz.bank.text: normalization, paragraphs, quote lookup, cloze parsing."""

import pytest

from quiz.bank.text import locate_quote, normalize, paragraphs, parse_cloze

SEED = (
    "A Title: Hopes and Fears\n"
    "\n"
    "Section Header\n"
    "\n"
    "First paragraph, with “curly” quotes and Beijing’s view.\n"
    "   \n"
    "Second  paragraph\n"
    "wrapped over two lines.\n"
    "\n"
    "\n"
    "Third paragraph.\n"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Beijing’s view", "Beijing's view"),
        ("‘single’ and “double”", "'single' and \"double\""),
        ("  many   spaces\n\tand\nlines  ", "many spaces and lines"),
        ("ﬁne\u00a0print", "fine print"),
        ("Case Is Kept.", "Case Is Kept."),
        ("", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_paragraphs_split_on_blank_lines_and_keep_headers() -> None:
    assert paragraphs(SEED) == [
        "A Title: Hopes and Fears",
        "Section Header",
        "First paragraph, with “curly” quotes and Beijing’s view.",
        "Second  paragraph\nwrapped over two lines.",
        "Third paragraph.",
    ]


def test_paragraphs_accept_windows_line_endings() -> None:
    assert paragraphs("One\r\n\r\nTwo\r\n") == ["One", "Two"]


@pytest.mark.parametrize(
    ("quote", "expected"),
    [
        ("A Title", 0),
        ("Section Header", 1),
        ('with "curly" quotes and Beijing\'s view', 2),
        ("with “curly” quotes", 2),
        ("Second paragraph wrapped   over two lines.", 3),
        ("Third paragraph.", 4),
        ("two lines. Third paragraph.", None),
        ("not in the seed", None),
        ("third paragraph.", None),
        ("", None),
        ("   ", None),
    ],
)
def test_locate_quote(quote: str, expected: int | None) -> None:
    assert locate_quote(paragraphs(SEED), quote) == expected


def test_parse_cloze_parts_and_blanks() -> None:
    parts, blanks = parse_cloze("Signed in {{1999}} by {{ Alice | Alice Smith }}.")
    assert parts == ["Signed in ", " by ", "."]
    assert blanks == [["1999"], ["Alice", "Alice Smith"]]


def test_parse_cloze_without_blanks() -> None:
    assert parse_cloze("No blank here.") == (["No blank here."], [])


def test_parse_cloze_keeps_empty_alternatives_for_the_validator() -> None:
    assert parse_cloze("{{}} and {{a|}}")[1] == [[""], ["a", ""]]


@pytest.mark.parametrize(
    "text",
    ["In {{1999} it", "In {1999}} it", "In {{19{{99}} it", "In {1999} it", "trailing {{", "}}"],
)
def test_parse_cloze_rejects_unbalanced_braces(text: str) -> None:
    with pytest.raises(ValueError, match="unbalanced braces"):
        parse_cloze(text)
