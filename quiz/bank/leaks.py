"""Find prompts that give another item's answer away.

A student who meets "In the 1999 strike on the Chinese Embassy…" in one question
no longer needs to recall the year that another question asks for. An item
*gives away* another when its prompt contains one of the other's answers and
the two quote the same paragraph of the article (a prompt about another part
of the article may name the same person or city without saying anything about
the other question). Items testing the same fact (siblings) are exempt: they
never meet in a quiz and are buried together in flashcards.

Answers looked for: a short answer's accepted answers and their aliases, each
cloze blank's answers and aliases, an mcq's right option and a numeric answer
written as digits. They are compared after `normalize_answer`, word by word (so
"Japan" is not found in "Japanese"), and only when at least `MIN_LETTERS` long:
shorter answers ("air", "25") are too common to tell anything. A prompt's
instructions ("earliest first") are left out.
"""

from __future__ import annotations

from quiz.bank.schema import Item, format_number
from quiz.bank.text import normalize
from quiz.core.grading import normalize_answer

MIN_LETTERS = 4
INSTRUCTIONS = ("earliest first", "latest first", "select all that apply")
"""Words of a prompt that tell how to answer, not what: left out before looking."""


def answers_of(item: Item) -> list[str]:
    """List the answers of an item that a prompt could give away, normalized.

    Args:
        item: An item read from the bank (aliases attached).

    Returns:
        The distinct normalized answers at least `MIN_LETTERS` long; none for
        true/false, multi, matching and ordering items.
    """
    payload = item.payload
    texts: list[str] = []
    if item.type == "short":
        texts += payload["answers"]
        texts += [alias for forms in payload.get("aliases", {}).values() for alias in forms]
    elif item.type == "cloze":
        for number, blank in enumerate(payload["blanks"]):
            texts += blank
            aliases = payload.get("aliases", [])
            if number < len(aliases):
                texts += [alias for forms in aliases[number].values() for alias in forms]
    elif item.type == "mcq":
        texts.append(payload["answer"])
    elif item.type == "numeric":
        texts.append(format_number(payload["answer"]))
    found = [normalize_answer(text) for text in texts]
    return list(dict.fromkeys(text for text in found if len(text.replace(" ", "")) >= MIN_LETTERS))


def giveaways(items: list[Item], seed_paragraphs: list[str]) -> list[tuple[Item, Item, str]]:
    """Find every prompt that contains the answer of a non-sibling item quoting the same paragraph.

    Args:
        items: The items of one source.
        seed_paragraphs: That source's paragraphs.

    Returns:
        `(item, other, answer)` for each item whose prompt gives away `other`'s
        `answer`, in the order of `items`.
    """
    normalized = [normalize(paragraph) for paragraph in seed_paragraphs]

    def paragraphs_of(item: Item) -> set[int]:
        """Return the paragraphs an item's quotes lie in."""
        needles = [normalize(quote) for quote in item.quotes]
        return {i for i, text in enumerate(normalized) for needle in needles if needle in text}

    where = {item.key: paragraphs_of(item) for item in items}
    answers = {item.key: answers_of(item) for item in items}
    found: list[tuple[Item, Item, str]] = []
    for item in items:
        prompt = f" {normalize_answer(item.prompt)} "
        for words in INSTRUCTIONS:
            prompt = prompt.replace(f" {words} ", " ")
        for other in items:
            if other.fact == item.fact or not where[item.key] & where[other.key]:
                continue
            for answer in answers[other.key]:
                if f" {answer} " in prompt:
                    found.append((item, other, answer))
                    break
    return found
