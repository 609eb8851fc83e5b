"""The question bank's domain: sources, topics, items, errors and answer data.

The bank format itself is described in `question_bank/README.md`; this module
holds its vocabulary, the canonical answer data of each item type and the
flashcard faces derived from it.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from quiz.bank.text import normalize, parse_cloze

KINDS = ("event", "person", "position", "organization", "concept")
TYPES = ("mcq", "multi", "true_false", "short", "numeric", "matching", "ordering", "cloze")
MATCHES = ("exact", "name")
STEPS = {"matching": "pair", "ordering": "step"}
"""The types whose `source.quote` is a list: one quote proving each pair or step."""
QUOTE_SEPARATOR = "\n"
"""Joins an item's quotes into one text (`Item.quote`, the database's `question.quote`)."""
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")

TYPE_FIELDS: dict[str, tuple[str, ...]] = {
    "mcq": ("options", "answer"),
    "multi": ("options", "answers"),
    "true_false": ("answer",),
    "short": ("answers", "match"),
    "numeric": ("answer", "tolerance", "unit"),
    "matching": ("pairs",),
    "ordering": ("items",),
    "cloze": ("text",),
}

Payload = dict[str, Any]
Issue = tuple[str, str]
"""A problem found in one field of an item: `(field, message)`."""


@dataclass(frozen=True)
class Topic:
    """A topic of a source: one topic file and one page of items."""

    slug: str
    title: str
    summary: str


@dataclass(frozen=True)
class Source:
    """A source article: one folder of the bank with its `_source.toml`."""

    slug: str
    title: str
    seed: str
    citation: str
    topics: tuple[Topic, ...]


@dataclass(frozen=True)
class Item:
    """One question of the bank, with its answer data in canonical form.

    `payload` holds the type's answer data (see `parse_payload`);
    `card_front` and `card_back` are the flashcard faces, either written in
    the file or derived from the prompt and the answer. `file` records where
    the item was read from and is not part of its content.
    """

    source: str
    topic: str
    id: str
    kind: str
    type: str
    difficulty: int
    fact: str
    prompt: str
    explanation: str
    quote: str
    payload: Payload = field(hash=False)
    card_front: str
    card_back: str
    file: str

    @property
    def quotes(self) -> list[str]:
        """Return the item's quotes: one, or one per pair or step (repeats left out)."""
        return split_quotes(self.quote)

    @property
    def key(self) -> str:
        """Return the id namespaced by its source, as stored in the database."""
        return f"{self.source}/{self.id}"

    def content_hash(self) -> str:
        """Hash everything that is content, so a changed item can be detected.

        Returns:
            The sha256 hex digest of the canonical JSON of every field but
            `file`.
        """
        content = asdict(self)
        del content["file"]
        canonical = json.dumps(
            content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class BankError:
    """One problem found in the bank, located by file, item id and field.

    `item_id` and `field` are None when the problem is not about one item or
    one field; they are shown as "-".
    """

    file: str
    item_id: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.item_id or '-'}: {self.field or '-'}: {self.message}"


def join_quotes(quotes: list[str]) -> str:
    """Join an item's quotes into the one text stored, leaving out repeats.

    A single quote is stored as it is, so an item written with one quote keeps
    its content hash.
    """
    return QUOTE_SEPARATOR.join(dict.fromkeys(quotes))


def split_quotes(quote: str) -> list[str]:
    """Split a stored quote text into its quotes (each verbatim from the seed)."""
    return [part.strip() for part in quote.split(QUOTE_SEPARATOR) if part.strip()]


def is_slug(value: str) -> bool:
    """Tell whether a string is a slug like `belgrade-embassy-year`."""
    return SLUG.fullmatch(value) is not None


def parse_payload(type_: str, raw: dict[str, Any]) -> tuple[Payload | None, list[Issue]]:
    """Check a raw item's answer data and put it into canonical form.

    Canonical forms: mcq `{options, answer}`; multi `{options, answers}`;
    true_false `{answer}`; short `{answers, match}` with match "exact" or
    "name"; numeric `{answer, tolerance, unit}` with unit None when absent;
    matching `{pairs}` as `[left, right]` lists; ordering `{items}`; cloze
    `{text, blanks}` with blanks as lists of accepted strings. Strings are
    stripped.

    Args:
        type_: One of `TYPES`.
        raw: The item's table as read from TOML.

    Returns:
        `(payload, issues)`: the canonical payload, or None when there is any
        issue, and the issues found, in field order.

    Raises:
        ValueError: If `type_` is not one of `TYPES`.
    """
    if type_ not in TYPES:
        raise ValueError(f"unknown type {type_!r}")
    issues: list[Issue] = []
    payload = _PARSERS[type_](raw, issues)
    return (None if issues else payload), issues


