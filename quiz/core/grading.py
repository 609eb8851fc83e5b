"""Check one response against a question's canonical answer data.

Pure and render-independent: a response is plain JSON-able data (a string, a
list, a dict, a number or a boolean) whatever page or API produced it, and the
payload is the canonical form made by `quiz.bank.schema.parse_payload`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

_ARTICLES = ("the", "a", "an")
_NUMBER = re.compile(
    r"[+-]?(?:\d{1,3}(?:(?P<sep>[, \u00a0\u202f])\d{3})(?:(?P=sep)\d{3})*|\d+)(?:\.\d+)?"
)
_BARE_DECIMAL = re.compile(r"[+-]?\.\d+")
_WORD = re.compile(r"[^\W_]+")
# Integers beyond 2**53 and decimals like 0.1 + 0.2 are not exact in a float;
# without a slack an answer exactly at the tolerance's edge could be refused.
_SLACK = 1e-9
_NUMBER_HINT = "Enter a number, like 1999."


@dataclass(frozen=True)
class Grade:
    """The outcome of checking one response.

    Attributes:
        score: fraction of the marks earned, 0.0 to 1.0, rounded to 4 decimals.
        correct: True when the score is 1.0.
        parts: per option, pair, position or blank (one for single-answer
            types): True or False, or None when left blank.
        message: one short sentence, e.g. "Partly right: 2 of 3 pairs."; the
            page shows the right answer, so the message does not.
    """

    score: float
    correct: bool
    parts: tuple[bool | None, ...]
    message: str


class ResponseError(ValueError):
    """A response has the wrong shape for its question type."""


def grade(type_: str, payload: dict[str, Any], response: object) -> Grade:
    """Check one response against a question's canonical payload.

    A blank response (see `is_blank`) is not an error: it scores 0 with every
    part None and the message "No answer.". Short answers and cloze blanks are
    compared after `normalize_answer`, each accepted answer together with its
    aliases (see `attach_aliases`); with `match = "name"` (and for cloze
    blanks whose accepted answer is capitalised like a name) small typos are
    tolerated token by token: the response must have as many tokens as an
    accepted answer, and each token must equal its counterpart or, measured on
    the shorter of the two, be within an optimal-string-alignment
    (Damerau-Levenshtein) distance of 1 for 4-7 characters and 2 for 8 or more;
    tokens of 3 characters or fewer, or holding a digit, must match exactly. So
    "Rasmusen" passes for "Rasmussen", but "Born" fails for "Bornemann" and "Ma"
    fails for "Ma Xiaotian".

    Args:
        type_: The question type, one of `quiz.bank.schema.TYPES`.
        payload: The question's canonical answer data.
        response: mcq: the chosen option (str); multi: the chosen options
            (list of str); true_false: a bool or "true"/"false"; short: str;
            numeric: a number, or a string such as "1,999" or "25 soldiers";
            matching: {left: right}; ordering: the items in the student's
            order, None at a position left empty; cloze: one string per blank.

    Returns:
        The grade. Partial credit: multi +1/k per right choice and -1/k per
        wrong one (k right options, floor 0); matching and cloze the share of
        right pairs or blanks; ordering the share of item pairs in the right
        relative order.

    Raises:
        ValueError: If `type_` is unknown.
        ResponseError: If the response has the wrong shape for the type; its
            message says what is wrong.
    """
    grader = _GRADERS.get(type_)
    if grader is None:
        raise ValueError(f"unknown type {type_!r}")
    return grader(payload, response)


def is_blank(type_: str, response: object) -> bool:
    """Tell whether nothing was answered (the shape is `grade`'s to check).

    Args:
        type_: The question type.
        response: The response as given to `grade`.

    Returns:
        True for None, a blank string, or a list or dict whose entries are all
        blank (an empty one included).

    Raises:
        ValueError: If `type_` is unknown.
    """
    if type_ not in _GRADERS:
        raise ValueError(f"unknown type {type_!r}")
    return _empty(response)


def random_guess_score(type_: str, payload: dict[str, Any]) -> float | None:
    """Return the mean score of a random guess, as Moodle's item analysis shows it.

    Args:
        type_: The question type.
        payload: The question's canonical answer data.

    Returns:
        A fraction 0 to 1: mcq 1/options; multi the mean score of every non-empty set
        of options, each as likely (Moodle's rule), under this grader's partial credit;
        true_false 1/2; matching 1/(distinct answers), each left matched at random;
        ordering 1/2, the share of item pairs a random order puts right (1 for one
        item); short, numeric and cloze 0, nothing typed at random is right.

    Raises:
        ValueError: If `type_` is unknown.
    """
    if type_ not in _GRADERS:
        raise ValueError(f"unknown type {type_!r}")
    if type_ == "mcq":
        return 1 / len(payload["options"])
    if type_ == "multi":
        n, k = len(payload["options"]), len(set(payload["answers"]))
        # A set with h right and w wrong options scores max(0, (h − w)/k); C(k, h)·C(n − k, w)
        # sets have those counts. Exact fractions: the grader's 4-decimal rounding aside.
        total = sum(
            math.comb(k, h) * math.comb(n - k, w) * Fraction(max(0, h - w), k)
            for h in range(k + 1)
            for w in range(n - k + 1)
        )
        return float(total / (2**n - 1))
    if type_ == "true_false":
        return 0.5
    if type_ == "matching":
        return 1 / len({right for _, right in payload["pairs"]})
    if type_ == "ordering":
        return 0.5 if len(payload["items"]) > 1 else 1.0
    return 0.0


def suggest_rating(grade: Grade) -> int:
    """Suggest a flashcard rating for a typed-in answer.

    Args:
        grade: The grade of the typed answer.

    Returns:
        1 (Again) below 0.5, 2 (Hard) from 0.5, 3 (Good) for full marks; never
        4 (Easy): only the student knows whether recall was effortless.
    """
    if grade.score >= 1.0:
        return 3
    return 2 if grade.score >= 0.5 else 1


def normalize_answer(text: str) -> str:
    """Normalize a short answer or cloze blank for comparison.

    Args:
        text: What the student typed, or an accepted answer.

    Returns:
        The text decomposed (NFKD) without accents, case-folded, with every
        character that is not a letter or digit (hyphens and apostrophes
        included) turned into a space, spaces collapsed and stripped, and one
        leading "the", "a" or "an" dropped when more words follow.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    words = "".join(char if char.isalnum() else " " for char in bare.casefold()).split()
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    return " ".join(words)


def _empty(value: object) -> bool:
    """Tell whether a response or one of its parts holds nothing."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return all(_empty(entry) for entry in value)
    return value is None or (isinstance(value, str) and not value.strip())


def _blank(count: int) -> Grade:
    """Grade a response left blank."""
    return Grade(0.0, False, (None,) * count, "No answer.")


def _share(earned: int, total: int, parts: tuple[bool | None, ...], noun: str) -> Grade:
    """Grade `earned` of `total` equal marks, naming the unit in the message."""
    if earned == total:
        message = "Right."
    elif earned == 0:
        message = "Wrong."
    else:
        message = f"Partly right: {earned} of {total} {noun}."
    return Grade(round(earned / total, 4), earned == total, parts, message)


def _single(ok: bool) -> Grade:
    """Grade a one-part question."""
    return _share(int(ok), 1, (ok,), "")


def _grade_mcq(payload: dict[str, Any], response: object) -> Grade:
    """Grade the chosen option of a multiple-choice question."""
    if _empty(response):
        return _blank(1)
    if not isinstance(response, str) or response.strip() not in payload["options"]:
        raise ResponseError(f"{response!r} is not one of the options.")
    return _single(response.strip() == payload["answer"])


def _grade_multi(payload: dict[str, Any], response: object) -> Grade:
    """Grade the chosen options: +1/k per right one, -1/k per wrong one, floor 0."""
    options, answers = payload["options"], set(payload["answers"])
    if _empty(response):
        return _blank(len(options))
    if not isinstance(response, list | tuple):
        raise ResponseError("Give the chosen options as a list.")
    for choice in response:
        if not isinstance(choice, str) or choice not in options:
            raise ResponseError(f"{choice!r} is not one of the options.")
    chosen = set(response)
    if len(chosen) != len(response):
        raise ResponseError("An option is chosen more than once.")
    k, hits, wrong = len(answers), len(chosen & answers), len(chosen - answers)
    score = round(min(1.0, max(0.0, (hits - wrong) / k)), 4)
    parts = tuple((option in chosen) == (option in answers) for option in options)
    message = f"Partly right: {hits} of {_count(k, 'right choice')}"
    message += f", {_count(wrong, 'wrong choice')}." if wrong else "."
    if score == 1.0 or hits == 0:
        message = "Right." if score == 1.0 else "Wrong."
    return Grade(score, score == 1.0, parts, message)


def _count(number: int, noun: str) -> str:
    """Write a count with its noun, plural when it is not one."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _grade_true_false(payload: dict[str, Any], response: object) -> Grade:
    """Grade a true or false answer."""
    if _empty(response):
        return _blank(1)
    if isinstance(response, str) and response.strip().lower() in ("true", "false"):
        response = response.strip().lower() == "true"
    if not isinstance(response, bool):
        raise ResponseError("Answer true or false.")
    return _single(response == payload["answer"])


def attach_aliases(
    type_: str, payload: dict[str, Any], aliases: Mapping[str, Sequence[str]]
) -> dict[str, Any]:
    """Give a typed-answer question the aliases of its accepted answers.

    A source's alias list maps an accepted answer ("Ma Xiaotian") to other
    ways of writing it that are just as right ("Xiaotian Ma", "General Ma
    Xiaotian"). Keys are matched after `normalize_answer`, so "the United
    States" and "United States" are one key.

    Args:
        type_: The question type; only short answers and cloze blanks are typed.
        payload: The question's canonical payload (not modified).
        aliases: Accepted answer -> its aliases, as read from the source's list.

    Returns:
        A copy of the payload with `aliases`: for a short answer, accepted
        answer -> aliases; for a cloze, one such mapping per blank. Answers
        without aliases are left out; the key is absent when none has any.
        Other types are returned unchanged.
    """
    table: dict[str, list[str]] = {}
    for accepted, forms in aliases.items():
        table.setdefault(normalize_answer(accepted), []).extend(forms)

    def lookup(accepted: list[str]) -> dict[str, list[str]]:
        """Map each accepted answer that has aliases to them."""
        found = {answer: table.get(normalize_answer(answer), []) for answer in accepted}
        return {answer: list(forms) for answer, forms in found.items() if forms}

    if type_ == "short":
        found = lookup(payload["answers"])
        return {**payload, "aliases": found} if found else dict(payload)
    if type_ == "cloze":
        per_blank = [lookup(blank) for blank in payload["blanks"]]
        return {**payload, "aliases": per_blank} if any(per_blank) else dict(payload)
    return dict(payload)


def _forms(accepted: list[str], aliases: Mapping[str, Sequence[str]] | None) -> list[str]:
    """List the accepted answers, each followed by its aliases."""
    return [form for answer in accepted for form in (answer, *(aliases or {}).get(answer, ()))]


def _grade_short(payload: dict[str, Any], response: object) -> Grade:
    """Grade a typed short answer against every accepted answer and its aliases."""
    if _empty(response):
        return _blank(1)
    if not isinstance(response, str):
        raise ResponseError("Type the answer as text.")
    tolerant = payload.get("match") == "name"
    forms = _forms(payload["answers"], payload.get("aliases"))
    return _single(any(_accepts(accepted, response, tolerant) for accepted in forms))


def _accepts(accepted: str, typed: str, tolerant: bool) -> bool:
    """Tell whether a typed answer matches one accepted answer."""
    want, got = normalize_answer(accepted), normalize_answer(typed)
    if want == got:
        return True
    if not tolerant:
        return False
    want_tokens, got_tokens = want.split(), got.split()
    # Same token count, so a bare surname only matches an accepted bare surname.
    return len(want_tokens) == len(got_tokens) and all(
        _token_close(w, g) for w, g in zip(want_tokens, got_tokens, strict=True)
    )


def _token_close(want: str, got: str) -> bool:
    """Tell whether one name token is the other with a small typo."""
    if want == got:
        return True
    # The shorter length sets the allowance, so a fragment ("Born") of a long
    # name gets no more slack than a name of its own length would.
    shortest = min(len(want), len(got))
    if shortest <= 3 or any(char.isdigit() for char in want + got):
        return False
    return _osa_distance(want, got) <= (1 if shortest <= 7 else 2)


def _osa_distance(a: str, b: str) -> int:
    """Count the edits (insert, delete, substitute, swap neighbours) from a to b."""
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        before, previous = previous, current
    return previous[len(b)]


def _grade_numeric(payload: dict[str, Any], response: object) -> Grade:
    """Grade a number: right within the tolerance, its edge included."""
    if _empty(response):
        return _blank(1)
    value = _read_number(response, payload.get("unit"))
    answer = payload["answer"]
    slack = _SLACK * max(1.0, abs(answer))
    return _single(abs(value - answer) <= payload.get("tolerance", 0) + slack)


def _read_number(response: object, unit: str | None) -> float:
    """Read a number given as a number or as typed text."""
    if isinstance(response, int | float) and not isinstance(response, bool):
        if not math.isfinite(response):
            raise ResponseError(_NUMBER_HINT)
        return response
    if not isinstance(response, str):
        raise ResponseError(_NUMBER_HINT)
    text = response.strip()
    if unit:
        unit_word = rf"^{re.escape(unit)}\s*|\s*{re.escape(unit)}$"
        text = re.sub(unit_word, "", text, count=1, flags=re.IGNORECASE)
    if not (_NUMBER.fullmatch(text) or _BARE_DECIMAL.fullmatch(text)):
        raise ResponseError(_NUMBER_HINT)
    return float(re.sub(r"[, \u00a0\u202f]", "", text))


def _grade_matching(payload: dict[str, Any], response: object) -> Grade:
    """Grade the share of pairs matched right; a left without a right is unanswered."""
    pairs = payload["pairs"]
    if response is None:
        return _blank(len(pairs))
    if not isinstance(response, dict):
        raise ResponseError("Give the matches as {left: right}.")
    lefts, rights = {left for left, _ in pairs}, {right for _, right in pairs}
    for left, right in response.items():
        if left not in lefts:
            raise ResponseError(f"{left!r} is not one of the items to match.")
        if not _empty(right) and (not isinstance(right, str) or right not in rights):
            raise ResponseError(f"{right!r} is not one of the answers to match with.")
    parts = tuple(
        None if _empty(response.get(left)) else response[left] == right for left, right in pairs
    )
    if all(part is None for part in parts):
        return _blank(len(pairs))
    return _share(parts.count(True), len(pairs), parts, "pairs")


def _grade_ordering(payload: dict[str, Any], response: object) -> Grade:
    """Grade the share of item pairs put in the right relative order.

    The response holds one entry per position, None where no item was placed yet (a
    draft saved half-done): a pair with an unplaced item earns nothing, so an
    incomplete order is never right, only partly right.
    """
    items = payload["items"]
    if _empty(response):
        return _blank(len(items))
    shaped = (
        isinstance(response, list | tuple)
        and len(response) == len(items)
        and all(i is None or isinstance(i, str) for i in response)
    )
    placed = [item for item in response if item is not None] if shaped else []
    if not shaped or len(set(placed)) != len(placed) or not set(placed) <= set(items):
        raise ResponseError("Put every item in order, each once.")
    rank = {item: index for index, item in enumerate(items)}
    parts = tuple(
        None if item is None else rank[item] == position for position, item in enumerate(response)
    )
    n = len(items)
    if n < 2:
        return _single(True)
    order = [None if item is None else rank[item] for item in response]
    in_order = sum(
        order[i] is not None and order[j] is not None and order[i] < order[j]
        for i in range(n)
        for j in range(i + 1, n)
    )
    grade = _share(in_order, n * (n - 1) // 2, parts, "pairs in the right order")
    if len(placed) < n:
        missing = n - len(placed)
        grade = replace(grade, message=f"{grade.message} {missing} of {n} items had no position.")
    return grade


def _grade_cloze(payload: dict[str, Any], response: object) -> Grade:
    """Grade the share of blanks filled right (aliases too), names with typo tolerance."""
    blanks = payload["blanks"]
    if response is None:
        return _blank(len(blanks))
    if not isinstance(response, list | tuple) or len(response) != len(blanks):
        raise ResponseError(f"Give one answer per blank ({len(blanks)}).")
    if not all(entry is None or isinstance(entry, str) for entry in response):
        raise ResponseError("Type each blank's answer as text.")
    aliases = payload.get("aliases") or [{}] * len(blanks)
    parts = tuple(
        None
        if _empty(typed)
        else any(_accepts(a, typed, _looks_like_name(a)) for a in _forms(accepted, own))
        for typed, accepted, own in zip(response, blanks, aliases, strict=True)
    )
    if all(part is None for part in parts):
        return _blank(len(blanks))
    return _share(parts.count(True), len(blanks), parts, "blanks")


def _looks_like_name(text: str) -> bool:
    """Tell whether every word of an accepted blank is capitalised, like a name."""
    words = _WORD.findall(text)
    return bool(words) and all(word[0].isupper() for word in words)


_GRADERS: dict[str, Callable[[dict[str, Any], object], Grade]] = {
    "mcq": _grade_mcq,
    "multi": _grade_multi,
    "true_false": _grade_true_false,
    "short": _grade_short,
    "numeric": _grade_numeric,
    "matching": _grade_matching,
    "ordering": _grade_ordering,
    "cloze": _grade_cloze,
}
