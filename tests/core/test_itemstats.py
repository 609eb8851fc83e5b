"""Tests for quiz.core.itemstats: Moodle's quiz and item statistics.

The reference values are worked out by hand in the comments (sample variances and
covariances divide by s − 1); the `statistics` module is only a second opinion.
"""

import dataclasses
import math
import statistics

import pytest

from quiz.core.itemstats import NO_ANSWER, Choice, ItemStats, TestStats, analyse


def close(value):
    return pytest.approx(value, rel=1e-9, abs=1e-9)


# Five attempts at three 0/1 questions.
#
#   attempt  q1 q2 q3 | X   X₋₁ X₋₂ X₋₃
#   A         1  1  1 | 3    2   2   2
#   B         1  1  0 | 2    1   1   2
#   C         1  0  1 | 2    1   2   1
#   D         0  1  0 | 1    1   0   1
#   E         0  0  0 | 0    0   0   0
#
# q1: x = 1 1 1 0 0, mean 0.6 → facility 60.
#     deviations .4 .4 .4 −.6 −.6; Σd² = 3(.16) + 2(.36) = 1.2; var = 1.2/4 = 0.3;
#     SD = √0.3 = 0.5477 → 54.77 %.
#     X₋₁ = 2 1 1 1 0, mean 1, deviations 1 0 0 0 −1; var = 2/4 = 0.5.
#     cov = (.4·1 + 0 + 0 + 0 + (−.6)(−1))/4 = 1/4 = 0.25.
#     DI = 100 · 0.25 / √(0.3 · 0.5) = 25/√0.15 = 64.5497.
#     sorted x 0 0 1 1 1 (dev −.6 −.6 .4 .4 .4), sorted X₋₁ 0 1 1 1 2 (dev −1 0 0 0 1):
#     cov_max = (.6 + 0 + 0 + 0 + .4)/4 = 0.25 → DE = 100 · 0.25/0.25 = 100.
# q2: x = 1 1 0 1 0, mean 0.6 → facility 60, var 0.3 as q1.
#     X₋₂ = 2 1 2 0 0, mean 1, deviations 1 0 1 −1 −1.
#     cov = (.4 + 0 − .6 − .4 + .6)/4 = 0 → DI 0, DE 0 → dubious.
# q3: x = 1 0 1 0 0, mean 0.4 → facility 40; deviations .6 −.4 .6 −.4 −.4;
#     Σd² = 2(.36) + 3(.16) = 1.2, var 0.3.
#     X₋₃ = 2 2 1 1 0, mean 1.2, deviations .8 .8 −.2 −.2 −1.2;
#     Σd² = 2(.64) + 2(.04) + 1.44 = 2.8, var 0.7.
#     cov = (.48 − .32 − .12 + .08 + .48)/4 = .6/4 = 0.15.
#     DI = 15/√(0.3 · 0.7) = 15/√0.21 = 32.7327.
#     sorted x 0 0 0 1 1 (dev −.4 −.4 −.4 .6 .6), sorted X₋₃ 0 1 1 2 2
#     (dev −1.2 −.2 −.2 .8 .8): cov_max = (.48 + .08 + .08 + .48 + .48)/4 = 0.4;
#     DE = 100 · 0.15/0.4 = 37.5.
# Test: X = 3 2 2 1 0, mean 1.6, median 2; deviations 1.4 .4 .4 −.6 −1.6;
#     Σd² = 1.96 + .16 + .16 + .36 + 2.56 = 5.2, var 1.3, SD √1.3 = 1.1402.
#     Σ var xᵢ = 0.9; alpha = 3/2 · (1 − 0.9/1.3) = 3/2 · 4/13 = 6/13 → CIC 600/13 = 46.1538.
#     error ratio = 100 √(1 − 6/13) = 100 √(7/13) = 73.3799.
#     standard error = √(7/13) · √1.3 = √0.7 = 0.8367.
MAIN = [
    {1: 1, 2: 1, 3: 1},
    {1: 1, 2: 1, 3: 0},
    {1: 1, 2: 0, 3: 1},
    {1: 0, 2: 1, 3: 0},
    {1: 0, 2: 0, 3: 0},
]
ONE_MARK = {1: 1, 2: 1, 3: 1}


def item(stats: TestStats, question_id: int) -> ItemStats:
    return next(entry for entry in stats.items if entry.question_id == question_id)


