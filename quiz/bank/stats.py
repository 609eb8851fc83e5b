"""Count a bank's items per topic, kind, type and difficulty, and the counts the bank's
standard sets limits on: free-recall items on positions, items on the endnotes."""

import re
from collections import Counter
from pathlib import Path

from quiz.bank.schema import KINDS, TYPES, Item, Source
from quiz.bank.text import normalize, paragraphs
from quiz.core.passages import paragraph_kind

FREE_RECALL = ("short", "numeric")
"""Types whose answer the student recalls and types, rather than recognises."""
_NAMES_NOTES = re.compile(r"\b(?:article[’']s|its|the) notes?\b|\bnotes? \d", re.IGNORECASE)


def bank_stats(
    sources: list[Source], items: list[Item], seeds_dir: Path | None = None
) -> list[str]:
    """Return the lines of `quiz bank stats`: one block per source.

    Args:
        sources: the sources read.
        items: their items.
        seeds_dir: the seed texts, to tell which items are about the endnotes
            (without it, only prompts that name the notes count).

    Returns:
        Printable lines; every topic, kind and type is listed, even at 0.
    """
    lines: list[str] = []
    for source in sources:
        mine = [item for item in items if item.source == source.slug]
        topics = len(source.topics)
        lines.append(
            f"{source.slug}: {len(mine)} items in {topics} topic{'' if topics == 1 else 's'}"
        )
        groups = [
            ("topic", [t.slug for t in source.topics], lambda i: i.topic),
            ("kind", list(KINDS), lambda i: i.kind),
            ("type", list(TYPES), lambda i: i.type),
            ("difficulty", ["1", "2", "3"], lambda i: str(i.difficulty)),
        ]
        for title, keys, key_of in groups:
            counts = Counter(key_of(item) for item in mine)
            lines.append(f"  by {title}:")
            width = max(len(k) for k in keys)
            lines += [f"    {k:<{width}}  {counts[k]:>4}" for k in keys]
        notes = _note_paragraphs(seeds_dir / source.seed if seeds_dir else None)
        recall = sum(1 for i in mine if i.kind == "position" and i.type in FREE_RECALL)
        endnotes = sum(1 for i in mine if is_about_endnotes(i, notes))
        lines.append(f"  free-recall items on positions (short or numeric): {recall}")
        lines.append(f"  items on the endnotes: {endnotes}")
    return lines


def is_about_endnotes(item: Item, notes: list[str]) -> bool:
    """Tell whether an item is about the article's endnotes.

    Args:
        item: an item of the bank.
        notes: the source's endnote paragraphs, normalized.

    Returns:
        True when one of its quotes lies in the endnotes or its prompt names
        them ("the article’s notes", "note 3").
    """
    in_notes = any(normalize(quote) in text for quote in item.quotes for text in notes)
    return in_notes or _NAMES_NOTES.search(item.prompt) is not None


def _note_paragraphs(seed: Path | None) -> list[str]:
    """Return a seed's endnote paragraphs, normalized (none when it cannot be read)."""
    try:
        texts = paragraphs(seed.read_text(encoding="utf-8")) if seed else []
    except (OSError, UnicodeDecodeError):
        return []
    return [
        normalize(text)
        for position, text in enumerate(texts)
        if paragraph_kind(text, position) == "note"
    ]
