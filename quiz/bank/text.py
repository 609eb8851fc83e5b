"""Text helpers for the question bank: quote lookup in seeds and cloze parsing."""

from __future__ import annotations

import re
import unicodedata

_TYPOGRAPHIC = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})
_WHITESPACE = re.compile(r"\s+")
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
_BLANK = re.compile(r"\{\{([^{}]*)\}\}")


def normalize(text: str) -> str:
    """Normalize text so that a quote can be looked up in a seed.

    Applies NFKC, turns typographic quotes (’ ‘ “ ”) into straight ones,
    collapses runs of whitespace (including line breaks) into one space and
    strips both ends. Case and punctuation are kept: quotes are verbatim.

    Args:
        text: Any text.

    Returns:
        The normalized text.
    """
    text = unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHIC)
    return _WHITESPACE.sub(" ", text).strip()


def paragraphs(seed_text: str) -> list[str]:
    """Split a seed text into paragraphs on blank lines.

    Titles and section headers are paragraphs of their own. Each paragraph is
    kept as written in the file, only stripped; empty ones are dropped.

    Args:
        seed_text: The whole seed file.

    Returns:
        The paragraphs, in file order.
    """
    text = seed_text.replace("\r\n", "\n").replace("\r", "\n")
    return [part.strip() for part in _BLANK_LINE.split(text) if part.strip()]


def locate_quote(paragraphs: list[str], quote: str) -> int | None:
    """Find the paragraph that contains a quote.

    Both sides are compared after `normalize`; a quote that spans two
    paragraphs is not found.

    Args:
        paragraphs: The seed's paragraphs, as returned by `paragraphs`.
        quote: The quote copied from the seed.

    Returns:
        The index of the first paragraph containing the quote, or None when no
        paragraph does (or the quote is empty).
    """
    needle = normalize(quote)
    if not needle:
        return None
    for index, paragraph in enumerate(paragraphs):
        if needle in normalize(paragraph):
            return index
    return None


def parse_cloze(text: str) -> tuple[list[str], list[list[str]]]:
    """Split a cloze text into its literal parts and its blanks.

    A blank is written `{{answer}}` or `{{answer|alternative|...}}`. The
    alternatives are stripped; an empty one is returned as "" so that the
    validator can report it.

    Args:
        text: The cloze text.

    Returns:
        `(parts, blanks)`: `parts` has one more element than `blanks`, and the
        text reads `parts[0] blank[0] parts[1] ... parts[-1]`. Each blank is
        the list of its accepted answers, the first being the one shown.

    Raises:
        ValueError: If a brace is left outside a well-formed `{{...}}` blank
            (unbalanced, nested or single braces).
    """
    parts: list[str] = []
    blanks: list[list[str]] = []
    start = 0
    for match in _BLANK.finditer(text):
        parts.append(text[start : match.start()])
        blanks.append([alternative.strip() for alternative in match.group(1).split("|")])
        start = match.end()
    parts.append(text[start:])
    for part in parts:
        brace = next((i for i, char in enumerate(part) if char in "{}"), None)
        if brace is not None:
            near = part[max(0, brace - 15) : brace + 15].strip()
            raise ValueError(f"unbalanced braces near '{near}'")
    return parts, blanks


Span = tuple[int, int, int]
"""Where a text occurs in a seed: (paragraph index, start, end) in the normalized paragraph."""


def quote_spans(normalized: list[str], quote: str) -> list[Span]:
    """Find every place a text occurs in a seed.

    Args:
        normalized: The seed's paragraphs, each passed through `normalize`
            (done once by the caller: normalizing is the costly part).
        quote: A text copied from the seed.

    Returns:
        The `(paragraph index, start, end)` of each occurrence, offsets
        counted in the normalized paragraph; empty when it is not found.
    """
    needle = normalize(quote)
    spans: list[Span] = []
    if not needle:
        return spans
    for index, text in enumerate(normalized):
        start = text.find(needle)
        while start >= 0:
            spans.append((index, start, start + len(needle)))
            start = text.find(needle, start + 1)
    return spans


def overlaps(first: list[Span], second: list[Span]) -> bool:
    """Tell whether two texts of a seed share at least one character.

    Args:
        first: The occurrences of one text, from `quote_spans`.
        second: The occurrences of the other.

    Returns:
        True when some occurrence of each lies in the same paragraph and the
        two share a character.
    """
    return any(
        a_par == b_par and a_start < b_end and b_start < a_end
        for a_par, a_start, a_end in first
        for b_par, b_start, b_end in second
    )