def float_fields(stats: TestStats) -> list[float]:
    values = [getattr(stats, f.name) for f in dataclasses.fields(stats)]
    for entry in stats.items:
        values += [getattr(entry, f.name) for f in dataclasses.fields(entry)]
    return [value for value in values if isinstance(value, float)]


@pytest.mark.parametrize(
    ("question_id", "facility", "sd", "discrimination", "efficiency", "dubious"),
    [
        (1, 60.0, 100 * math.sqrt(0.3), 25 / math.sqrt(0.15), 100.0, False),
        (2, 60.0, 100 * math.sqrt(0.3), 0.0, 0.0, True),
        (3, 40.0, 100 * math.sqrt(0.3), 15 / math.sqrt(0.21), 37.5, False),
    ],
)
def test_item_statistics_match_the_hand_computed_table(
    question_id, facility, sd, discrimination, efficiency, dubious
):
    stats = item(analyse(MAIN, ONE_MARK), question_id)
    assert stats.attempts == 5
    assert stats.facility == close(facility)
    assert stats.sd == close(sd)
    assert stats.discrimination_index == close(discrimination)
    assert stats.discriminative_efficiency == close(efficiency)
    assert stats.dubious is dubious


@pytest.mark.parametrize("question_id", [1, 3])
def test_item_statistics_agree_with_the_statistics_module(question_id):
    x = [attempt[question_id] for attempt in MAIN]
    rest = [sum(attempt.values()) - attempt[question_id] for attempt in MAIN]
    stats = item(analyse(MAIN, ONE_MARK), question_id)
    assert stats.facility == close(100 * statistics.mean(x))
    assert stats.sd == close(100 * statistics.stdev(x))
    assert stats.discrimination_index == close(100 * statistics.correlation(x, rest))
    cov_max = statistics.covariance(sorted(x), sorted(rest))
    assert stats.discriminative_efficiency == close(100 * statistics.covariance(x, rest) / cov_max)


def test_test_statistics_match_the_hand_computed_values():
    stats = analyse(MAIN, ONE_MARK)
    assert stats.enough is True
    assert stats.attempts == 5
    assert stats.mean == close(1.6)
    assert stats.median == close(2.0)
    assert stats.sd == close(math.sqrt(1.3))
    assert stats.cic == close(600 / 13)
    assert stats.error_ratio == close(100 * math.sqrt(7 / 13))
    assert stats.standard_error == close(math.sqrt(0.7))
    # Second opinion: KR-20 from the statistics module.
    totals = [sum(attempt.values()) for attempt in MAIN]
    item_variance = sum(statistics.variance([a[q] for a in MAIN]) for q in ONE_MARK)
    assert stats.cic == close(100 * 3 / 2 * (1 - item_variance / statistics.variance(totals)))


@pytest.mark.parametrize(
    ("marks", "cic", "error_ratio", "standard_error"),
    [
        # Three identical items: var X = 9·var x and Σ var xᵢ = 3·var x, so
        # alpha = 3/2 · (1 − 3/9) = 1 → CIC 100, error ratio 0, standard error 0.
        pytest.param(
            [{1: v, 2: v, 3: v} for v in (1, 0, 1, 0, 0)], 100.0, 0.0, 0.0, id="identical"
        ),
        # KR-20 on a 4×2 table of uncorrelated items: each x has mean .5, deviations ±.5,
        # var = 4(.25)/3 = 1/3; X = 2 1 1 0, mean 1, var = 2/3 = Σ var xᵢ, so
        # alpha = 2 · (1 − 1) = 0 → error ratio 100, standard error = SD(X) = √(2/3).
        pytest.param(
            [{1: 1, 2: 1}, {1: 1, 2: 0}, {1: 0, 2: 1}, {1: 0, 2: 0}],
            0.0,
            100.0,
            math.sqrt(2 / 3),
            id="uncorrelated",
        ),
        # Opposed items: x₁ = 1 0 1 0 1 and x₂ = 0 1 0 1 1, each mean .6, var 0.3;
        # X = 1 1 1 1 2, mean 1.2, Σd² = 4(.04) + .64 = .8, var 0.2.
        # alpha = 2 · (1 − 0.6/0.2) = −4 → CIC −400, error ratio 100√5,
        # standard error = √5 · √0.2 = 1.
        pytest.param(
            [{1: 1, 2: 0}, {1: 0, 2: 1}, {1: 1, 2: 0}, {1: 0, 2: 1}, {1: 1, 2: 1}],
            -400.0,
            100 * math.sqrt(5),
            1.0,
            id="opposed",
        ),
    ],
)
def test_cic_matches_hand_computed_alpha(marks, cic, error_ratio, standard_error):
    stats = analyse(marks, dict.fromkeys(marks[0], 1))
    assert stats.cic == close(cic)
    assert stats.error_ratio == close(error_ratio)
    assert stats.standard_error == close(standard_error)