def default_front(type_: str, prompt: str, payload: Payload) -> str:
    """Derive a flashcard's front: the prompt (a cloze adds its text with `[...]` blanks).

    Args:
        type_: The item's type.
        prompt: The item's prompt.
        payload: The item's canonical payload.

    Returns:
        The front face's text.
    """
    if type_ == "cloze":
        parts, _ = parse_cloze(payload["text"])
        blanked = "[...]".join(parts).strip()
        return f"{prompt}\n{blanked}" if prompt else blanked
    return prompt


def answer_text(type_: str, payload: Payload) -> str:
    """Render an item's right answer as text: a flashcard's default back.

    Args:
        type_: The item's type.
        payload: The item's canonical payload.

    Returns:
        mcq: the answer; multi: the answers joined by "; "; true_false:
        "True" or "False"; short: the first answer; numeric: the number and
        its unit; matching: one "left → right" line per pair; ordering: one
        "1. item" line per item; cloze: the text with its blanks filled.
    """
    if type_ == "mcq":
        return payload["answer"]
    if type_ == "multi":
        return "; ".join(payload["answers"])
    if type_ == "true_false":
        return "True" if payload["answer"] else "False"
    if type_ == "short":
        return payload["answers"][0]
    if type_ == "numeric":
        number = format_number(payload["answer"])
        return f"{number} {payload['unit']}" if payload["unit"] else number
    if type_ == "matching":
        return "\n".join(f"{left} → {right}" for left, right in payload["pairs"])
    if type_ == "ordering":
        return "\n".join(f"{n}. {entry}" for n, entry in enumerate(payload["items"], 1))
    if type_ == "cloze":
        parts, _ = parse_cloze(payload["text"])
        filled = [parts[0]]
        for blank, part in zip(payload["blanks"], parts[1:], strict=True):
            filled += [blank[0], part]
        return "".join(filled).strip()
    raise ValueError(f"unknown type {type_!r}")


def format_number(value: float) -> str:
    """Write a number as a person would: 1999, 2.5, never 1999.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _missing(raw: dict[str, Any], name: str, issues: list[Issue]) -> bool:
    """Record a missing required field and tell whether it was missing."""
    if name not in raw:
        issues.append((name, "required field missing"))
        return True
    return False


def _string_list(
    raw: dict[str, Any], name: str, issues: list[Issue], noun: str, bounds: tuple[int, int] | None
) -> list[str] | None:
    """Read a required list of distinct non-empty strings, counted within bounds."""
    if _missing(raw, name, issues):
        return None
    value = raw[name]
    if not isinstance(value, list) or not all(isinstance(entry, str) for entry in value):
        issues.append((name, "must be a list of strings"))
        return None
    entries = [entry.strip() for entry in value]
    start = len(issues)
    for number, entry in enumerate(entries, 1):
        if not entry:
            issues.append((name, f"{noun} {number} is empty"))
    if bounds and not bounds[0] <= len(entries) <= bounds[1]:
        low, high = bounds
        issues.append((name, f"needs {low} to {high} {noun}s, got {len(entries)}"))
    for duplicate in _duplicates(entries):
        issues.append((name, f"{noun} '{duplicate}' appears more than once (case-insensitive)"))
    return entries if len(issues) == start else None


def _duplicates(entries: list[str]) -> list[str]:
    """List the entries that repeat an earlier one, ignoring case and spacing."""
    seen: set[str] = set()
    repeated: list[str] = []
    for entry in entries:
        folded = normalize(entry).casefold()
        if folded and folded in seen and entry not in repeated:
            repeated.append(entry)
        seen.add(folded)
    return repeated


def _parse_mcq(raw: dict[str, Any], issues: list[Issue]) -> Payload:
    """Check an mcq's options and answer."""
    options = _string_list(raw, "options", issues, "option", (3, 6))
    answer = _answer_string(raw, issues)
    if options is not None and answer is not None and answer not in options:
        issues.append(("answer", f"'{answer}' is not one of the options"))
    return {"options": options, "answer": answer}


def _answer_string(raw: dict[str, Any], issues: list[Issue]) -> str | None:
    """Read a required non-empty string `answer`."""
    if _missing(raw, "answer", issues):
        return None
    answer = raw["answer"]
    if not isinstance(answer, str):
        issues.append(("answer", "must be a string"))
        return None
    if not answer.strip():
        issues.append(("answer", "must not be empty"))
        return None
    return answer.strip()


def _parse_multi(raw: dict[str, Any], issues: list[Issue]) -> Payload:
    """Check a multi's options and answers."""
    options = _string_list(raw, "options", issues, "option", (3, 8))
    answers = _string_list(raw, "answers", issues, "answer", None)
    if answers is not None and not answers:
        issues.append(("answers", "no answer: at least one option must be right"))
    if options is not None and answers is not None:
        for answer in answers:
            if answer not in options:
                issues.append(("answers", f"'{answer}' is not one of the options"))
        if answers and set(options) <= set(answers):
            issues.append(("answers", "no wrong option: every option is an answer"))
    return {"options": options, "answers": answers}


