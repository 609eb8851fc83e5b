"""Build a quiz: pick questions by rules (never two siblings), and lay out what students see.

Pure: randomness comes in as a `random.Random`. The layout of a question is
everything the browser may see while an attempt is open (shuffled options,
the left column of a matching, a cloze's text around its blanks): it never
contains which answer is right.
"""

import random
from dataclasses import dataclass

from quiz.bank.schema import KINDS, TYPES
from quiz.bank.text import parse_cloze

COUNT_RANGE = (5, 50)


class NotEnoughQuestions(ValueError):
    """Fewer distinct facts match the rules than the quiz asks for."""

    def __init__(self, available: int, wanted: int):
        super().__init__(
            f"Only {available} question{'s' if available != 1 else ''} match these choices "
            f"(one per fact); ask for at most {available} or widen the choices."
            if available
            else "No question matches these choices: widen them."
        )
        self.available = available
        self.wanted = wanted


@dataclass(frozen=True)
class Rules:
    """Which questions a quiz draws from; empty tuples mean "any".

    Raises:
        ValueError: an unknown kind or type, a difficulty outside 1–3, or a
            count outside 5–50.
    """

    topics: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    difficulties: tuple[int, ...] = ()
    count: int = 10

    def __post_init__(self) -> None:
        low, high = COUNT_RANGE
        if not low <= self.count <= high:
            raise ValueError(f"count: ask for {low} to {high} questions.")
        if unknown := set(self.kinds) - set(KINDS):
            raise ValueError(f"kinds: unknown kind {sorted(unknown)[0]!r}.")
        if unknown := set(self.types) - set(TYPES):
            raise ValueError(f"types: unknown type {sorted(unknown)[0]!r}.")
        if set(self.difficulties) - {1, 2, 3}:
            raise ValueError("difficulties: use 1, 2 or 3.")

    def to_dict(self) -> dict:
        return {
            "topics": list(self.topics),
            "kinds": list(self.kinds),
            "types": list(self.types),
            "difficulties": list(self.difficulties),
            "count": self.count,
        }


@dataclass(frozen=True)
class Candidate:
    """What picking needs to know of a question."""

    id: int
    fact: str
    topic: str
    kind: str
    type: str
    difficulty: int


def matches(candidate: Candidate, rules: Rules) -> bool:
    """Tell whether a question satisfies the rules."""
    return (
        (not rules.topics or candidate.topic in rules.topics)
        and (not rules.kinds or candidate.kind in rules.kinds)
        and (not rules.types or candidate.type in rules.types)
        and (not rules.difficulties or candidate.difficulty in rules.difficulties)
    )


def pick(pool: list[Candidate], rules: Rules, rng: random.Random) -> list[int]:
    """Draw the quiz's questions: `rules.count` of them, at most one per fact, in random order.

    Args:
        pool: the questions available.
        rules: what to draw.
        rng: the source of randomness (seed it for a reproducible draw).

    Returns:
        Question ids in the order they will be asked.

    Raises:
        NotEnoughQuestions: fewer facts than `rules.count` match.
    """
    by_fact: dict[str, list[int]] = {}
    for candidate in sorted(pool, key=lambda c: c.id):
        if matches(candidate, rules):
            by_fact.setdefault(candidate.fact, []).append(candidate.id)
    if len(by_fact) < rules.count:
        raise NotEnoughQuestions(len(by_fact), rules.count)
    facts = rng.sample(sorted(by_fact), rules.count)
    return [rng.choice(by_fact[fact]) for fact in facts]


def _shuffled(items: list, rng: random.Random, avoid_identity: bool = False) -> list:
    result = list(items)
    rng.shuffle(result)
    if avoid_identity and len(result) > 1 and result == list(items):
        result = result[1:] + result[:1]  # an ordering shown in its right order is no question
    return result


def layout(type_: str, payload: dict, rng: random.Random, shuffle: bool = True) -> dict:
    """Return what the student sees of a question's answer data: never the answer.

    Args:
        type_: the question type.
        payload: its canonical payload.
        rng: randomness for the shuffles.
        shuffle: shuffle options (ordering items and matching answers are
            always shuffled: their order is the answer).

    Returns:
        mcq/multi: {"options"}; matching: {"lefts", "rights"}; ordering:
        {"items"}; cloze: {"parts"} (text around the blanks); numeric:
        {"unit"}; other types: {}.
    """
    if type_ in ("mcq", "multi"):
        options = payload["options"]
        return {"options": _shuffled(options, rng) if shuffle else list(options)}
    if type_ == "matching":
        pairs = dict(payload["pairs"])
        lefts = _shuffled(list(pairs), rng) if shuffle else list(pairs)
        # The answers must not line up with the questions in the order shown.
        aligned = [pairs[left] for left in lefts]
        return {"lefts": lefts, "rights": _shuffled(aligned, rng, avoid_identity=True)}
    if type_ == "ordering":
        return {"items": _shuffled(payload["items"], rng, avoid_identity=True)}
    if type_ == "cloze":
        parts, _blanks = parse_cloze(payload["text"])
        return {"parts": parts}
    if type_ == "numeric":
        return {"unit": payload.get("unit")}
    return {}
