"""Tests for quiz.core.mastery: one topic's score, evidence level and weakness."""

import random
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from quiz.core.mastery import (
    EVIDENCE_FROM,
    HALF_LIFE_DAYS,
    MIN_ANSWER_WEIGHT,
    UNSEEN_WEIGHT,
    WEAK_BELOW,
    Evidence,
    Mastery,
    QuizAnswer,
    TopicEvidence,
    answer_weight,
    evidence_level,
    rank_weakest,
    topic_mastery,
)
from quiz.core.scheduling import Memory, Phase, Settings, retrievability

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
HELP = Path(__file__).parents[2] / "templates" / "help" / "mastery.html"


def answer(points: float, days_ago: float = 0.0, question_id: int = 1) -> QuizAnswer:
    return QuizAnswer(question_id, points, T0 - timedelta(days=days_ago))


def topic(items: int = 10, recalls=(), answers=(), seen: int | None = None) -> TopicEvidence:
    """Build a topic's evidence; by default every question has been seen."""
    return TopicEvidence(
        "nato", items, tuple(recalls), tuple(answers), items if seen is None else seen
    )


def score(evidence: TopicEvidence) -> int | None:
    return topic_mastery(evidence, T0).score


def random_prior(seed: int) -> TopicEvidence:
    """Return a varied prior state with at least one observation, from a seeded generator."""
    rng = random.Random(seed)
    items = rng.choice([1, 2, rng.randint(3, 10), rng.randint(10, 40)])
    n_cards = rng.choice([0, 0, rng.randint(1, 3), rng.randint(1, 25)])
    n_answers = rng.choice([0, rng.randint(1, 3), rng.randint(1, 30)])
    if n_cards + n_answers == 0:
        n_answers = 1
    recalls = [rng.choice([0.0, 1.0, rng.random(), rng.uniform(0.7, 1.0)]) for _ in range(n_cards)]
    answers = [
        answer(
            rng.choice([0.0, 1.0, 0.5, rng.random()]),
            rng.choice([0.0, rng.uniform(0, 10), rng.uniform(0, 400)]),
            rng.randint(1, items),
        )
        for _ in range(n_answers)
    ]
    return topic(items, recalls, answers, seen=rng.randint(0, items))


PRIORS = [random_prior(seed) for seed in range(200)]
PRIOR_IDS = [f"prior-{seed:03d}" for seed in range(200)]
# The new answer's age: fresh, recent, old, and past the weight floor.
AGES = (0.0, 3.0, 30.0, 400.0)


def with_answer(prior: TopicEvidence, points: float, days_ago: float, new_question: bool):
    """Add one answer; on a question not seen before it also raises coverage."""
    seen = min(prior.seen + 1, prior.items) if new_question else prior.seen
    return replace(prior, answers=(*prior.answers, answer(points, days_ago, 999)), seen=seen)


# Monotonicity: the sign of an answer is the sign of its effect, for any prior.


@pytest.mark.parametrize("prior", PRIORS, ids=PRIOR_IDS)
def test_a_correct_answer_never_lowers_mastery(prior):
    before = score(prior)
    for days_ago in AGES:
        for new_question in (False, True):
            assert score(with_answer(prior, 1.0, days_ago, new_question)) >= before


@pytest.mark.parametrize("prior", PRIORS, ids=PRIOR_IDS)
def test_a_wrong_answer_never_raises_mastery_even_when_it_raises_coverage(prior):
    before = score(prior)
    for days_ago in AGES:
        for new_question in (False, True):
            assert score(with_answer(prior, 0.0, days_ago, new_question)) <= before


@pytest.mark.parametrize("prior", PRIORS, ids=PRIOR_IDS)
def test_an_old_answer_moves_mastery_less_than_a_fresh_one(prior):
    for new_question in (False, True):
        old_right, new_right, old_wrong, new_wrong = (
            score(with_answer(prior, points, days_ago, new_question))
            for points, days_ago in ((1.0, 30.0), (1.0, 0.0), (0.0, 30.0), (0.0, 0.0))
        )
        assert old_right <= new_right
        assert old_wrong >= new_wrong


@pytest.mark.parametrize(
    "prior",
    [p for p in PRIORS if p.recalls],
    ids=[i for p, i in zip(PRIORS, PRIOR_IDS, strict=True) if p.recalls],
)
def test_lower_predicted_recall_never_raises_mastery(prior):
    rng = random.Random(repr(prior))
    faded = replace(prior, recalls=tuple(r * rng.random() for r in prior.recalls))
    assert score(faded) <= score(prior)


