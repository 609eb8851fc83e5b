"""Several quotes per item: one for every pair of a matching, every step of an ordering."""

from pathlib import Path

import pytest

from quiz.bank.reader import read_bank
from tests.bank.test_validate import change, fixture, write_bank, write_notes

PAIRS_QUOTES = [
    "The treaty was signed in 1999 by Alice Smith",
    "names Carol, Dave and Erin",
    "Critics called it",
]


def read(tmp_path: Path, *mutations, notes: bool = False):
    """Read the fixture bank after some changes: (items by id, (id, field, message) errors)."""
    data = fixture()
    for mutate in mutations:
        mutate(data)
    bank = write_bank(tmp_path, data)
    if notes:
        write_notes(bank)
    _, items, errors = read_bank(bank.root, bank.seeds)
    return {item.id: item for item in items}, [(e.item_id, e.field, e.message) for e in errors]


def test_a_matching_item_keeps_one_quote_per_pair_and_stores_them_joined(tmp_path):
    items, errors = read(tmp_path)
    assert errors == []
    matching = items["q-matching"]
    assert matching.quotes == PAIRS_QUOTES
    assert matching.quote == "\n".join(PAIRS_QUOTES)
    ordering = items["q-ordering"]  # the same quote for every step is stored once
    assert ordering.quote == "names Carol, Dave and Erin"
    assert items["q-mcq"].quote == "The treaty was signed in 1999"


@pytest.mark.parametrize(
    ("case", "mutation", "message"),
    [
        (
            "one quote for three pairs",
            change("q-matching", source={"quote": "The treaty was signed in 1999"}),
            "a single quote for 3 pairs: list one quote per pair, in the same order"
            " (repeat a quote that proves several)",
        ),
        (
            "two quotes for three steps",
            change("q-ordering", source={"quote": ["names Carol, Dave and Erin"] * 2}),
            "2 quotes for 3 steps: list one quote per step, in the same order"
            " (repeat a quote that proves several)",
        ),
        (
            "each quote is looked up in the seed",
            change(
                "q-matching", source={"quote": [*PAIRS_QUOTES[:1], "names Carol", "Critics said"]}
            ),
            "quote 3: not found in sample.txt (matches up to 'Critics')",
        ),
        (
            "a quote spanning two paragraphs",
            change(
                "q-matching",
                source={"quote": [*PAIRS_QUOTES[:2], "was cautious. The second paragraph"]},
            ),
            "quote 3: spans paragraphs of sample.txt: quote from one paragraph",
        ),
        (
            "an empty list",
            change("q-matching", source={"quote": []}),
            "an empty list: give at least one quote",
        ),
        (
            "an entry that is not text",
            change("q-matching", source={"quote": [*PAIRS_QUOTES[:2], 3]}),
            "quote 3 must be a non-empty string",
        ),
    ],
)
def test_quote_list_errors(tmp_path, case, mutation, message):
    items, errors = read(tmp_path, mutation)
    item_id = "q-ordering" if "steps" in case else "q-matching"
    assert errors == [(item_id, "source.quote", message)], case
    assert item_id not in items


def test_every_quote_of_the_list_is_checked_against_the_doubtful_spots(tmp_path):
    quotes = [*PAIRS_QUOTES[:2], "Critics called it “a paper tiger”"]
    items, errors = read(tmp_path, change("q-matching", source={"quote": quotes}), notes=True)
    assert errors == [
        (
            "q-matching",
            "source.quote",
            "quotes “a paper tiger”, a doubtful passage listed in NOTES.md",
        )
    ]
    assert "q-matching" not in items
