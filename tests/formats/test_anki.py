"""The .apkg export checked by Anki's own backend (the test-only `anki-oracle` extra)."""

from dataclasses import replace

import pytest

from quiz.formats import anki as apkg
from quiz.formats.portable import Question

anki_collection = pytest.importorskip(
    "anki.collection", reason="Anki's backend is missing: pip install -e '.[anki-oracle]'"
)

PAYLOADS = {
    "mcq": {"options": ["Brussels", "Paris", "Rome"], "answer": "Brussels"},
    "multi": {"options": ["a", "b", "c"], "answers": ["a", "b"]},
    "true_false": {"answer": True},
    "short": {"answers": ["Brussels"], "match": "exact"},
    "numeric": {"answer": 1949, "tolerance": 0, "unit": None},
    "matching": {"pairs": [["a", "1"], ["b", "2"], ["c", "3"]]},
    "ordering": {"items": ["x", "y", "z"]},
    "cloze": {
        "text": "Signed in {{Brussels}} in {{1949}} by {{twelve|12}} states.",
        "blanks": [["Brussels"], ["1949"], ["twelve", "12"]],
    },
}


def questions() -> list[Question]:
    return [
        Question(
            key=f"src/{type_}",
            source_slug="src",
            source_title="Test article",
            topic_slug="first" if n < 4 else "second",
            topic_title="First things" if n < 4 else "Second things",
            kind="event",
            type=type_,
            difficulty=n % 3 + 1,
            prompt=f"Question about {type_}?",
            payload=payload,
            explanation="Because <it> is so.",
            quote="The treaty was signed in Brussels in 1949.",
            card_front=f"Question about {type_}?",
            card_back="The answer",
        )
        for n, (type_, payload) in enumerate(PAYLOADS.items())
    ]


def import_into(collection, tmp_path, data: bytes, name: str):
    path = tmp_path / name
    path.write_bytes(data)
    request = anki_collection.ImportAnkiPackageRequest(
        package_path=str(path), options=anki_collection.ImportAnkiPackageOptions()
    )
    return collection.import_anki_package(request).log


@pytest.fixture
def collection(tmp_path):
    col = anki_collection.Collection(str(tmp_path / "collection.anki2"))
    yield col
    col.close()


def test_every_question_is_one_note_with_its_cards_in_its_topic_deck(collection, tmp_path):
    log = import_into(collection, tmp_path, apkg.export(questions()), "deck.apkg")
    assert len(log.new) == len(PAYLOADS)
    notes = {}
    for note_id in collection.find_notes(""):
        note = collection.get_note(note_id)
        type_ = next(tag for tag in note.tags if tag.startswith("type::")).split("::")[1]
        decks = {collection.decks.name(card.did) for card in note.cards()}
        notes[type_] = (note.note_type()["name"], len(note.cards()), decks, sorted(note.tags))
    assert notes["cloze"][:2] == ("quiz cloze", 3)  # one card per blank
    assert notes["mcq"] == (
        "quiz question",
        1,
        {"Test article::First things"},
        ["difficulty::1", "kind::event", "type::mcq"],
    )
    assert {type_: cards for type_, (_, cards, _, _) in notes.items()} == {
        type_: 3 if type_ == "cloze" else 1 for type_ in PAYLOADS
    }
    assert notes["ordering"][2] == {"Test article::Second things"}


def test_cloze_blanks_become_anki_clozes_and_text_is_escaped(collection, tmp_path):
    import_into(collection, tmp_path, apkg.export(questions()), "deck.apkg")
    cloze = collection.get_note(collection.find_notes("tag:type::cloze")[0])
    assert cloze["Text"] == "Signed in {{c1::Brussels}} in {{c2::1949}} by {{c3::twelve}} states."
    mcq = collection.get_note(collection.find_notes("tag:type::mcq")[0])
    assert mcq["Explanation"] == "Because &lt;it&gt; is so."
    assert mcq["Options"] == "<li>Brussels</li><li>Paris</li><li>Rome</li>"


def test_importing_the_same_export_twice_adds_nothing_and_a_new_one_updates(collection, tmp_path):
    data = apkg.export(questions(), timestamp=1_700_000_000)
    import_into(collection, tmp_path, data, "first.apkg")
    again = import_into(collection, tmp_path, data, "second.apkg")
    assert (len(again.new), len(again.duplicate)) == (0, len(PAYLOADS))
    edited = [replace(q, card_back="A new back") if q.type == "mcq" else q for q in questions()]
    later = apkg.export(edited, timestamp=1_700_000_060)  # Anki keeps the newer note
    third = import_into(collection, tmp_path, later, "third.apkg")
    assert len(third.new) == 0
    assert collection.note_count() == len(PAYLOADS)
    mcq = collection.get_note(collection.find_notes("tag:type::mcq")[0])
    assert mcq["Answer"] == "A new back"