def _parse_true_false(raw: dict[str, Any], issues: list[Issue]) -> Payload:
    """Check a true_false's boolean answer."""
    if not _missing(raw, "answer", issues) and not isinstance(raw["answer"], bool):
        issues.append(("answer", f"must be true or false (got {raw['answer']!r})"))
    return {"answer": raw.get("answer")}


def _parse_short(raw: dict[str, Any], issues: list[Issue]) -> Payload:
    """Check a short answer's accepted answers and match mode."""
    answers = _string_list(raw, "answers", issues, "answer", None)
    if answers is not None and not answers:
        issues.append(("answers", "no answer: list at least one accepted answer"))
    match = raw.get("match", "exact")
    if match not in MATCHES:
        issues.append(("match", f'must be "name" or "exact" (got {match!r})'))
    return {"answers": answers, "match": match}


def _number(raw: dict[str, Any], name: str, issues: list[Issue]) -> float | None:
    """Read a finite number (a bool is not one)."""
    value = raw[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        issues.append((name, f"must be a number (got {value!r})"))
        return None
    if not math.isfinite(value):
        issues.append((name, f"must be a finite number (got {value!r})"))
        return None
    return value


def _parse_numeric(raw: dict[str, Any], issues: list[Issue]) -> Payload:
    """Check a numeric answer, its tolerance and its unit."""
    answer = None if _missing(raw, "answer", issues) else _number(raw, "answer", issues)
    tolerance = _number(raw, "tolerance", issues) if "tolerance" in raw else 0
    if tolerance is not None and tolerance < 0:
        issues.append(("tolerance", f"must not be negative (got {format_number(tolerance)})"))
    elif answer is not None and tolerance and tolerance >= abs(answer):
        issues.append(
            (
                "tolerance",
                f"must be smaller than abs(answer) = {format_number(abs(answer))}"
                f" (got {format_number(tolerance)})",
            )
        )
    unit = raw.get("unit")
    if unit is not None and (not isinstance(unit, str) or not unit.strip()):
        issues.append(("unit", "must be a non-empty string when given"))
    unit = unit.strip() if isinstance(unit, str) and unit.strip() else None
    return {"answer": answer, "tolerance": tolerance, "unit": unit}


def _parse_matching(raw: dict[str, Any], issues: list[Issue]) -> Payload:
    """Check a matching item's pairs."""
    if _missing(raw, "pairs", issues):
        return {"pairs": None}
    value = raw["pairs"]
    if not isinstance(value, list) or not all(isinstance(pair, dict) for pair in value):
        issues.append(("pairs", 'must be a list of { left = "...", right = "..." } tables'))
        return {"pairs": None}
    pairs: list[list[str]] = []
    for number, pair in enumerate(value, 1):
        for key in [key for key in pair if key not in ("left", "right")]:
            issues.append(("pairs", f"pair {number}: unknown key '{key}'"))
        sides = []
        for side in ("left", "right"):
            text = pair.get(side)
            if not isinstance(text, str):
                issues.append(("pairs", f"pair {number}: {side} must be a string"))
            elif not text.strip():
                issues.append(("pairs", f"pair {number}: empty {side} side"))
            sides.append(text.strip() if isinstance(text, str) else "")
        pairs.append(sides)
    if not 3 <= len(pairs) <= 6:
        issues.append(("pairs", f"needs 3 to 6 pairs, got {len(pairs)}"))
    for index, side in enumerate(("left", "right")):
        for duplicate in _duplicates([pair[index] for pair in pairs]):
            issues.append(
                ("pairs", f"{side} '{duplicate}' appears more than once (case-insensitive)")
            )
    return {"pairs": pairs}


def _parse_ordering(raw: dict[str, Any], issues: list[Issue]) -> Payload:
    """Check an ordering item's items."""
    return {"items": _string_list(raw, "items", issues, "item", (3, 6))}


def _parse_cloze(raw: dict[str, Any], issues: list[Issue]) -> Payload:
    """Check a cloze text and its blanks."""
    if _missing(raw, "text", issues):
        return {"text": None, "blanks": None}
    text = raw["text"]
    if not isinstance(text, str):
        issues.append(("text", "must be a string"))
        return {"text": None, "blanks": None}
    text = text.strip()
    try:
        _, blanks = parse_cloze(text)
    except ValueError as exc:
        issues.append(("text", str(exc)))
        return {"text": text, "blanks": None}
    if not blanks:
        issues.append(("text", "no blank: write at least one {{answer}}"))
    for number, blank in enumerate(blanks, 1):
        if not all(blank):
            issues.append(("text", f"blank {number} is empty or has an empty alternative"))
    return {"text": text, "blanks": blanks}


_PARSERS = {
    "mcq": _parse_mcq,
    "multi": _parse_multi,
    "true_false": _parse_true_false,
    "short": _parse_short,
    "numeric": _parse_numeric,
    "matching": _parse_matching,
    "ordering": _parse_ordering,
    "cloze": _parse_cloze,
}
