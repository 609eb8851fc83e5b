"""The real bank's alias list: every alias is accepted wherever its answer is."""

import tomllib
from pathlib import Path

import pytest

from quiz.bank.reader import read_bank
from quiz.bank.schema import Item
from quiz.core.grading import Grade, grade, normalize_answer

ROOT = Path(__file__).resolve().parents[2]
ALIAS_FILE = ROOT / "question_bank" / "china-and-nato" / "_aliases.toml"
SOURCES, ITEMS, ERRORS = read_bank(ROOT / "question_bank", ROOT / "seeds")
ENTRIES = tomllib.loads(ALIAS_FILE.read_text(encoding="utf-8"))["aliases"]
EVERY_ALIAS = [(entry["answer"], alias) for entry in ENTRIES for alias in entry["also"]]
RIGHT = Grade(1.0, True, (True,), "Right.")


def by_id(item_id: str) -> Item:
    return next(item for item in ITEMS if item.id == item_id)


def typed_places(answer: str) -> list[tuple[Item, int | None]]:
    """Every short item (blank None) and cloze blank accepting `answer`."""
    key = normalize_answer(answer)
    places: list[tuple[Item, int | None]] = []
    for item in ITEMS:
        if item.type == "short" and key in map(normalize_answer, item.payload["answers"]):
            places.append((item, None))
        if item.type == "cloze":
            for number, blank in enumerate(item.payload["blanks"]):
                if key in map(normalize_answer, blank):
                    places.append((item, number))
    return places


def typed_in(item: Item, blank: int | None, text: str) -> Grade:
    """Grade `text` typed into a short item, or into one blank of a cloze (others right)."""
    if blank is None:
        return grade("short", item.payload, text)
    response = [accepted[0] for accepted in item.payload["blanks"]]
    response[blank] = text
    return grade("cloze", item.payload, response)


def test_the_bank_is_valid() -> None:
    assert ERRORS == []


@pytest.mark.parametrize(("answer", "alias"), EVERY_ALIAS, ids=lambda value: value)
def test_every_alias_is_right_wherever_its_answer_is(answer: str, alias: str) -> None:
    places = typed_places(answer)
    assert places, f"no item accepts {answer!r}"
    for item, blank in places:
        graded = typed_in(item, blank, alias)
        assert graded.correct, f"{item.id} refuses {alias!r} for {answer!r}"


@pytest.mark.parametrize("typed", ["Xiaotian Ma", "General Ma Xiaotian", "Ma Xiaotian"])
def test_ma_xiaotian_in_either_order_with_or_without_rank(typed: str) -> None:
    assert grade("short", by_id("belgrade-ma-xiaotian-short").payload, typed) == RIGHT


@pytest.mark.parametrize("typed", ["the United States", "U.S.", "Washington"])
def test_washington_or_the_united_states_in_the_containment_cloze(typed: str) -> None:
    payload = by_id("overview-containment-fear-cloze").payload
    assert grade("cloze", payload, [typed, "contain"]) == Grade(1.0, True, (True, True), "Right.")


def test_an_alias_does_not_make_a_wrong_answer_right() -> None:
    payload = by_id("overview-containment-fear-cloze").payload
    assert grade("cloze", payload, ["Beijing", "contain"]).parts == (False, True)
    assert not grade("short", by_id("belgrade-ma-xiaotian-short").payload, "Ma").correct


def test_every_accepted_answer_of_every_typed_item_is_graded_right() -> None:
    refused = []
    for item in ITEMS:
        if item.type == "short":
            for accepted in item.payload["answers"]:
                if not grade("short", item.payload, accepted).correct:
                    refused.append((item.id, accepted))
        if item.type == "cloze":
            for number, blank in enumerate(item.payload["blanks"]):
                for accepted in blank:
                    if not typed_in(item, number, accepted).correct:
                        refused.append((item.id, accepted))
    assert refused == []