@pytest.mark.parametrize(
    "column",
    [(1, 0, 1, 0, 0), (1, 1, 0, 0, 0, 0, 1), (0.1, 0.7, 0.3), (0.5, 1, 0.25, 0.5)],
)
@pytest.mark.parametrize("count", [2, 3, 5])
def test_identical_items_give_cic_exactly_100(column, count):
    marks = [dict.fromkeys(range(count), value) for value in column]
    stats = analyse(marks, dict.fromkeys(range(count), 1))
    assert (stats.cic, stats.error_ratio, stats.standard_error) == (100.0, 0.0, 0.0)


def test_cic_is_none_when_every_total_is_the_same():
    # x₁ = 1 0, x₂ = 0 1: both vary, but X = 1 1 has no variance to explain.
    stats = analyse([{1: 1, 2: 0}, {1: 0, 2: 1}], {1: 1, 2: 1})
    assert stats.enough is True
    assert stats.sd == 0.0
    assert (stats.cic, stats.error_ratio, stats.standard_error) == (None, None, None)


def test_a_single_question_quiz_has_no_cic_and_no_discrimination():
    stats = analyse([{1: 1}, {1: 0}, {1: 1}], {1: 1})
    assert stats.cic is None
    # X₋₁ is 0 in every attempt: nothing to correlate with.
    assert item(stats, 1).discrimination_index is None
    assert item(stats, 1).discriminative_efficiency is None
    assert item(stats, 1).facility == close(200 / 3)


@pytest.mark.parametrize("marks", [[], [{1: 1, 2: 0}]], ids=["no attempt", "one attempt"])
def test_fewer_than_two_attempts_are_not_enough(marks):
    stats = analyse(marks, {1: 1, 2: 1})
    assert stats.enough is False
    assert stats.attempts == len(marks)
    figures = (stats.mean, stats.median, stats.sd, stats.cic)
    assert figures + (stats.error_ratio, stats.standard_error) == (None,) * 6
    assert [entry.question_id for entry in stats.items] == [1, 2]
    for entry in stats.items:
        assert entry.attempts == len(marks)
        assert (entry.facility, entry.sd) == (None, None)
        assert (entry.discrimination_index, entry.discriminative_efficiency) == (None, None)
        assert entry.dubious is False


def test_two_attempts_are_enough():
    # x₁ = x₂ = 1 0: mean .5, var = 2(.25)/1 = .5, SD √.5 → 70.71 %; X₋₁ = x₂, so DI = 100.
    # X = 2 0: mean 1, median 1, var 2; alpha = 2 · (1 − 1/2) = 1.
    stats = analyse([{1: 1, 2: 1}, {1: 0, 2: 0}], {1: 1, 2: 1})
    assert stats.enough is True
    assert (stats.mean, stats.median) == (close(1.0), close(1.0))
    assert stats.sd == close(math.sqrt(2))
    assert stats.cic == close(100.0)
    first = item(stats, 1)
    assert first.facility == close(50.0)
    assert first.sd == close(100 * math.sqrt(0.5))
    assert first.discrimination_index == close(100.0)
    assert first.discriminative_efficiency == close(100.0)


@pytest.mark.parametrize(("mark", "facility"), [(1, 100.0), (0, 0.0)])
def test_an_item_everyone_scored_the_same_on_has_no_discrimination(mark, facility):
    marks = [{**attempt, 4: mark} for attempt in MAIN]
    stats = analyse(marks, {**ONE_MARK, 4: 1})
    constant = item(stats, 4)
    assert constant.facility == facility
    assert constant.sd == 0.0
    assert constant.discrimination_index is None
    assert constant.discriminative_efficiency is None
    assert constant.dubious is False
    # A constant item shifts X₋₁ by a constant: q1's figures do not move.
    assert item(stats, 1).discrimination_index == close(25 / math.sqrt(0.15))
    # It adds no variance but counts in p: alpha = 4/3 · (1 − 0.9/1.3) = 16/39.
    assert stats.cic == close(1600 / 39)


