"""The plain values every format reads and writes, and the conventions they share.

A `Question` is what an exporter needs from the database; a `Draft` is what a parser
found in a file: the bank's raw answer data (`quiz.bank.schema.parse_payload` checks it
later, with the bank's own rules), where it came from (its line), and its category.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from typing import Any

QUOTE_LEAD = "From the article:"
META_LEAD = "quiz-meta:"
_QUOTE = re.compile(r"(?:^|\s)" + re.escape(QUOTE_LEAD) + r"\s*[“\"](?P<quote>.*)[”\"]\s*$", re.S)
_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"<\s*br\s*/?\s*>", re.I)
_BLOCK_END = re.compile(r"<\s*/\s*(p|div|li|h[1-6]|blockquote)\s*>", re.I)


@dataclass(frozen=True)
class Question:
    """One question as the exporters see it: the bank's fields, its source and topic."""

    key: str
    source_slug: str
    source_title: str
    topic_slug: str
    topic_title: str
    kind: str
    type: str
    difficulty: int
    prompt: str
    payload: dict[str, Any]
    explanation: str
    quote: str
    card_front: str
    card_back: str

    @property
    def name(self) -> str:
        """Return the name other systems show: the id within its source."""
        return self.key.rpartition("/")[2]

    @property
    def meta(self) -> dict[str, Any]:
        """Return what only this app reads back: kind, difficulty, match mode, unit."""
        meta: dict[str, Any] = {"kind": self.kind, "difficulty": self.difficulty}
        if self.type == "short" and self.payload.get("match") == "name":
            meta["match"] = "name"
        if self.type == "numeric" and self.payload.get("unit"):
            meta["unit"] = self.payload["unit"]
        return meta


@dataclass
class Draft:
    """A question read from a file, before the bank's rules check it.

    `raw` is the answer data as a bank item writes it (`options` and `answer` for an
    mcq, ...); `category` is the file's category path, matched to a topic later.
    """

    line: int
    name: str
    type: str
    prompt: str
    raw: dict[str, Any]
    explanation: str = ""
    quote: str = ""
    category: str = ""
    kind: str | None = None
    difficulty: int | None = None
    paragraph: int | None = None  # where the quote was found, once checked


@dataclass(frozen=True)
class Skipped:
    """A question of the file with no equivalent here, and why."""

    line: int
    name: str
    reason: str


@dataclass
class Parsed:
    """What a parser found: the questions to import and those it skipped."""

    drafts: list[Draft] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


@dataclass(frozen=True)
class Problem:
    """One error in a file: where (a line number, or an XML question's name) and what."""

    where: int | str
    message: str

    def located(self, filename: str) -> str:
        """Return the error as `FILE:LINE: message` (XML: `FILE:NAME: message`)."""
        return f"{filename}:{self.where}: {self.message}"


class FormatError(ValueError):
    """The file cannot be read; `problems` lists every error found."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{p.where}: {p.message}" for p in problems))
        self.problems = problems


def feedback_text(explanation: str, quote: str) -> str:
    """Join the explanation and the quote into one general feedback, as every format writes it."""
    parts = [explanation.strip()] if explanation.strip() else []
    if quote.strip():
        parts.append(f"{QUOTE_LEAD} “{quote.strip()}”")
    return "\n\n".join(parts)


def split_feedback(text: str) -> tuple[str, str]:
    """Split a general feedback back into `(explanation, quote)`."""
    match = _QUOTE.search(text)
    if match is None:
        return text.strip(), ""
    return text[: match.start()].strip(), match.group("quote").strip()


def html_to_text(text: str) -> str:
    """Reduce HTML to its text: paragraphs and breaks become new lines, tags go, entities decode."""
    text = _BLOCK_END.sub("\n\n", _BREAK.sub("\n", text))
    text = html.unescape(_TAG.sub("", text))
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def text_to_html(text: str) -> str:
    """Write plain text as HTML paragraphs (escaped; single new lines become <br>)."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "".join(
        "<p>" + html.escape(p.strip(), quote=False).replace("\n", "<br>") + "</p>"
        for p in paragraphs
    )


def dump_meta(meta: dict[str, Any]) -> str:
    """Write the meta line this app reads back (JSON, one line)."""
    return f"{META_LEAD} {json.dumps(meta, ensure_ascii=False, sort_keys=True)}"


def read_meta(text: str) -> dict[str, Any] | None:
    """Read a meta line written by `dump_meta`; None when the text is not one or is broken."""
    text = text.strip()
    if not text.startswith(META_LEAD):
        return None
    try:
        meta = json.loads(text[len(META_LEAD) :])
    except ValueError:
        return None
    return meta if isinstance(meta, dict) else None


def apply_meta(draft: Draft, meta: dict[str, Any]) -> None:
    """Put a meta line's kind, difficulty, match mode and unit into a draft."""
    if isinstance(meta.get("kind"), str):
        draft.kind = meta["kind"]
    if isinstance(meta.get("difficulty"), int) and not isinstance(meta["difficulty"], bool):
        draft.difficulty = meta["difficulty"]
    if draft.type == "short" and meta.get("match") in ("name", "exact"):
        draft.raw["match"] = meta["match"]
    if draft.type == "numeric" and isinstance(meta.get("unit"), str):
        draft.raw["unit"] = meta["unit"]


def ranks(payload_type: str, payload: dict[str, Any]) -> dict[str, float]:
    """Give each multi option its Moodle fraction: +1/k if right, -1/k if wrong (k right).

    This is this app's own partial credit for a multi written as Moodle weights: the sum
    of the fractions chosen, floored at 0, is the same score.
    """
    if payload_type != "multi":
        raise ValueError("only multi options carry fractions")
    k = len(payload["answers"])
    return {
        option: (1 / k if option in payload["answers"] else -1 / k) for option in payload["options"]
    }


def percent(fraction: float) -> str:
    """Write a fraction as Moodle's percentage, 7 significant decimals: 33.33333."""
    value = round(fraction * 100, 5)
    return f"{value:.5f}".rstrip("0").rstrip(".")