@pytest.mark.parametrize("prior", [topic(12, seen=0), *PRIORS], ids=["unseen", *PRIOR_IDS])
def test_evidence_never_shrinks_with_more_answers_or_cards(prior):
    before = topic_mastery(prior, T0).evidence
    more_answers = replace(prior, answers=(*prior.answers, answer(0.0)))
    more_cards = replace(prior, recalls=(*prior.recalls, 0.0))
    assert topic_mastery(more_answers, T0).evidence >= before
    assert topic_mastery(more_cards, T0).evidence >= before


def test_mastery_decays_as_fsrs_recall_decays_with_time():
    settings = Settings(fuzz=False)
    memories = [
        Memory(Phase.REVIEW, None, stability, 5.0, T0, T0 - timedelta(days=1), reps=3)
        for stability in (3.0, 10.0, 40.0)
    ]
    scores = []
    for days in (0, 5, 20, 60, 200):
        later = T0 + timedelta(days=days)
        recalls = [retrievability(m, later, settings) for m in memories]
        scores.append(topic_mastery(topic(3, recalls), later).score)
    assert scores == sorted(scores, reverse=True)
    assert scores[-1] < scores[0]


# The score itself.


@pytest.mark.parametrize(
    ("evidence", "expected", "recall", "accuracy"),
    [
        pytest.param(topic(2, answers=[answer(1.0), answer(0.0)]), 50, None, 0.5, id="quiz-only"),
        pytest.param(topic(2, recalls=[0.9, 0.7]), 80, 0.8, None, id="cards-only"),
        pytest.param(
            topic(4, [0.8, 0.8, 0.8], [answer(1.0)]), 85, 0.8, 1.0, id="blend-by-evidence"
        ),
        pytest.param(
            topic(2, answers=[answer(0.0, HALF_LIFE_DAYS), answer(1.0)]),
            67,
            None,
            2 / 3,
            id="recency",
        ),
        pytest.param(topic(20, [1.0, 1.0], seen=2), 53, 1.0, None, id="2-of-20-known"),
        pytest.param(topic(3, [0.9], seen=7), 90, 0.9, None, id="seen-beyond-items"),
    ],
)
def test_score_blends_recall_and_accuracy_and_counts_unseen_questions(
    evidence, expected, recall, accuracy
):
    mastery = topic_mastery(evidence, T0)
    assert mastery.score == expected
    assert mastery.recall == pytest.approx(recall)
    assert mastery.accuracy == pytest.approx(accuracy)


def test_knowing_a_few_questions_perfectly_is_not_full_mastery():
    mastery = topic_mastery(topic(20, [1.0, 1.0], seen=2), T0)
    assert mastery.coverage == 0.1
    assert mastery.score < 100
    assert topic_mastery(topic(20, [1.0] * 20), T0).score == 100


@pytest.mark.parametrize(
    ("days_ago", "weight"),
    [
        (0, 1.0),
        (-2, 1.0),
        (HALF_LIFE_DAYS, 0.5),
        (2 * HALF_LIFE_DAYS, 0.25),
        (365, MIN_ANSWER_WEIGHT),
    ],
)
def test_answers_count_half_as_much_every_half_life_down_to_a_floor(days_ago, weight):
    assert answer_weight(answer(1.0, days_ago), T0) == pytest.approx(weight)


def test_weight_floor_is_at_least_the_weight_of_an_unseen_question():
    # The guarantee that a wrong answer on a new question cannot raise the score rests on this.
    assert MIN_ANSWER_WEIGHT >= UNSEEN_WEIGHT


# Evidence and weakness.


def test_a_topic_not_started_has_no_score_and_is_not_weak():
    mastery = topic_mastery(topic(12, seen=0), T0)
    assert mastery == Mastery(
        "nato", None, None, None, 0.0, Evidence.NONE, False, "Not started yet."
    )
    assert not mastery.started
    assert topic_mastery(topic(0, seen=0), T0).coverage == 0.0


def test_one_card_or_one_answer_starts_a_topic():
    assert topic_mastery(topic(12, [0.2]), T0).started
    assert topic_mastery(topic(12, answers=[answer(0.0)]), T0).started


@pytest.mark.parametrize(
    ("observations", "level"),
    [
        (0, Evidence.NONE),
        (1, Evidence.LOW),
        (4, Evidence.LOW),
        (5, Evidence.MEDIUM),
        (14, Evidence.MEDIUM),
        (15, Evidence.HIGH),
        (100, Evidence.HIGH),
    ],
)
def test_evidence_level_thresholds(observations, level):
    assert evidence_level(observations) == level


def test_cards_and_answers_both_count_as_evidence():
    evidence = topic(5, [0.9, 0.9, 0.9], [answer(1.0), answer(1.0)])
    assert topic_mastery(evidence, T0).evidence == Evidence.MEDIUM


