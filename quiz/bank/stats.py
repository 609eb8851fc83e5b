"""Count a bank's items per topic, kind, type and difficulty."""

from collections import Counter

from quiz.bank.schema import KINDS, TYPES, Item, Source


def bank_stats(sources: list[Source], items: list[Item]) -> list[str]:
    """Return the lines of `quiz bank stats`: one block per source.

    Args:
        sources: the sources read.
        items: their items.

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
    return lines
