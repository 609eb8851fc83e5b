"""Tests for quiz.bank.schema: items, content hashes, payloads and card faces."""

from dataclasses import replace
from typing import Any

import pytest

from quiz.bank.schema import (
    KINDS,
    TYPES,
    BankError,
    Item,
    answer_text,
    default_front,
    format_number,
    parse_payload,
)


def make_item(**changes: Any) -> Item:
    """Build a valid mcq item, with some fields changed."""
    fields: dict[str, Any] = {
        "source": "china-and-nato",
        "topic": "belgrade-1999",
        "id": "belgrade-embassy-year",
        "kind": "event",
        "type": "mcq",
        "difficulty": 1,
        "fact": "belgrade-embassy-bombing-date",
        "prompt": "In what year did U.S. bombers strike the Chinese Embassy in Belgrade?",
        "explanation": "It was the first direct contact between NATO and China.",
        "quote": "The first direct contact between NATO and China occurred in 1999",
        "payload": {"options": ["1998", "1999", "2002"], "answer": "1999"},
        "card_front": "In what year did U.S. bombers strike the Chinese Embassy in Belgrade?",
        "card_back": "1999",
        "file": "question_bank/china-and-nato/belgrade-1999.toml",
    }
    fields.update(changes)
    return Item(**fields)


def test_constants() -> None:
    assert KINDS == ("event", "person", "position", "organization", "concept")
    assert TYPES == (
        "mcq",
        "multi",
        "true_false",
        "short",
        "numeric",
        "matching",
        "ordering",
        "cloze",
    )


def test_key_is_namespaced_by_source() -> None:
    assert make_item().key == "china-and-nato/belgrade-embassy-year"


def test_content_hash_is_stable() -> None:
    first, second = make_item(), make_item()
    assert first.content_hash() == second.content_hash()
    assert len(first.content_hash()) == 64
    reordered = make_item(payload={"answer": "1999", "options": ["1998", "1999", "2002"]})
    assert reordered.content_hash() == first.content_hash()


def test_content_hash_ignores_the_file() -> None:
    item = make_item()
    assert replace(item, file="elsewhere/moved.toml").content_hash() == item.content_hash()


@pytest.mark.parametrize(
    "changes",
    [
        {"explanation": "It was the first contact, during Operation Allied Force."},
        {"prompt": "When was the embassy struck?"},
        {"quote": "The first direct contact between NATO and China"},
        {"difficulty": 2},
        {"kind": "concept"},
        {"fact": "other-fact"},
        {"topic": "overview"},
        {"source": "other-source"},
        {"payload": {"options": ["1997", "1999", "2002"], "answer": "1999"}},
        {"card_front": "Belgrade embassy: year?"},
        {"card_back": "In 1999"},
    ],
)
def test_content_hash_changes_with_content(changes: dict[str, Any]) -> None:
    assert make_item(**changes).content_hash() != make_item().content_hash()


def test_item_is_frozen_and_hashable() -> None:
    item = make_item()
    with pytest.raises(AttributeError):
        item.id = "renamed"  # type: ignore[misc]
    assert item in {item}


def test_bank_error_str_uses_dash_for_missing_parts() -> None:
    assert str(BankError("a.toml", "x", "answer", "bad")) == "a.toml: x: answer: bad"
    assert str(BankError("a.toml", None, None, "bad")) == "a.toml: -: -: bad"