@pytest.mark.parametrize(
    ("marks", "max_marks"),
    [
        ([], ONE_MARK),
        ([{1: 1}], {1: 1}),
        ([{1: 1, 2: 1}, {1: 1, 2: 1}], {1: 1, 2: 1}),
        ([{1: 1, 2: 0}, {1: 0, 2: 1}], {1: 1, 2: 1}),
        ([{**attempt, 4: 1} for attempt in MAIN], {**ONE_MARK, 4: 1}),
        ([{**attempt, 4: 0} for attempt in MAIN], {**ONE_MARK, 4: 0}),
        ([{1: 1}, {2: 1}, {1: 0}], {1: 1, 2: 1, 3: 1}),
    ],
    ids=["none", "one", "all right", "constant totals", "easy item", "zero-mark item", "gaps"],
)
def test_no_statistic_is_ever_nan(marks, max_marks):
    assert not any(math.isnan(value) for value in float_fields(analyse(marks, max_marks)))


def test_an_item_the_weakest_students_get_right_is_dubious():
    # q4 = 0 0 0 1 1 on MAIN: X₋₄ = 3 2 2 1 0, mean 1.6, deviations 1.4 .4 .4 −.6 −1.6;
    # x mean .4, deviations −.4 −.4 −.4 .6 .6.
    # cov = (−.56 − .16 − .16 − .36 − .96)/4 = −2.2/4 = −0.55; var x 0.3, var X₋₄ 1.3;
    # DI = −55/√0.39 = −88.0705.
    # sorted X₋₄ 0 1 2 2 3 (dev −1.6 −.6 .4 .4 1.4) against sorted x (dev −.4 −.4 −.4 .6 .6):
    # cov_max = (.64 + .24 − .16 + .24 + .84)/4 = 0.45; DE = −55/0.45 = −1100/9.
    marks = [{**attempt, 4: mark} for attempt, mark in zip(MAIN, (0, 0, 0, 1, 1), strict=True)]
    reversed_item = item(analyse(marks, {**ONE_MARK, 4: 1}), 4)
    assert reversed_item.discrimination_index == close(-55 / math.sqrt(0.39))
    assert reversed_item.discriminative_efficiency == close(-1100 / 9)
    assert reversed_item.dubious is True


def test_partial_marks_and_a_question_worth_two():
    # q1 (out of 1) = 1 .5 .5 0; q2 (out of 2) = 1 2 0 0; X = 2 2.5 .5 0.
    # q1: mean .5 → facility 50; deviations .5 0 0 −.5, var = .5/3 = 1/6, SD √(1/6) → 40.82 %.
    # q2: mean .75 → facility 37.5 %; deviations .25 1.25 −.75 −.75,
    #     Σd² = .0625 + 1.5625 + .5625 + .5625 = 2.75, var 11/12, SD √(11/12)/2 → 47.87 %.
    # X₋₁ = q2 and X₋₂ = q1: cov = (.5·.25 + 0 + 0 + (−.5)(−.75))/3 = .5/3 = 1/6.
    # DI = 100 · (1/6)/√(1/6 · 11/12) = 100 √(2/11) = 42.64 for both.
    # sorted q1 (dev −.5 0 0 .5) with sorted q2 0 0 1 2 (dev −.75 −.75 .25 1.25):
    # cov_max = (.375 + .625)/3 = 1/3; DE = 100 · (1/6)/(1/3) = 50 for both.
    # X: mean 1.25, median (.5 + 2)/2 = 1.25; deviations .75 1.25 −.75 −1.25, Σd² 4.25,
    # var 17/12. alpha = 2 · (1 − (1/6 + 11/12)/(17/12)) = 2 · (1 − 13/17) = 8/17;
    # error ratio 100 √(9/17); standard error √(9/17) · √(17/12) = √(3/4).
    marks = [{1: 1, 2: 1}, {1: 0.5, 2: 2}, {1: 0.5, 2: 0}, {1: 0, 2: 0}]
    stats = analyse(marks, {1: 1, 2: 2})
    half, double = item(stats, 1), item(stats, 2)
    assert (half.facility, double.facility) == (close(50.0), close(37.5))
    assert half.sd == close(100 * math.sqrt(1 / 6))
    assert double.sd == close(100 * math.sqrt(11 / 12) / 2)
    for entry in (half, double):
        assert entry.discrimination_index == close(100 * math.sqrt(2 / 11))
        assert entry.discriminative_efficiency == close(50.0)
    assert (stats.mean, stats.median) == (close(1.25), close(1.25))
    assert stats.sd == close(math.sqrt(17 / 12))
    assert stats.cic == close(800 / 17)
    assert stats.error_ratio == close(100 * math.sqrt(9 / 17))
    assert stats.standard_error == close(math.sqrt(3 / 4))


