"""Topic mastery: "where am I weak, and what do I do about it?"

Pure: no Flask, no database. For one student and one topic, the caller passes
the predicted recall now of each studied card, the quiz answers on the topic's
questions and how many of its questions were seen; this module turns them into
a score from 0 to 100, an evidence level, and whether the topic is weak.
The score needs only sums of these (`TopicTotals`), so a caller may have the
database add them up instead of passing every card and answer.

How the score is made. Every observation has a weight and a value: a studied
card weighs 1 and is worth its predicted recall; a quiz answer weighs
2^(-age / HALF_LIFE_DAYS), never less than UNSEEN_WEIGHT, and is worth its
points. Each question of the topic not seen yet counts as a zero worth
UNSEEN_WEIGHT. The score is 100 × (sum of weight × value) / (sum of weights).
Without unseen questions this is the blend of mean recall and recency-weighted
accuracy, each weighted by its amount of evidence; unseen questions pull it
down, so knowing 2 of 20 questions perfectly gives 53, not 100.

Why coverage goes in this way. Seeing a new question raises coverage, so a
wrong answer on a new question both adds a zero and removes an unseen
question. If coverage multiplied the score, that could raise it. Here the
wrong answer adds at least UNSEEN_WEIGHT to the denominator (the weight floor)
while the unseen question it replaces took away exactly UNSEEN_WEIGHT, and the
numerator does not move: the score cannot rise. A correct answer adds as much
to the numerator as to the denominator, which never lowers a ratio of at most
1, and removing an unseen question only shrinks the denominator. So the sign
of an answer is always the sign of its effect, whatever came before.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

# Two weeks: an answer from last week still counts 70 %, one from four weeks
# ago a quarter; FSRS intervals of cards still being learnt are of that order,
# so quiz evidence fades about as fast as what the cards predict.
HALF_LIFE_DAYS = 14.0
# 60 is the usual pass mark: below it, more than 2 questions in 5 are missed.
WEAK_BELOW = 60
# An unseen question counts as a tenth of a wrong answer: enough that 2 of 20
# questions known perfectly is not mastery, small enough that a few good
# results on a short topic are not called weak.
UNSEEN_WEIGHT = 0.1
# The recency weight never drops below the unseen weight; the monotonicity
# argument in the module docstring needs it (it is reached after ~46 days).
MIN_ANSWER_WEIGHT = UNSEEN_WEIGHT


class Evidence(IntEnum):
    """How much the score rests on: observations are studied cards plus quiz answers."""

    NONE = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3


# The fewest observations for each level.
EVIDENCE_FROM = {Evidence.LOW: 1, Evidence.MEDIUM: 5, Evidence.HIGH: 15}


@dataclass(frozen=True)
class QuizAnswer:
    """One graded quiz answer on a question of the topic.

    Attributes:
        question_id: the question answered.
        points: the fraction of the question's marks obtained, 0–1.
        answered_at: when it was answered, aware.
    """

    question_id: int
    points: float
    answered_at: datetime

    def __post_init__(self) -> None:
        if not 0.0 <= self.points <= 1.0:
            raise ValueError("points must be between 0 and 1")
        if self.answered_at.tzinfo is None:
            raise ValueError("answered_at must be timezone-aware")


@dataclass(frozen=True)
class TopicEvidence:
    """What is known of one student on one topic.

    Attributes:
        topic: the topic's slug.
        items: the topic's questions in the bank (not archived).
        recalls: the predicted recall now (0–1) of each studied card.
        answers: the quiz answers on the topic's questions.
        seen: distinct questions of the topic seen, studied or answered.
    """

    topic: str
    items: int
    recalls: tuple[float, ...] = ()
    answers: tuple[QuizAnswer, ...] = ()
    seen: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "recalls", tuple(self.recalls))
        object.__setattr__(self, "answers", tuple(self.answers))
        if self.items < 0 or self.seen < 0:
            raise ValueError("items and seen cannot be negative")
        if any(not 0.0 <= r <= 1.0 for r in self.recalls):
            raise ValueError("recalls must be between 0 and 1")


@dataclass(frozen=True)
class Mastery:
    """How well a student knows a topic.

    Attributes:
        topic: the topic's slug.
        score: 0–100, None when the topic is unseen.
        recall: mean predicted recall of the studied cards, None without cards.
        accuracy: recency-weighted quiz accuracy, None without answers.
        coverage: share of the topic's questions seen, 0–1.
        evidence: how much the score rests on.
        weak: whether the evidence shows low mastery (never for a topic not started).
        reason: one sentence for the student.
    """

    topic: str
    score: int | None
    recall: float | None
    accuracy: float | None
    coverage: float
    evidence: Evidence
    weak: bool
    reason: str

    @property
    def started(self) -> bool:
        """Whether the student has studied a card or answered a question of the topic."""
        return self.evidence != Evidence.NONE


def answer_weight(answer: QuizAnswer, now: datetime) -> float:
    """Return how much a quiz answer counts now: halved every HALF_LIFE_DAYS, floored.

    Args:
        answer: the quiz answer.
        now: the current time, aware.

    Returns:
        A weight between MIN_ANSWER_WEIGHT and 1 (an answer dated after `now`,
        from clock skew, counts as fresh).
    """
    age_days = max((now - answer.answered_at).total_seconds() / 86400, 0.0)
    return max(0.5 ** (age_days / HALF_LIFE_DAYS), MIN_ANSWER_WEIGHT)


def evidence_level(observations: int) -> Evidence:
    """Return the evidence level of a number of observations (cards plus answers)."""
    level = Evidence.NONE
    for candidate, least in EVIDENCE_FROM.items():
        if observations >= least:
            level = candidate
    return level


def _percent(fraction: float) -> str:
    return f"{round(100 * fraction)} %"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@dataclass(frozen=True)
class TopicTotals:
    """What is known of one student on one topic, summed: what a database can add up.

    Attributes:
        topic: the topic's slug.
        items: the topic's questions in the bank (not archived).
        cards: studied cards.
        recall_sum: the sum of their predicted recalls now.
        answers: quiz answers.
        answer_weight: the sum of the answers' weights now (`answer_weight`).
        earned: the sum of weight × points over the answers.
        seen: distinct questions of the topic seen, studied or answered.
    """

    topic: str
    items: int
    cards: int = 0
    recall_sum: float = 0.0
    answers: int = 0
    answer_weight: float = 0.0
    earned: float = 0.0
    seen: int = 0


def totals_of(evidence: TopicEvidence, now: datetime) -> TopicTotals:
    """Sum a topic's evidence as of now (each answer weighed by its age)."""
    weights = [answer_weight(a, now) for a in evidence.answers]
    return TopicTotals(
        topic=evidence.topic,
        items=evidence.items,
        cards=len(evidence.recalls),
        recall_sum=math.fsum(evidence.recalls),
        answers=len(evidence.answers),
        answer_weight=math.fsum(weights),
        earned=math.fsum(w * a.points for w, a in zip(weights, evidence.answers, strict=True)),
        seen=evidence.seen,
    )


