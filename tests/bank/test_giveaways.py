"""A prompt must not give away another item's answer (issue 14, finding 5)."""

from pathlib import Path

import pytest

from quiz.bank.reader import read_bank
from quiz.bank.validate import validate
from tests.bank.test_validate import change, fixture, write_bank

GIVES_AWAY = (
    "gives away the answer of '{other}' (“{answer}”), which quotes the same paragraph: reword"
    " the prompt, or give both the same fact if they test one fact"
)


def errors_of(tmp_path: Path, *mutations) -> list[tuple[str, str, str]]:
    """Validate the fixture bank after some changes; return (id, field, message) of each error."""
    data = fixture()
    for mutate in mutations:
        mutate(data)
    bank = write_bank(tmp_path, data)
    return [(e.item_id, e.field, e.message) for e in validate(bank.root, bank.seeds)]


def test_a_prompt_naming_another_items_answer_is_an_error_and_the_item_is_left_out(tmp_path):
    mutation = change("q-tf", prompt="Alice Smith signed the treaty in 1998.")
    assert errors_of(tmp_path, mutation) == [
        ("q-tf", "prompt", GIVES_AWAY.format(other="q-mcq", answer="alice smith")),
    ]
    data = fixture()
    mutation(data)
    bank = write_bank(tmp_path / "again", data)
    assert "q-tf" not in [item.id for item in read_bank(bank.root, bank.seeds)[1]]


@pytest.mark.parametrize(
    ("case", "prompt"),
    [
        ("a number, as digits", "The treaty of 1999 was signed by two people."),
        ("a cloze blank", "Critics called the treaty signed by Alice Smith a paper tiger."),
        ("any accepted answer, case and accents ignored", "JONES signed the treaty."),
    ],
)
def test_every_kind_of_answer_is_looked_for(tmp_path, case, prompt):
    found = errors_of(tmp_path, change("q-multi", prompt=prompt))
    assert found, case
    assert {(item_id, field) for item_id, field, _ in found} == {("q-multi", "prompt")}, case


@pytest.mark.parametrize(
    ("case", "mutations"),
    [
        (
            "siblings test one fact: they never meet in a quiz",
            [change("q-tf", prompt="Bob Jones signed the treaty in 1998.", fact="treaty-cosigner")],
        ),
        (
            "another paragraph: naming a person is not giving away what a question asks",
            [
                change("q-tf", prompt="Alice Smith signed the treaty in 1998."),
                change("q-tf", source={"quote": "The second paragraph ends here."}),
            ],
        ),
        (
            "a word inside another word is not the answer",
            [change("q-multi", prompt="Which two people signed the Jonesville treaty?")],
        ),
        (
            "an answer shorter than four letters or digits is too common to tell",
            [
                change("q-cloze", text="The treaty was signed in 1999 by Alice {{Smith}}."),
                change("q-mcq", prompt="Who, according to the article, signed it?"),
                change("q-short", answers=["Bob", "Bob Jones"], prompt="Who co-signed it?"),
                change("q-tf", prompt="Bob signed nothing in 1999."),
            ],
        ),
    ],
)
def test_what_is_not_a_giveaway(tmp_path, case, mutations):
    assert errors_of(tmp_path, *mutations) == [], case


def test_a_prompts_instructions_are_not_looked_in(tmp_path):
    blank = change(
        "q-cloze", text="The treaty was signed in 1999 by Alice Smith, {{first}} of two."
    )
    same_paragraph = change("q-ordering", source={"quote": ["The treaty was signed in 1999"] * 3})
    instruction = change(
        "q-ordering", prompt="Put the names in the third paragraph’s order, earliest first."
    )
    assert errors_of(tmp_path / "instruction", blank, same_paragraph, instruction) == []
    statement = change("q-ordering", prompt="Put the first names of the third paragraph in order.")
    assert errors_of(tmp_path / "statement", blank, same_paragraph, statement) == [
        ("q-ordering", "prompt", GIVES_AWAY.format(other="q-cloze", answer="first"))
    ]