@pytest.mark.parametrize(("points", "weak"), [(0.59, True), (0.6, False)])
def test_a_topic_is_weak_below_the_threshold(points, weak):
    mastery = topic_mastery(topic(1, answers=[answer(points)]), T0)
    assert (mastery.score, mastery.weak) == (round(points * 100), weak)
    assert WEAK_BELOW == 60


def test_a_topic_seen_a_little_with_good_results_is_not_weak():
    mastery = topic_mastery(topic(8, answers=[answer(1.0, 0, 1), answer(1.0, 0, 2)], seen=2), T0)
    assert mastery.evidence == Evidence.LOW
    assert not mastery.weak
    assert (
        mastery.reason == "Good so far: quiz accuracy 100 % over 2 answers, 2 of 8 questions seen."
    )


@pytest.mark.parametrize(
    ("evidence", "reason"),
    [
        pytest.param(topic(6, [0.48] * 6), "Low recall (48 %) on 6 cards.", id="recall"),
        pytest.param(
            topic(5, answers=[answer(p) for p in (1, 1, 0, 0, 0)]),
            "Low quiz accuracy (40 %) over 5 answers.",
            id="accuracy",
        ),
        pytest.param(
            topic(2, [0.5], [answer(0.2)]),
            "Low quiz accuracy (20 %) over 1 answer.",
            id="worst-named",
        ),
        pytest.param(
            topic(30, [0.95], [answer(1.0)], seen=2),
            "Only 2 of 30 questions seen so far.",
            id="coverage",
        ),
        pytest.param(topic(15, [0.9] * 15), "Strong: recall 90 % on 15 cards.", id="strong"),
    ],
)
def test_reason_names_what_to_work_on(evidence, reason):
    assert topic_mastery(evidence, T0).reason == reason


def test_proven_weakness_comes_first_then_topics_not_started_then_the_rest():
    def mastery(slug, score, evidence, weak):
        return Mastery(slug, score, None, None, 0.5, evidence, weak, "")

    masteries = [
        mastery("strong", 90, Evidence.HIGH, False),
        mastery("low-sure", 40, Evidence.HIGH, True),
        mastery("b-unseen", None, Evidence.NONE, False),
        mastery("low-unsure", 40, Evidence.LOW, True),
        mastery("lowest", 10, Evidence.LOW, True),
        mastery("a-unseen", None, Evidence.NONE, False),
        mastery("fair", 70, Evidence.MEDIUM, False),
    ]
    assert [m.topic for m in rank_weakest(masteries)] == [
        "lowest",
        "low-sure",
        "low-unsure",
        "a-unseen",
        "b-unseen",
        "fair",
        "strong",
    ]


def test_a_zero_quiz_score_ranks_above_a_topic_never_studied():
    # Issue 12, finding 6: after a first session, never-studied topics ranked above 0 %.
    zero = topic_mastery(TopicEvidence("zero", 8, answers=[answer(0.0)], seen=1), T0)
    never = topic_mastery(TopicEvidence("a-never", 8), T0)
    assert zero.weak and not never.weak
    assert [m.topic for m in rank_weakest([never, zero])] == ["zero", "a-never"]


@pytest.mark.parametrize(
    "build",
    [
        lambda: topic_mastery(topic(1, [0.5]), datetime(2026, 3, 2)),
        lambda: QuizAnswer(1, 1.5, T0),
        lambda: QuizAnswer(1, 1.0, datetime(2026, 3, 2)),
        lambda: topic(3, [1.2]),
        lambda: topic(-1, seen=0),
        lambda: topic(3, seen=-1),
    ],
    ids=["naive-now", "points", "naive-answer", "recall", "items", "seen"],
)
def test_bad_input_is_refused(build):
    with pytest.raises(ValueError):
        build()


# The help page must say what the module does.


def test_help_page_states_the_modules_numbers():
    text = re.sub(r"\s+", " ", HELP.read_text(encoding="utf-8"))
    example = score(topic(20, [1.0, 1.0], seen=2))
    low, medium, high = (
        EVIDENCE_FROM[level] for level in (Evidence.LOW, Evidence.MEDIUM, Evidence.HIGH)
    )
    fraction = {0.1: "a tenth", 0.2: "a fifth", 0.25: "a quarter"}[UNSEEN_WEIGHT]
    for phrase in (
        f"{HALF_LIFE_DAYS:g} days",
        f"{2 * HALF_LIFE_DAYS:g} days",
        f"below {WEAK_BELOW}",
        f"{low}–{medium - 1}",
        f"{medium}–{high - 1}",
        f"{high} or more",
        f"gives {example}, not 100",
        f"{fraction} of a wrong answer",
    ):
        assert phrase in text
    assert '{% extends "base.html" %}' in text
    assert "{% block title %}How mastery works{% endblock %}" in text
