"""Item analysis of a quiz: how hard each question was, how well it told strong students from
weak ones, and how reliable the whole test is (Moodle's quiz statistics).

Pure: marks come in as numbers per attempt and nothing is rounded. Every statistic needs at
least two attempts; on fewer, and wherever a ratio's denominator is 0 (every student scored
the same), it is None, never a NaN or an exception.

Random draws: an attempt need not hold every question. An item's statistics are computed over
the attempts that contain it, with X₋ᵢ that attempt's total minus the item's mark. Cronbach's
alpha compares items answered by the same students, so the reliability figures (CIC, error
ratio, standard error) use only the questions present in every attempt and the total over
those; the mean, median and SD describe each attempt's whole total.

Beyond Moodle's figures, classical item analysis: for each option (or each pair, position or
blank of a matching, ordering or cloze question), how many of the upper and lower 27 % of the
class, ranked by the rest of the test, chose it. A wrong answer the upper group chose more
often than the lower one is flagged: it is the distractor to rewrite, or a key to check.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction

DUBIOUS_BELOW = 15.0
GROUP_SHARE = 0.27  # Kelley's upper and lower groups
NO_ANSWER = "(no answer)"


@dataclass(frozen=True)
class Choice:
    """One thing an attempt chose or typed for a question, or for one part of it.

    Attributes:
        text: the option, item or typed answer (`NO_ANSWER` when left blank).
        right: it is (part of) the right answer.
        part: 0 for the whole question; 1, 2, ... for a pair, position or blank.
        part_label: how that part is named ("Kosovo", "Position 2", "Blank 1").
    """

    text: str
    right: bool = False
    part: int = 0
    part_label: str = ""


@dataclass(frozen=True)
class OptionCount:
    """How often one choice was made, overall and in the upper and lower groups.

    Attributes:
        choice: the choice.
        count: attempts that made it.
        upper: of them, attempts in the upper group (best on the rest of the test).
        lower: of them, attempts in the lower group.
        flagged: a wrong answer the upper group chose more often than the lower group.
    """

    choice: Choice
    count: int
    upper: int
    lower: int
    flagged: bool


@dataclass(frozen=True)
class ItemStats:
    """What one question did in a quiz.

    Attributes:
        question_id: the question.
        attempts: how many attempts contained it.
        facility: mean mark as a percentage of the question's marks (0–100).
        sd: standard deviation of its marks as a percentage of its marks.
        discrimination_index: 100 × correlation of its mark with the rest of the test.
        discriminative_efficiency: 100 × covariance with the rest of the test over the
            largest covariance those same marks could have.
        dubious: the efficiency is known and below 15.
        options: per option text (whole-question choices), how many attempts chose it,
            sorted by text.
        responses: every choice with its counts, by part, then most frequent first.
        group_size: how many attempts each of the upper and lower groups holds (27 % of
            the attempts holding the question, rounded; 0 on fewer than two).
        intended_weight: the question's marks as a percentage of the attempt's total marks
            (averaged over the attempts holding it).
        effective_weight: its share of the spread of the totals, Moodle's
            100·√cov(x, X) / Σ√cov(xⱼ, X); None when its covariance is negative.
        random_guess_score: what a random guess would score on average, in percent.
        below_guess: the facility is known and no better than the random guess score.
    """

    question_id: int
    attempts: int
    facility: float | None
    sd: float | None
    discrimination_index: float | None
    discriminative_efficiency: float | None
    dubious: bool
    options: dict[str, int] = field(hash=False)
    responses: tuple[OptionCount, ...] = ()
    group_size: int = 0
    intended_weight: float | None = None
    effective_weight: float | None = None
    random_guess_score: float | None = None
    below_guess: bool = False


@dataclass(frozen=True)
class TestStats:
    """What a quiz's attempts say about the quiz as a whole.

    Attributes:
        attempts: how many attempts were analysed.
        mean: mean total, in marks.
        mean_percent: mean of each attempt's total as a percentage of its maximum.
        median: median total, in marks.
        sd: sample standard deviation of the totals, in marks.
        skewness: Moodle's k₃/k₂^(3/2) of the totals (needs three attempts); negative when
            most scores are high with a tail of low ones.
        kurtosis: Moodle's k₄/k₂² (excess kurtosis, needs four attempts); positive when the
            scores pile up in the middle with long tails.
        cic: coefficient of internal consistency (Cronbach's alpha × 100).
        error_ratio: 100 × √(1 − alpha): the share of the spread that is noise.
        standard_error: error ratio × SD of the total / 100, in marks.
        items: one entry per question, in the order of `max_marks`.
        enough: False when there are fewer than two attempts ("Not enough attempts").
    """

    __test__ = False  # a domain name, not a pytest test class

    attempts: int
    mean: float | None
    median: float | None
    sd: float | None
    cic: float | None
    error_ratio: float | None
    standard_error: float | None
    items: tuple[ItemStats, ...]
    enough: bool
    mean_percent: float | None = None
    skewness: float | None = None
    kurtosis: float | None = None


def analyse(
    marks: Sequence[Mapping[int, float]],
    max_marks: Mapping[int, float],
    choices: Sequence[Mapping[int, list[str | Choice]]] | None = None,
    guess_scores: Mapping[int, float | None] | None = None,
) -> TestStats:
    """Compute Moodle's quiz and item statistics from the marks of finished attempts.

    The upper and lower groups of a question are its attempts ranked by the rest of the
    test (X₋ᵢ): the best and the worst `round(0.27 × attempts)`, ties at the cut taken in
    the order of `marks` (the earlier attempt first), so the groups never overlap.

    Args:
        marks: one mapping per attempt, question id → mark earned (an unanswered question
            is 0; a question left out of the mapping was not in that attempt).
        max_marks: question id → the question's marks; it lists the items, in report order.
        choices: per attempt (aligned with `marks`), question id → what was chosen: option
            texts (a plain string is a whole-question `Choice`, not right) or `Choice`s;
            each attempt counts once per distinct choice.
        guess_scores: question id → the mean score of a random guess, 0 to 1 (None: none
            makes sense).

    Returns:
        The test statistics with one `ItemStats` per question of `max_marks`.

    Raises:
        ValueError: an attempt or a choice names a question missing from `max_marks`, a
            question's marks are negative, or `choices` has not one entry per attempt.
    """
    _check(marks, max_marks, choices)
    guess_scores = guess_scores or {}
    items = [
        _item(qid, max_mark, marks, max_marks, choices or (), guess_scores.get(qid))
        for qid, max_mark in max_marks.items()
    ]
    items = tuple(_with_effective_weights(items, marks))
    if len(marks) < 2:
        return TestStats(len(marks), None, None, None, None, None, None, items, enough=False)
    totals = [math.fsum(attempt.values()) for attempt in marks]
    common = [qid for qid in max_marks if all(qid in attempt for attempt in marks)]
    cic, error_ratio, standard_error = _reliability(marks, common)
    skewness, kurtosis = _shape(totals)
    return TestStats(
        attempts=len(marks),
        mean=math.fsum(totals) / len(totals),
        median=statistics.median(totals),
        sd=math.sqrt(_covariance(totals, totals)),
        cic=cic,
        error_ratio=error_ratio,
        standard_error=standard_error,
        items=items,
        enough=True,
        mean_percent=_mean_percent(marks, totals, max_marks),
        skewness=skewness,
        kurtosis=kurtosis,
    )


def _check(
    marks: Sequence[Mapping[int, float]],
    max_marks: Mapping[int, float],
    choices: Sequence[Mapping[int, list[str]]] | None,
) -> None:
    for qid, max_mark in max_marks.items():
        if max_mark < 0:
            raise ValueError(f"max_marks: question {qid} has negative marks ({max_mark}).")
    for attempts, name in ((marks, "marks"), (choices or (), "choices")):
        for number, attempt in enumerate(attempts):
            if unknown := set(attempt) - set(max_marks):
                raise ValueError(f"{name}[{number}]: question {min(unknown)} is not in max_marks.")
    if choices is not None and len(choices) != len(marks):
        raise ValueError(f"choices: {len(choices)} entries for {len(marks)} attempts.")


def _item(
    qid: int,
    max_mark: float,
    marks: Sequence[Mapping[int, float]],
    max_marks: Mapping[int, float],
    choices: Sequence[Mapping[int, list[str | Choice]]],
    guess: float | None,
) -> ItemStats:
    chosen = [{_as_choice(c) for c in attempt.get(qid, ())} for attempt in choices]
    options = dict(sorted(Counter(c.text for made in chosen for c in made if c.part == 0).items()))
    held = [n for n, attempt in enumerate(marks) if qid in attempt]
    # Summing the other marks, rather than total − mark, keeps X₋ᵢ exact when it is constant.
    rest = [math.fsum(m for other, m in marks[n].items() if other != qid) for n in held]
    upper, lower = _groups(held, rest)
    guess_percent = None if guess is None else 100 * guess
    common = {
        "question_id": qid,
        "attempts": len(held),
        "options": options,
        "responses": _responses(chosen, upper, lower),
        "group_size": len(upper),
        "intended_weight": _intended_weight(qid, max_mark, [marks[n] for n in held], max_marks),
        "random_guess_score": guess_percent,
    }
    if len(held) < 2:
        return ItemStats(
            facility=None,
            sd=None,
            discrimination_index=None,
            discriminative_efficiency=None,
            dubious=False,
            **common,
        )
    mark = [marks[n][qid] for n in held]
    var_mark, var_rest = _covariance(mark, mark), _covariance(rest, rest)
    cov = _covariance(mark, rest)
    efficiency = _ratio(100 * cov, _covariance(sorted(mark), sorted(rest)))
    facility = _ratio(100 * math.fsum(mark) / len(mark), max_mark)
    return ItemStats(
        facility=facility,
        sd=_ratio(100 * math.sqrt(var_mark), max_mark),
        discrimination_index=_ratio(100 * cov, math.sqrt(var_mark * var_rest)),
        discriminative_efficiency=efficiency,
        dubious=efficiency is not None and efficiency < DUBIOUS_BELOW,
        below_guess=None not in (facility, guess_percent) and facility <= guess_percent,
        **common,
    )


def _as_choice(made: str | Choice) -> Choice:
    return made if isinstance(made, Choice) else Choice(made)


def _groups(held: list[int], rest: list[float]) -> tuple[set[int], set[int]]:
    """Return the attempts (indices into marks) of the upper and lower 27 %."""
    if len(held) < 2:
        return set(), set()
    size = math.floor(GROUP_SHARE * len(held) + 0.5)  # at least 1 from two attempts on
    ranked = sorted(zip(rest, held, strict=True), key=lambda pair: (-pair[0], pair[1]))
    upper = {n for _, n in ranked[:size]}
    rising = sorted(((r, n) for r, n in ranked if n not in upper), key=lambda p: (p[0], p[1]))
    return upper, {n for _, n in rising[:size]}


def _responses(
    chosen: list[set[Choice]], upper: set[int], lower: set[int]
) -> tuple[OptionCount, ...]:
    """Count each choice overall and in each group: by part, then most frequent first."""
    count, up, low = Counter(), Counter(), Counter()
    for n, made in enumerate(chosen):
        count.update(made)
        if n in upper:
            up.update(made)
        elif n in lower:
            low.update(made)
    result = [
        OptionCount(
            choice,
            total,
            up[choice],
            low[choice],
            flagged=not choice.right and choice.text != NO_ANSWER and up[choice] > low[choice],
        )
        for choice, total in count.items()
    ]
    return tuple(sorted(result, key=lambda o: (o.choice.part, -o.count, o.choice.text)))


def _intended_weight(
    qid: int, max_mark: float, held: list[Mapping[int, float]], max_marks: Mapping[int, float]
) -> float | None:
    """Return the question's marks as a percentage of each attempt's total marks, averaged."""
    shares = []
    for attempt in held:
        total = math.fsum(max_marks[other] for other in attempt)
        if total <= 0:
            return None
        shares.append(100 * max_mark / total)
    return math.fsum(shares) / len(shares) if shares else None


def _with_effective_weights(
    items: list[ItemStats], marks: Sequence[Mapping[int, float]]
) -> list[ItemStats]:
    """Add Moodle's effective weight: √cov(x, X) of each item over their sum."""
    covariances = {}
    for entry in items:
        held = [attempt for attempt in marks if entry.question_id in attempt]
        if len(held) >= 2:
            x = [attempt[entry.question_id] for attempt in held]
            totals = [math.fsum(attempt.values()) for attempt in held]
            covariances[entry.question_id] = _covariance(x, totals)
    roots = math.fsum(math.sqrt(c) for c in covariances.values() if c >= 0)
    result = []
    for entry in items:
        cov = covariances.get(entry.question_id)
        weight = 100 * math.sqrt(cov) / roots if cov is not None and cov >= 0 and roots else None
        result.append(replace(entry, effective_weight=weight))
    return result


def _mean_percent(
    marks: Sequence[Mapping[int, float]], totals: list[float], max_marks: Mapping[int, float]
) -> float | None:
    """Return the mean of each attempt's total as a percentage of that attempt's maximum."""
    maxima = [math.fsum(max_marks[qid] for qid in attempt) for attempt in marks]
    if not all(m > 0 for m in maxima):
        return None
    return math.fsum(100 * t / m for t, m in zip(totals, maxima, strict=True)) / len(totals)


def _shape(totals: list[float]) -> tuple[float | None, float | None]:
    """Return Moodle's skewness (from 3 attempts) and kurtosis (from 4) of the totals."""
    s = len(totals)
    if s < 3 or len(set(totals)) == 1:
        return None, None
    mean = math.fsum(totals) / s
    m2, m3, m4 = (math.fsum((t - mean) ** power for t in totals) / s for power in (2, 3, 4))
    k2 = s * m2 / (s - 1)
    k3 = s * s * m3 / ((s - 1) * (s - 2))
    skewness = k3 / k2**1.5
    if s < 4:
        return skewness, None
    k4 = s * s * ((s + 1) * m4 - 3 * (s - 1) * m2 * m2) / ((s - 1) * (s - 2) * (s - 3))
    return skewness, k4 / (k2 * k2)


def _reliability(
    marks: Sequence[Mapping[int, float]], common: list[int]
) -> tuple[float | None, float | None, float | None]:
    """Return CIC, error ratio and standard error over the questions every attempt holds."""
    if len(common) < 2:
        return None, None, None
    # Exact arithmetic: a perfectly consistent test must show CIC 100 and error 0, not
    # 99.99999999999999 and 1e-06. Every mark is a ratio of integers, so marks times a
    # common denominator are integers, and integer sums are exact and fast.
    ratios = [[attempt[qid].as_integer_ratio() for attempt in marks] for qid in common]
    scale = math.lcm(*(d for column in ratios for _, d in column))
    columns = [[n * (scale // d) for n, d in column] for column in ratios]
    totals = [sum(row) for row in zip(*columns, strict=True)]
    spread_total = _spread(totals)
    if spread_total == 0:
        return None, None, None
    p = len(common)
    # The variances' common factor 1/(s(s − 1)·scale²) cancels in their ratio.
    alpha = Fraction(p, p - 1) * (1 - Fraction(sum(map(_spread, columns)), spread_total))
    error_ratio = 100 * math.sqrt(1 - alpha)  # alpha ≤ 1 always: var X ≤ p·Σ var xᵢ
    sd_total = math.sqrt(Fraction(spread_total, len(marks) * (len(marks) - 1) * scale**2))
    return float(100 * alpha), error_ratio, error_ratio * sd_total / 100


def _spread(values: list[int]) -> int:
    """Return s(s − 1) × the sample variance, as s·Σv² − (Σv)²."""
    return len(values) * sum(v * v for v in values) - sum(values) ** 2


def _covariance(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Sample covariance (n − 1); exactly 0 when either side is constant."""
    # A constant column's float mean can miss its value by an ulp, which would turn
    # "every student scored the same" into a tiny variance and a meaningless ratio.
    if len(set(xs)) == 1 or len(set(ys)) == 1:
        return 0.0
    mean_x, mean_y = math.fsum(xs) / len(xs), math.fsum(ys) / len(ys)
    products = ((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    return math.fsum(products) / (len(xs) - 1)


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0 else None
