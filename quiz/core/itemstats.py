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
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

DUBIOUS_BELOW = 15.0


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
        options: per option text, how many attempts chose it, sorted by text.
    """

    question_id: int
    attempts: int
    facility: float | None
    sd: float | None
    discrimination_index: float | None
    discriminative_efficiency: float | None
    dubious: bool
    options: dict[str, int] = field(hash=False)


@dataclass(frozen=True)
class TestStats:
    """What a quiz's attempts say about the quiz as a whole.

    Attributes:
        attempts: how many attempts were analysed.
        mean: mean total, in marks.
        median: median total, in marks.
        sd: sample standard deviation of the totals, in marks.
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


def analyse(
    marks: Sequence[Mapping[int, float]],
    max_marks: Mapping[int, float],
    choices: Sequence[Mapping[int, list[str]]] | None = None,
) -> TestStats:
    """Compute Moodle's quiz and item statistics from the marks of finished attempts.

    Args:
        marks: one mapping per attempt, question id → mark earned (an unanswered question
            is 0; a question left out of the mapping was not in that attempt).
        max_marks: question id → the question's marks; it lists the items, in report order.
        choices: per attempt (aligned with `marks`), question id → the option texts or
            outcome labels chosen; each attempt counts once per distinct text.

    Returns:
        The test statistics with one `ItemStats` per question of `max_marks`.

    Raises:
        ValueError: an attempt or a choice names a question missing from `max_marks`, a
            question's marks are negative, or `choices` has not one entry per attempt.
    """
    _check(marks, max_marks, choices)
    items = tuple(_item(qid, max_mark, marks, choices or ()) for qid, max_mark in max_marks.items())
    if len(marks) < 2:
        return TestStats(len(marks), None, None, None, None, None, None, items, enough=False)
    totals = [math.fsum(attempt.values()) for attempt in marks]
    common = [qid for qid in max_marks if all(qid in attempt for attempt in marks)]
    cic, error_ratio, standard_error = _reliability(marks, common)
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
    choices: Sequence[Mapping[int, list[str]]],
) -> ItemStats:
    counts = Counter(text for attempt in choices for text in set(attempt.get(qid, ())))
    options = dict(sorted(counts.items()))
    held = [attempt for attempt in marks if qid in attempt]
    if len(held) < 2:
        return ItemStats(qid, len(held), None, None, None, None, False, options)
    mark = [attempt[qid] for attempt in held]
    # Summing the other marks, rather than total − mark, keeps X₋ᵢ exact when it is constant.
    rest = [math.fsum(m for other, m in attempt.items() if other != qid) for attempt in held]
    var_mark, var_rest = _covariance(mark, mark), _covariance(rest, rest)
    cov = _covariance(mark, rest)
    efficiency = _ratio(100 * cov, _covariance(sorted(mark), sorted(rest)))
    return ItemStats(
        question_id=qid,
        attempts=len(held),
        facility=_ratio(100 * math.fsum(mark) / len(mark), max_mark),
        sd=_ratio(100 * math.sqrt(var_mark), max_mark),
        discrimination_index=_ratio(100 * cov, math.sqrt(var_mark * var_rest)),
        discriminative_efficiency=efficiency,
        dubious=efficiency is not None and efficiency < DUBIOUS_BELOW,
        options=options,
    )


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