def _reason(totals: TopicTotals, recall: float | None, accuracy: float | None, weak: bool) -> str:
    cards = _count(totals.cards, "card")
    answers = _count(totals.answers, "answer")
    cutoff = WEAK_BELOW / 100
    seen = min(totals.seen, totals.items)
    if weak:
        causes = []
        if recall is not None and recall < cutoff:
            causes.append((recall, f"Low recall ({_percent(recall)}) on {cards}."))
        if accuracy is not None and accuracy < cutoff:
            causes.append((accuracy, f"Low quiz accuracy ({_percent(accuracy)}) over {answers}."))
        if causes:
            return min(causes)[1]
        return f"Only {seen} of {totals.items} questions seen so far."
    parts = []
    if recall is not None:
        parts.append(f"recall {_percent(recall)} on {cards}")
    if accuracy is not None:
        parts.append(f"quiz accuracy {_percent(accuracy)} over {answers}")
    if seen < totals.items:
        parts.append(f"{seen} of {totals.items} questions seen")
    few = evidence_level(totals.cards + totals.answers) == Evidence.LOW
    return ("Good so far: " if few else "Strong: ") + ", ".join(parts) + "."


def topic_mastery(evidence: TopicEvidence, now: datetime) -> Mastery:
    """Score how well a student knows a topic, and say whether it is weak.

    Args:
        evidence: the student's cards, answers and coverage on the topic.
        now: the current time, aware (ages the quiz answers).

    Returns:
        The topic's mastery. A topic not started (no studied card, no answer)
        has score None, evidence NONE and is not weak: nothing shows a weakness
        yet. Otherwise the topic is weak when its score is below WEAK_BELOW.

    Raises:
        ValueError: `now` is naive.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return mastery_of(totals_of(evidence, now))


def mastery_of(totals: TopicTotals) -> Mastery:
    """Score a topic from its summed evidence; `topic_mastery` with the sums done.

    Args:
        totals: the sums of the student's cards and answers on the topic, and its coverage.

    Returns:
        The topic's mastery, as `topic_mastery` describes it.
    """
    coverage = min(totals.seen / totals.items, 1.0) if totals.items else 0.0
    level = evidence_level(totals.cards + totals.answers)
    if level == Evidence.NONE:
        return Mastery(totals.topic, None, None, None, coverage, level, False, "Not started yet.")

    recall = totals.recall_sum / totals.cards if totals.cards else None
    accuracy = totals.earned / totals.answer_weight if totals.answers else None

    unseen = max(totals.items - totals.seen, 0)
    numerator = totals.recall_sum + totals.earned
    denominator = totals.cards + totals.answer_weight + UNSEEN_WEIGHT * unseen
    score = round(100 * numerator / denominator)
    weak = score < WEAK_BELOW
    reason = _reason(totals, recall, accuracy, weak)
    return Mastery(totals.topic, score, recall, accuracy, coverage, level, weak, reason)


def rank_weakest(masteries: Iterable[Mastery]) -> list[Mastery]:
    """Order topics for review: proven weakness first, then topics not started, then the rest.

    Args:
        masteries: one mastery per topic.

    Returns:
        A new list: the weak topics, lowest score first; the topics not started,
        by slug; the other topics, lowest score first. Equal scores go by
        evidence, most first (a low score with more behind it is a surer
        weakness), then by topic slug.
    """

    def key(m: Mastery) -> tuple:
        group = 0 if m.weak else 1 if not m.started else 2
        return (group, m.score or 0, -m.evidence, m.topic)

    return sorted(masteries, key=key)
