from datetime import UTC, datetime, timedelta

import pytest

from quiz.core.assignments import (
    Sitting,
    answers_visible,
    can_start,
    deadline,
    final_grade,
    grade_text,
    status,
    window,
)

T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SITTINGS = [
    Sitting(1, True, 40.0),
    Sitting(2, True, 90.0),
    Sitting(3, True, 70.0),
    Sitting(4, False, None),
]


@pytest.mark.parametrize(
    ("method", "grade"), [("highest", 90.0), ("average", 200 / 3), ("first", 40.0), ("last", 70.0)]
)
def test_grading_methods_follow_moodle(method, grade):
    assert final_grade(method, SITTINGS) == pytest.approx(grade)


def test_no_finished_attempt_has_no_grade_and_unknown_methods_are_refused():
    assert final_grade("highest", [Sitting(1, False, None)]) is None
    with pytest.raises(ValueError, match="grading method must be one of"):
        final_grade("median", SITTINGS)


@pytest.mark.parametrize(
    ("sittings", "now", "expected"),
    [
        ([], T, "not started"),
        ([], T + timedelta(days=2), "missing"),
        ([Sitting(1, False, None)], T + timedelta(days=2), "in progress"),
        ([Sitting(1, True, 50.0, late=True)], T, "late"),
        ([Sitting(1, True, 50.0, late=True), Sitting(2, True, 60.0)], T, "submitted"),
    ],
)
def test_status(sittings, now, expected):
    assert status(sittings, T + timedelta(days=1), now) == expected


def test_accommodations_add_time_and_attempts_and_may_move_the_due_date():
    own_due = T + timedelta(days=3)
    win = window(
        None,
        T + timedelta(days=1),
        1200,
        1,
        "closed",
        extra_minutes=10,
        time_factor=1.5,
        own_due_at=own_due,
        extra_attempts=2,
    )
    assert win.time_limit == timedelta(minutes=40)
    assert (win.due_at, win.attempts_allowed) == (own_due, 3)
    assert deadline(win, T) == T + timedelta(minutes=40)
    assert deadline(win, own_due - timedelta(minutes=5)) == own_due  # closed at the due date


def test_accepted_late_work_keeps_the_full_time_limit():
    win = window(None, T, 600, None, "accept")
    assert deadline(win, T + timedelta(hours=1)) == T + timedelta(hours=1, minutes=10)
    assert can_start(win, 50, T + timedelta(days=9)) is None  # unlimited attempts, late accepted


@pytest.mark.parametrize(
    ("review", "now", "visible"),
    [
        ("immediately", T, True),
        ("after_due", T, False),
        ("after_due", T + timedelta(days=1), True),
        ("never", T + timedelta(days=9), False),
    ],
)
def test_when_answers_are_shown(review, now, visible):
    assert answers_visible(review, T + timedelta(hours=1), now) is visible


@pytest.mark.parametrize(
    ("percent", "text"),
    [
        # 62.25 is exact in binary: "%.1f" rounds the half to even, "62.2"; by hand, 62.3.
        (62.25, "62.3"),
        # 1.15 is stored as 1.149999…: "%.1f" gives "1.1"; the 1.15 that was meant gives 1.2.
        (1.15, "1.2"),
        (6.25, "6.3"),
        (200 / 3, "66.7"),
        (100.0, "100.0"),
        (0.0, "0.0"),
        (None, ""),
    ],
)
def test_grades_are_written_to_one_decimal_with_halves_rounded_up(percent, text):
    assert grade_text(percent) == text