def test_options_count_the_attempts_that_chose_each_text():
    choices = [
        {1: ["1999"], 2: ["Serbia", "Kosovo"], 3: ["right"]},
        {1: ["1999"], 2: ["Kosovo"], 3: ["right"]},
        {1: ["1998"], 2: ["Serbia", "Libya"], 3: ["wrong"]},
        {1: ["2002"], 2: [], 3: ["right"]},
        {1: [], 2: ["Kosovo", "Kosovo"]},  # a repeated text still counts once
    ]
    stats = analyse(MAIN, ONE_MARK, choices)
    assert item(stats, 1).options == {"1998": 1, "1999": 2, "2002": 1}
    assert item(stats, 2).options == {"Kosovo": 3, "Libya": 1, "Serbia": 2}
    assert list(item(stats, 2).options) == ["Kosovo", "Libya", "Serbia"]
    assert item(stats, 3).options == {"right": 3, "wrong": 1}


def test_options_are_empty_without_choices():
    assert all(entry.options == {} for entry in analyse(MAIN, ONE_MARK).items)


def test_items_missing_from_some_attempts_use_only_the_attempts_that_hold_them():
    # attempt  q1 q2 q3 q4 | X
    #   A       1  1  1  - | 3
    #   B       1  0  0  - | 1
    #   C       0  1  1  - | 2
    #   D       0  0  -  1 | 1
    # q3 over A B C: x = 1 0 1, mean 2/3 → facility 66.67; deviations 1/3 −2/3 1/3,
    #   var = (1/9 + 4/9 + 1/9)/2 = 1/3. X₋₃ = 2 1 1, mean 4/3, deviations 2/3 −1/3 −1/3,
    #   var 1/3. cov = (2/9 + 2/9 − 1/9)/2 = 1/6 → DI = 100 · (1/6)/(1/3) = 50.
    #   sorted x (dev −2/3 1/3 1/3) with sorted X₋₃ 1 1 2 (dev −1/3 −1/3 2/3):
    #   cov_max = (2/9 − 1/9 + 2/9)/2 = 1/6 → DE 100.
    # q4 is in one attempt only: no statistics.
    # Test: totals 3 1 2 1, mean 1.75, median 1.5, deviations 1.25 −.75 .25 −.75,
    #   var 2.75/3 = 11/12. Reliability uses q1 and q2 only (in every attempt): the 4×2
    #   uncorrelated table, CIC 0, error ratio 100, standard error = SD(q1 + q2) = √(2/3).
    marks = [{1: 1, 2: 1, 3: 1}, {1: 1, 2: 0, 3: 0}, {1: 0, 2: 1, 3: 1}, {1: 0, 2: 0, 4: 1}]
    stats = analyse(marks, {1: 1, 2: 1, 3: 1, 4: 1})
    drawn_thrice = item(stats, 3)
    assert drawn_thrice.attempts == 3
    assert drawn_thrice.facility == close(200 / 3)
    assert drawn_thrice.sd == close(100 / math.sqrt(3))
    assert drawn_thrice.discrimination_index == close(50.0)
    assert drawn_thrice.discriminative_efficiency == close(100.0)
    drawn_once = item(stats, 4)
    assert drawn_once.attempts == 1
    assert (drawn_once.facility, drawn_once.discrimination_index) == (None, None)
    assert (stats.mean, stats.median) == (close(1.75), close(1.5))
    assert stats.sd == close(math.sqrt(11 / 12))
    assert stats.cic == close(0.0)
    assert stats.error_ratio == close(100.0)
    assert stats.standard_error == close(math.sqrt(2 / 3))


