"""Anki decks (.apkg) written with genanki: notes only, no scheduling.

Two note types, their ids fixed so that Anki recognises them on every export: "quiz
question" (Question, Options, Answer, Explanation, Quote; one card) for every type Anki
has no type of its own for, and "quiz cloze" (Text, Prompt, Extra), an Anki cloze with
one card per blank. Each note's GUID comes from the question's stable id, so importing a
newer export updates the notes instead of adding copies. Each topic is a subdeck of its
source's deck; tags give the kind, the type and the difficulty (`kind::event`).
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import tempfile

import genanki

from quiz.formats.portable import Question

QUESTION_MODEL_ID = 1_607_392_319
CLOZE_MODEL_ID = 1_607_392_320
_BLANK = re.compile(r"\{\{([^{}]*)\}\}")
_CSS = (
    ".card { font-family: sans-serif; font-size: 20px; text-align: left; }\n"
    "blockquote { color: #555; border-left: 3px solid #aaa; padding-left: .6em; }"
)

QUESTION_MODEL = genanki.Model(
    QUESTION_MODEL_ID,
    "quiz question",
    fields=[{"name": n} for n in ("Question", "Options", "Answer", "Explanation", "Quote")],
    templates=[
        {
            "name": "Card 1",
            "qfmt": "{{Question}}{{#Options}}<ul>{{Options}}</ul>{{/Options}}",
            "afmt": "{{FrontSide}}<hr id=answer>{{Answer}}"
            "{{#Explanation}}<p>{{Explanation}}</p>{{/Explanation}}"
            "{{#Quote}}<blockquote>{{Quote}}</blockquote>{{/Quote}}",
        }
    ],
    css=_CSS,
)

CLOZE_MODEL = genanki.Model(
    CLOZE_MODEL_ID,
    "quiz cloze",
    fields=[{"name": n} for n in ("Text", "Prompt", "Extra")],
    templates=[
        {
            "name": "Cloze",
            "qfmt": "{{Prompt}}<p>{{cloze:Text}}</p>",
            "afmt": "{{Prompt}}<p>{{cloze:Text}}</p>{{#Extra}}<hr>{{Extra}}{{/Extra}}",
        }
    ],
    css=_CSS,
    model_type=genanki.Model.CLOZE,
)


def _html(text: str, strip: bool = True) -> str:
    text = text.strip() if strip else text
    return html.escape(text, quote=False).replace("\n", "<br>")


def _deck_id(name: str) -> int:
    """A stable deck id from the deck's name (Anki wants a positive 63-bit number)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:7], "big") + 1


def anki_cloze(text: str) -> str:
    """Turn `{{answer|other}}` blanks into Anki's `{{c1::answer}}`, one card per blank."""
    parts, last = [], 0
    for number, match in enumerate(_BLANK.finditer(text), 1):
        shown = match.group(1).split("|")[0].strip()
        literal = _html(text[last : match.start()], strip=False)
        parts += [literal, f"{{{{c{number}::{_html(shown)}}}}}"]
        last = match.end()
    parts.append(_html(text[last:], strip=False))
    return "".join(parts).strip()


def note(q: Question) -> genanki.Note:
    """Make one question's note, its GUID derived from the question's stable id."""
    tags = [f"kind::{q.kind}", f"type::{q.type}", f"difficulty::{q.difficulty}"]
    guid = genanki.guid_for(q.key)
    quote = f"“{_html(q.quote)}”" if q.quote.strip() else ""
    if q.type == "cloze":
        extra = _html(q.explanation) + (f"<blockquote>{quote}</blockquote>" if quote else "")
        fields = [anki_cloze(q.payload["text"]), _html(q.prompt), extra]
        return genanki.Note(model=CLOZE_MODEL, fields=fields, guid=guid, tags=tags)
    options = ""
    if q.type in ("mcq", "multi"):
        options = "".join(f"<li>{_html(o)}</li>" for o in q.payload["options"])
    fields = [_html(q.card_front), options, _html(q.card_back), _html(q.explanation), quote]
    return genanki.Note(model=QUESTION_MODEL, fields=fields, guid=guid, tags=tags)


def export(questions: list[Question], timestamp: float | None = None) -> bytes:
    """Write questions as an Anki package: one note each, a subdeck per topic.

    Args:
        questions: The questions, in the order to write them.
        timestamp: The notes' modification time (default now); Anki replaces a note it
            has only with a newer one.

    Returns:
        The .apkg file's bytes.
    """
    decks: dict[str, genanki.Deck] = {}
    for q in questions:
        name = f"{q.source_title}::{q.topic_title}".replace("\n", " ")
        if name not in decks:
            decks[name] = genanki.Deck(_deck_id(name), name)
        decks[name].add_note(note(q))
    handle, path = tempfile.mkstemp(suffix=".apkg")
    os.close(handle)
    try:
        genanki.Package(list(decks.values())).write_to_file(path, timestamp=timestamp)
        with open(path, "rb") as written:
            return written.read()
    finally:
        os.unlink(path)