@pytest.mark.parametrize(
    ("type_", "payload", "back"),
    [
        ("mcq", {"options": ["1998", "1999", "2002"], "answer": "1999"}, "1999"),
        ("multi", {"options": ["a", "b", "c"], "answers": ["a", "c"]}, "a; c"),
        ("true_false", {"answer": True}, "True"),
        ("true_false", {"answer": False}, "False"),
        ("short", {"answers": ["Ma Xiaotian", "Ma"], "match": "name"}, "Ma Xiaotian"),
        ("numeric", {"answer": 1999, "tolerance": 0, "unit": None}, "1999"),
        ("numeric", {"answer": 25.0, "tolerance": 0, "unit": "soldiers"}, "25 soldiers"),
        ("numeric", {"answer": 2.5, "tolerance": 0.5, "unit": "km"}, "2.5 km"),
        (
            "matching",
            {"pairs": [["Bornemann", "delegation"], ["Qu Xing", "institute"], ["Ma", "maps"]]},
            "Bornemann → delegation\nQu Xing → institute\nMa → maps",
        ),
        ("ordering", {"items": ["1999", "2002", "2007"]}, "1. 1999\n2. 2002\n3. 2007"),
        (
            "cloze",
            {"text": "Talks began in {{2002}} in {{Brussels|Belgium}}.", "blanks": []},
            "Talks began in 2002 in Brussels.",
        ),
    ],
)
def test_answer_text_per_type(type_: str, payload: dict[str, Any], back: str) -> None:
    if type_ == "cloze":
        payload["blanks"] = [["2002"], ["Brussels", "Belgium"]]
    assert answer_text(type_, payload) == back


@pytest.mark.parametrize("type_", [t for t in TYPES if t != "cloze"])
def test_default_front_is_the_prompt(type_: str) -> None:
    assert default_front(type_, "The prompt?", {}) == "The prompt?"


def test_default_front_of_a_cloze_shows_blanks() -> None:
    payload = {"text": "Talks began in {{2002}} in {{Brussels|Belgium}}.", "blanks": []}
    assert default_front("cloze", "", payload) == "Talks began in [...] in [...]."
    assert (
        default_front("cloze", "Complete:", payload) == "Complete:\nTalks began in [...] in [...]."
    )


@pytest.mark.parametrize(
    ("type_", "raw", "payload"),
    [
        (
            "mcq",
            {"options": [" a ", "b", "c"], "answer": "a "},
            {"options": ["a", "b", "c"], "answer": "a"},
        ),
        (
            "multi",
            {"options": ["a", "b", "c"], "answers": ["b"]},
            {"options": ["a", "b", "c"], "answers": ["b"]},
        ),
        ("true_false", {"answer": False}, {"answer": False}),
        ("short", {"answers": ["x"]}, {"answers": ["x"], "match": "exact"}),
        ("short", {"answers": ["x"], "match": "name"}, {"answers": ["x"], "match": "name"}),
        ("numeric", {"answer": 1999}, {"answer": 1999, "tolerance": 0, "unit": None}),
        (
            "numeric",
            {"answer": 25, "tolerance": 2, "unit": " soldiers"},
            {"answer": 25, "tolerance": 2, "unit": "soldiers"},
        ),
        (
            "matching",
            {
                "pairs": [
                    {"left": "a", "right": "1"},
                    {"left": "b", "right": "2"},
                    {"left": "c", "right": "3"},
                ]
            },
            {"pairs": [["a", "1"], ["b", "2"], ["c", "3"]]},
        ),
        ("ordering", {"items": ["a", "b", "c"]}, {"items": ["a", "b", "c"]}),
        (
            "cloze",
            {"text": "In {{1999|99}}."},
            {"text": "In {{1999|99}}.", "blanks": [["1999", "99"]]},
        ),
    ],
)
def test_parse_payload_canonical_forms(
    type_: str, raw: dict[str, Any], payload: dict[str, Any]
) -> None:
    assert parse_payload(type_, raw) == (payload, [])


def test_parse_payload_returns_no_payload_on_issues() -> None:
    assert parse_payload("mcq", {"options": ["a", "b"], "answer": "a"}) == (
        None,
        [("options", "needs 3 to 6 options, got 2")],
    )


def test_parse_payload_rejects_unknown_type() -> None:
    with pytest.raises(ValueError, match="unknown type"):
        parse_payload("essay", {})


@pytest.mark.parametrize(
    ("value", "text"), [(1999, "1999"), (25.0, "25"), (2.5, "2.5"), (-3, "-3")]
)
def test_format_number(value: float, text: str) -> None:
    assert format_number(value) == text