def test_reliability_needs_two_questions_held_by_every_attempt():
    marks = [{1: 1, 2: 1}, {1: 0, 3: 1}, {1: 1, 2: 0}]
    stats = analyse(marks, {1: 1, 2: 1, 3: 1})
    assert stats.enough is True
    assert stats.mean == close(4 / 3)
    assert (stats.cic, stats.error_ratio, stats.standard_error) == (None, None, None)


def test_items_follow_the_order_of_max_marks():
    stats = analyse(MAIN, {3: 1, 1: 1, 2: 1})
    assert [entry.question_id for entry in stats.items] == [3, 1, 2]


def test_a_zero_mark_question_has_no_facility():
    stats = analyse([{1: 1, 2: 0}, {1: 0, 2: 0}], {1: 1, 2: 0})
    assert (item(stats, 2).facility, item(stats, 2).sd) == (None, None)


@pytest.mark.parametrize(
    ("marks", "max_marks", "choices", "message"),
    [
        ([{1: 1, 9: 1}], {1: 1}, None, r"marks\[0\]: question 9 is not in max_marks"),
        ([{1: 1}], {1: -1}, None, "max_marks: question 1 has negative marks"),
        ([{1: 1}, {1: 0}], {1: 1}, [{1: ["a"]}], "choices: 1 entries for 2 attempts"),
        ([{1: 1}], {1: 1}, [{7: ["a"]}], r"choices\[0\]: question 7 is not in max_marks"),
    ],
)
def test_inconsistent_input_is_refused(marks, max_marks, choices, message):
    with pytest.raises(ValueError, match=message):
        analyse(marks, max_marks, choices)


# Eight attempts for the upper and lower groups: 27 % of 8 = 2.16, so groups of 2.
#
#   attempt  q1 q2 q3 | X₋₁ = q2 + q3   X₋₃ = q1 + q2
#   A         1  1  1 |  2              2
#   B         0  1  1 |  2              1
#   C         1  1  0 |  1              2
#   D         0  0  1 |  1              0
#   E         1  1  0 |  1              2
#   F         0  0  1 |  1              0
#   G         0  0  0 |  0              0
#   H         0  0  0 |  0              0
#
# q1 by X₋₁: upper A B (2, 2); lower G H (0, 0).
# q3 by X₋₃: the 2s are A C E, so upper A C (ties go to the earlier attempt);
#            the 0s are D F G H, so lower D F.
EIGHT = [
    {1: 1, 2: 1, 3: 1},
    {1: 0, 2: 1, 3: 1},
    {1: 1, 2: 1, 3: 0},
    {1: 0, 2: 0, 3: 1},
    {1: 1, 2: 1, 3: 0},
    {1: 0, 2: 0, 3: 1},
    {1: 0, 2: 0, 3: 0},
    {1: 0, 2: 0, 3: 0},
]
RIGHT, PARIS, LYON = Choice("Right", right=True), Choice("Paris"), Choice("Lyon")


def pair(left: int, text: str, right: bool) -> Choice:
    return Choice(text, right, left, ("Kosovo", "Libya")[left - 1])


K99, K11 = pair(1, "1999", True), pair(1, "2011", False)
L11, L99, L_BLANK = pair(2, "2011", True), pair(2, "1999", False), pair(2, NO_ANSWER, False)
EIGHT_CHOICES = [
    {1: [RIGHT], 3: [K99, L11]},  # A
    {1: [PARIS], 3: [K99, L11]},  # B
    {1: [RIGHT], 3: [K11, L99]},  # C
    {1: [PARIS], 3: [K99, L11]},  # D
    {1: [RIGHT], 3: [K99, L_BLANK]},  # E
    {1: [LYON], 3: [K99, L11]},  # F
    {1: [LYON], 3: [K11, L99]},  # G
    {1: [LYON], 3: [Choice(NO_ANSWER)]},  # H: a matching left wholly blank
]


def counts(entry: ItemStats) -> list[tuple]:
    return [
        (o.choice.part, o.choice.text, o.count, o.upper, o.lower, o.flagged)
        for o in entry.responses
    ]


