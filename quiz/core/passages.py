"""Lay out a source's paragraphs for reading, with the questions' quotes highlighted.

Pure: works on strings. Quotes are matched as the bank validator matches them
(typographic quotes and whitespace ignored), and highlights are placed on the
paragraph's original characters.
"""

import re
import unicodedata
from dataclasses import dataclass

from quiz.bank.text import normalize

_TYPOGRAPHIC = {"’": "'", "‘": "'", "“": '"', "”": '"'}
_NOTE = re.compile(r"^\d+\.\s")


@dataclass(frozen=True)
class Run:
    """A stretch of a paragraph with the same highlighting.

    Attributes:
        text: the original characters.
        quoted_by: ids of the questions whose quote covers this stretch.
        anchors: ids of the questions whose quote starts here (page anchors).
        current: True when the question being read in context covers it.
    """

    text: str
    quoted_by: tuple[int, ...] = ()
    anchors: tuple[int, ...] = ()
    current: bool = False


def _normalize_with_map(text: str) -> tuple[str, list[int]]:
    """Return `normalize(text)` and, for each of its characters, its index in text."""
    out: list[str] = []
    where: list[int] = []
    for index, char in enumerate(text):
        if char.isspace():
            if out and out[-1] != " ":
                out.append(" ")
                where.append(index)
            continue
        for piece in unicodedata.normalize("NFKC", char):
            out.append(_TYPOGRAPHIC.get(piece, piece))
            where.append(index)
    while out and out[-1] == " ":
        out.pop()
        where.pop()
    return "".join(out), where


def quote_span(paragraph: str, quote: str) -> tuple[int, int] | None:
    """Find where a quote sits in a paragraph.

    Args:
        paragraph: the paragraph as written in the seed.
        quote: the quote as written in the bank.

    Returns:
        `(start, end)` offsets into `paragraph`, or None if it is not there.
    """
    needle = normalize(quote)
    haystack, where = _normalize_with_map(paragraph)
    start = haystack.find(needle) if needle else -1
    if start < 0:
        return None
    return where[start], where[start + len(needle) - 1] + 1


def runs(
    paragraph: str,
    quotes: list[tuple[int, str]],
    current: int | None = None,
    anchored: frozenset[int] | None = None,
) -> list[Run]:
    """Split a paragraph into runs by which quotes cover each stretch.

    Args:
        paragraph: the paragraph as written in the seed.
        quotes: `(question_id, quote)` pairs of the questions quoting it; a question
            may come several times, once per stretch it quotes.
        current: the question read in context, if any.
        anchored: the questions whose page anchor is in this paragraph (None: all of
            them); a question quoting several paragraphs has its anchor in the first.

    Returns:
        Runs whose texts joined give the paragraph back.
    """
    spans = []  # a question quoting several stretches of the paragraph has several spans
    for question_id, quote in quotes:
        span = quote_span(paragraph, quote)
        if span:
            spans.append((question_id, span))
    cuts = sorted({0, len(paragraph)} | {i for _, span in spans for i in span})
    first_starts = {}
    for question_id, (start, _) in spans:
        if anchored is not None and question_id not in anchored:
            continue
        first_starts[question_id] = min(start, first_starts.get(question_id, start))
    result = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        covering = tuple(dict.fromkeys(q for q, (s, e) in spans if s <= start and end <= e))
        result.append(
            Run(
                text=paragraph[start:end],
                quoted_by=covering,
                anchors=tuple(q for q, s in first_starts.items() if s == start),
                current=current in covering,
            )
        )
    return result


def paragraph_kind(paragraph: str, position: int) -> str:
    """Classify a paragraph for display: "title", "heading", "note" or "text".

    The first paragraph is the title; a short line without final punctuation
    is a heading; a line starting "1. " is an endnote.
    """
    if position == 0:
        return "title"
    if _NOTE.match(paragraph) or "\n" in paragraph and _NOTE.match(paragraph.lstrip()):
        return "note"
    if len(paragraph) < 90 and "\n" not in paragraph and not paragraph.endswith((".", "”", '"')):
        return "heading"
    return "text"