def test_a_distractor_the_upper_group_chooses_more_than_the_lower_is_flagged():
    # q1: Right A C E (3; upper A; lower none). Paris B D (2; upper B; lower none): wrong and
    # chosen more by the upper group → flagged. Lyon F G H (3; upper none; lower G H).
    # Most frequent first, ties by text: Lyon 3, Right 3, Paris 2.
    q1 = item(analyse(EIGHT, ONE_MARK, EIGHT_CHOICES), 1)
    assert q1.group_size == 2
    assert counts(q1) == [
        (0, "Lyon", 3, 0, 2, False),
        (0, "Right", 3, 1, 0, False),
        (0, "Paris", 2, 1, 0, True),
    ]
    assert q1.options == {"Lyon": 3, "Paris": 2, "Right": 3}


def test_each_pair_of_a_matching_question_has_its_own_counts_and_flags():
    # q3, upper A C, lower D F.
    # whole question: H left it blank (1; in neither group).
    # Kosovo: 1999 (right) A B D E F = 5, upper A = 1, lower D F = 2;
    #         2011 C G = 2, upper C = 1, lower 0 → flagged.
    # Libya:  2011 (right) A B D F = 4, upper A = 1, lower D F = 2;
    #         1999 C G = 2, upper C = 1, lower 0 → flagged; blank E = 1, not a distractor.
    q3 = item(analyse(EIGHT, ONE_MARK, EIGHT_CHOICES), 3)
    assert counts(q3) == [
        (0, NO_ANSWER, 1, 0, 0, False),
        (1, "1999", 5, 1, 2, False),
        (1, "2011", 2, 1, 0, True),
        (2, "2011", 4, 1, 2, False),
        (2, "1999", 2, 1, 0, True),
        (2, NO_ANSWER, 1, 0, 0, False),
    ]
    assert [o.choice.part_label for o in q3.responses] == ["", *["Kosovo"] * 2, *["Libya"] * 3]
    assert q3.options == {NO_ANSWER: 1}


def test_groups_break_ties_at_the_cut_by_attempt_order_and_never_overlap():
    # Four attempts: 27 % of 4 = 1.08 → groups of 1.
    # q1 = 1 0 1 0, X₋₁ = q2 = 1 1 0 0: attempts 0 and 1 tie for the top, the earlier (0)
    # is the upper group; 2 and 3 tie for the bottom, the earlier (2) is the lower group.
    marks = [{1: 1, 2: 1}, {1: 0, 2: 1}, {1: 1, 2: 0}, {1: 0, 2: 0}]
    choices = [{1: [RIGHT]}, {1: [PARIS]}, {1: [RIGHT]}, {1: [LYON]}]
    q1 = item(analyse(marks, {1: 1, 2: 1}, choices), 1)
    assert q1.group_size == 1
    assert counts(q1) == [
        (0, "Right", 2, 1, 1, False),
        (0, "Lyon", 1, 0, 0, False),
        (0, "Paris", 1, 0, 0, False),
    ]


@pytest.mark.parametrize(("attempts", "size"), [(1, 0), (2, 1), (5, 1), (6, 2), (25, 7)])
def test_each_group_is_27_percent_of_the_attempts_rounded(attempts, size):
    # 0.27 × 2 = 0.54 → 1; × 5 = 1.35 → 1; × 6 = 1.62 → 2; × 25 = 6.75 → 7; one: none.
    marks = [{1: n % 2, 2: n % 3} for n in range(attempts)]
    assert item(analyse(marks, {1: 1, 2: 1}), 1).group_size == size


def test_weights_skewness_kurtosis_and_mean_percent_match_the_hand_computed_values():
    # MAIN: X = 3 2 2 1 0, mean 1.6, deviations 1.4 .4 .4 −.6 −1.6.
    # Intended weight: each question is 1 mark of 3 → 100/3.
    # Covariance with X (divide by 4):
    #   q1 dev .4 .4 .4 −.6 −.6: (.56 + .16 + .16 + .36 + .96)/4 = 2.2/4 = .55
    #   q2 dev .4 .4 −.6 .4 −.6: (.56 + .16 − .24 − .24 + .96)/4 = 1.2/4 = .3
    #   q3 dev .6 −.4 .6 −.4 −.4: (.84 − .16 + .24 + .24 + .64)/4 = 1.8/4 = .45
    #   (sum 1.3 = var X, as it must). Effective weight = 100 √covᵢ / (√.55 + √.3 + √.45).
    # Shape (s = 5): Σd² = 5.2, Σd³ = 2.744 + .064 + .064 − .216 − 4.096 = −1.44,
    #   Σd⁴ = 3.8416 + .0256 + .0256 + .1296 + 6.5536 = 10.576;
    #   m2 = 1.04, m3 = −.288, m4 = 2.1152; k2 = 5 · 1.04/4 = 1.3;
    #   k3 = 25 · (−.288)/(4 · 3) = −.6 → skewness = −.6/1.3^1.5;
    #   k4 = 25 · (6 · 2.1152 − 3 · 4 · 1.04²)/(4 · 3 · 2) = 25 · (−.288)/24 = −.3
    #   → kurtosis = −.3/1.3² = −30/169.
    # Mean percent: 1.6 of 3 marks = 160/3.
    stats = analyse(MAIN, ONE_MARK)
    roots = math.sqrt(0.55) + math.sqrt(0.3) + math.sqrt(0.45)
    for qid, cov in ((1, 0.55), (2, 0.3), (3, 0.45)):
        assert item(stats, qid).intended_weight == close(100 / 3)
        assert item(stats, qid).effective_weight == close(100 * math.sqrt(cov) / roots)
    assert stats.skewness == close(-0.6 / 1.3**1.5)
    assert stats.kurtosis == close(-30 / 169)
    assert stats.mean_percent == close(160 / 3)


def test_an_item_against_the_total_has_no_effective_weight():
    # q4 = 0 0 0 1 1 on MAIN: X = 3 2 2 2 1, mean 2, deviations 1 0 0 0 −1;
    # q4 deviations −.4 −.4 −.4 .6 .6 → cov = (−.4 − .6)/4 = −.25 < 0: no weight, and
    # it is left out of the others' denominator.
    # q1 against X: deviations .4 .4 .4 −.6 −.6 → (.4 + .6)/4 = .25;
    # q2 deviations .4 .4 −.6 .4 −.6 → (.4 + .6)/4 = .25; q3 .6 −.4 .6 −.4 −.4 → (.6 + .4)/4
    # = .25 (X's zero deviations drop every middle term).
    # So each of q1..q3 weighs 100 · .5/(3 · .5) = 100/3.
    marks = [{**attempt, 4: mark} for attempt, mark in zip(MAIN, (0, 0, 0, 1, 1), strict=True)]
    stats = analyse(marks, {**ONE_MARK, 4: 1})
    assert item(stats, 4).effective_weight is None
    for qid in (1, 2, 3):
        assert item(stats, qid).effective_weight == close(100 / 3)
    assert item(stats, 4).intended_weight == close(25.0)


def test_intended_weight_follows_each_questions_marks():
    # q1 out of 1, q2 out of 2: 1/3 and 2/3 of the 3 marks.
    stats = analyse([{1: 1, 2: 1}, {1: 0.5, 2: 2}], {1: 1, 2: 2})
    assert item(stats, 1).intended_weight == close(100 / 3)
    assert item(stats, 2).intended_weight == close(200 / 3)


@pytest.mark.parametrize(
    ("marks", "skewness", "kurtosis"),
    [
        ([{1: 1, 2: 1}, {1: 0, 2: 0}], None, None),  # two attempts: neither
        # Three, X = 2 1 0: symmetric, skewness 0; kurtosis needs four.
        ([{1: 1, 2: 1}, {1: 1, 2: 0}, {1: 0, 2: 0}], 0.0, None),
        ([{1: 1, 2: 0}, {1: 0, 2: 1}, {1: 1, 2: 0}, {1: 0, 2: 1}], None, None),  # constant X
    ],
    ids=["two attempts", "three attempts", "constant totals"],
)
def test_skewness_needs_three_attempts_and_kurtosis_four(marks, skewness, kurtosis):
    stats = analyse(marks, {1: 1, 2: 1})
    assert stats.skewness == (None if skewness is None else close(skewness))
    assert stats.kurtosis == kurtosis


def test_an_item_no_better_than_a_random_guess_is_flagged():
    # Facilities on MAIN: q1 60, q2 60, q3 40. Guesses: q1 1/3 (33.3 < 60), q2 0.6 (60 ≤ 60:
    # flagged), q3 none known.
    stats = analyse(MAIN, ONE_MARK, guess_scores={1: 1 / 3, 2: 0.6, 3: None})
    assert item(stats, 1).random_guess_score == close(100 / 3)
    assert [item(stats, q).below_guess for q in (1, 2, 3)] == [False, True, False]
    assert item(stats, 3).random_guess_score is None
