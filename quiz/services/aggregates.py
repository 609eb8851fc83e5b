"""SQL for what `quiz.core` computes row by row, so pages add up histories in the database.

Each expression gives, on SQLite and PostgreSQL alike, the very number the core's
Python gives for one row: the UTC start of a study day (`day_start`), a card's
predicted recall (`retrievability`: the FSRS-6 forgetting curve over the
study days elapsed) and a quiz answer's weight (`answer_weight`). The tests compare
them with the Python on random rows. SQLite needs its math functions (pow(),
there by default since 3.35; Debian's library has them).
"""

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import BigInteger, Float, bindparam, case, cast, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from quiz.core.mastery import HALF_LIFE_DAYS, MIN_ANSWER_WEIGHT
from quiz.core.scheduling import (
    Settings,
    day_start,
    forgetting_curve,
    rollover_offsets,
    study_day,
)
from quiz.db import UTCDateTime
from quiz.models import CardState

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DAY_US = 86_400_000_000
DAY_MS = 86_400_000
JULIAN_EPOCH_MS = 210_866_760_000_000  # 1970-01-01 is Julian day 2440587.5
USUAL_CURVE = forgetting_curve(Settings())  # without fitted parameters


class epoch_us(FunctionElement):  # noqa: N801 - SQL functions are lower case
    """The microseconds since 1970 of a stored UTC datetime, as an integer."""

    type = BigInteger()
    name = "epoch_us"
    inherit_cache = True


@compiles(epoch_us, "sqlite")
def _epoch_us_sqlite(element, compiler, **kw) -> str:
    # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff'. julianday() keeps milliseconds only, so take
    # the whole seconds from it (rounded back to an integer) and the microseconds as written.
    moment = compiler.process(element.clauses, **kw)
    seconds = f"CAST(round((julianday(substr({moment}, 1, 19)) - 2440587.5) * 86400) AS INTEGER)"
    return f"({seconds} * 1000000 + CAST(substr({moment}, 21, 6) AS INTEGER))"


@compiles(epoch_us, "postgresql")
def _epoch_us_postgresql(element, compiler, **kw) -> str:
    # extract() gives an exact numeric since PostgreSQL 14.
    return (
        f"CAST(extract(epoch FROM {compiler.process(element.clauses, **kw)}) * 1000000 AS BIGINT)"
    )


class utc_from_epoch(FunctionElement):  # noqa: N801
    """The UTC moment a whole number of seconds after 1970, comparable with stored datetimes."""

    type = UTCDateTime()
    name = "utc_from_epoch"
    inherit_cache = True


@compiles(utc_from_epoch, "sqlite")
def _from_epoch_sqlite(element, compiler, **kw) -> str:
    # 'YYYY-MM-DD HH:MM:SS' sorts before any stored 'YYYY-MM-DD HH:MM:SS.ffffff' of that
    # second and after every earlier one, so >= and < compare as the datetimes do.
    return f"datetime({compiler.process(element.clauses, **kw)}, 'unixepoch')"


@compiles(utc_from_epoch, "postgresql")
def _from_epoch_postgresql(element, compiler, **kw) -> str:
    return f"to_timestamp({compiler.process(element.clauses, **kw)})"


class greatest(FunctionElement):  # noqa: N801
    """The larger of two integers (max() on SQLite, greatest() on PostgreSQL)."""

    type = BigInteger()
    name = "greatest"
    inherit_cache = True


class greatest_float(FunctionElement):  # noqa: N801
    """The larger of two floats (max() on SQLite, greatest() on PostgreSQL)."""

    type = Float()
    name = "greatest_float"
    inherit_cache = True


@compiles(greatest, "sqlite")
@compiles(greatest_float, "sqlite")
def _greatest_sqlite(element, compiler, **kw) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "postgresql")
@compiles(greatest_float, "postgresql")
def _greatest_postgresql(element, compiler, **kw) -> str:
    return f"greatest({compiler.process(element.clauses, **kw)})"


class whole_days_since(FunctionElement):  # noqa: N801
    """Whole days from a stored UTC datetime to now, floored, never below 0: what
    py-fsrs counts as a card's elapsed days. Arguments: the column, then now as
    `now_values` gives it: a datetime, microseconds since 1970, milliseconds since
    the start of the Julian period (SQLite's julianday() in milliseconds)."""

    type = BigInteger()
    name = "whole_days_since"
    inherit_cache = True


def julian_milliseconds(moment):
    """SQL (SQLite): a stored datetime as milliseconds of the Julian period, rounded to
    the nearest millisecond as julianday() reads it."""
    return cast(func.round(func.julianday(moment) * _int(DAY_MS)), BigInteger)


@compiles(whole_days_since, "sqlite")
def _whole_days_sqlite(element, compiler, **kw) -> str:
    moment, now, now_us, now_julian_ms = element.clauses
    # julianday() of the stored text is exact to the millisecond and several times cheaper
    # than cutting the text up. The difference it gives is within 1.5 ms of the true one,
    # so only one within 2 ms of whole days needs the microseconds.
    approx = now_julian_ms - julian_milliseconds(moment)
    days = case(
        (moment > now, _int(0)),
        ((approx % _int(DAY_MS)).between(_int(2), _int(DAY_MS - 2)), approx // _int(DAY_MS)),
        else_=(now_us - epoch_us(moment)) // _int(DAY_US),
    )
    return f"({compiler.process(days, **kw)})"


@compiles(whole_days_since, "postgresql")
def _whole_days_postgresql(element, compiler, **kw) -> str:
    moment, _now, now_us, _now_julian_ms = element.clauses
    days = greatest(now_us - epoch_us(moment), _int(0)) // _int(DAY_US)
    return f"({compiler.process(days, **kw)})"  # an integer division: keep it whole


def _int(value):
    return literal(value, BigInteger)


def _float(value):
    return literal(value, Float)


def epoch_microseconds(moment: datetime) -> int:
    """Return an aware moment as microseconds since 1970 (what `epoch_us` gives in SQL)."""
    return (moment - EPOCH) // timedelta(microseconds=1)


def study_days(runs: int):
    """Number study days in SQL, with the UTC bounds of each.

    The span is bound at execution with `study_day_values`: its first day, its
    length, and the `runs` offsets of `rollover_offsets`. Built once per number of
    runs, the statements around it can be built once too.

    Returns:
        (days, start, end): a CTE with one row per day, column `n` (0 for the first
        day), and SQL for the UTC moments day n starts and ends: `day_start` of that
        day and of the day after, exactly, in the student's time zone.
    """
    days = select(bindparam("day_0", type_=BigInteger).label("n")).cte("days", recursive=True)
    days = days.union_all(
        select(days.c.n + 1).where(days.c.n < bindparam("day_last", type_=BigInteger))
    )

    def start_of(n):
        offset = bindparam("offset_0", type_=BigInteger)
        if runs > 1:
            offset = case(
                *(
                    (
                        n < bindparam(f"run_{k + 1}", type_=BigInteger),
                        bindparam(f"offset_{k}", type_=BigInteger),
                    )
                    for k in range(runs - 1)
                ),
                else_=bindparam(f"offset_{runs - 1}", type_=BigInteger),
            )
        midnight = bindparam("midnight_0", type_=BigInteger)
        return utc_from_epoch(midnight + n * _int(86400) - offset)

    return days, start_of(days.c.n), start_of(days.c.n + 1)


def study_day_values(first: date, count: int, settings: Settings) -> tuple[int, dict]:
    """Return the number of runs and the values to bind to `study_days(runs)` for `count`
    study days from `first` (a day 0 at its rollover hour as if local time were UTC)."""
    runs = rollover_offsets(first, count + 1, settings)
    values = {
        "day_0": 0,
        "day_last": count - 1,
        "midnight_0": (first - date(1970, 1, 1)).days * 86400 + settings.rollover_hour * 3600,
    }
    for k, (start, offset) in enumerate(runs):
        values[f"offset_{k}"] = offset
        if k:
            values[f"run_{k}"] = start
    return len(runs), values


def now_values(now: datetime) -> dict:
    """Return the values of now to bind to `predicted_recall` and `answer_weight`."""
    micro = epoch_microseconds(now)
    return {"now": now, "now_us": micro, "now_julian_ms": micro // 1000 + JULIAN_EPOCH_MS}


def _now_us():
    return bindparam("now_us", type_=BigInteger)


def predicted_recall(own_curves: int = 0, own_days: int = 0):
    """SQL: a CardState's predicted recall now, as `retrievability` computes it.

    Bind `curve_values` and `day_values` to it.

    Args:
        own_curves: how many of the users read have a forgetting curve of their own
            (fitted parameters); the others share the default one.
        own_days: how many groups of users have a study day that ends at another
            moment than the usual one (see `day_values`).

    Returns:
        (1 + factor * t / stability) ** decay, t the study days since the last review;
        0 for a card without stability or last review.
    """

    def per_user(name: str, kind, count: int):
        usual = bindparam(name, type_=kind)
        if not count:
            return usual
        prefix = "curve" if name in ("decay", "factor") else "day"
        return case(
            *(
                (
                    CardState.user_id.in_(bindparam(f"{prefix}_users_{k}", expanding=True)),
                    bindparam(f"{name}_{k}", type_=kind),
                )
                for k in range(count)
            ),
            else_=usual,
        )

    # The study days between the last review and now are the whole days from it to the
    # end of the student's study day (its last microsecond): a review made on the day
    # before today's rollover is 1 day ago, one made after it 0.
    elapsed = whole_days_since(
        CardState.last_review,
        per_user("horizon", UTCDateTime, own_days),
        per_user("horizon_us", BigInteger, own_days),
        per_user("horizon_julian_ms", BigInteger, own_days),
    )
    recall = func.pow(
        _float(1.0) + per_user("factor", Float, own_curves) * elapsed / CardState.stability,
        per_user("decay", Float, own_curves),
    )
    return case(
        (or_(CardState.stability.is_(None), CardState.last_review.is_(None)), _float(0.0)),
        else_=recall,
    )


def day_values(settings: dict[int, Settings], now: datetime) -> tuple[int, dict]:
    """Return how many groups of users end their study day at another moment than the
    usual one, and the values to bind to `predicted_recall` for `now`.

    The usual end is the one most of `settings` share (users in one time zone share
    one); each other end gets its group of user ids. The end is the last microsecond
    before the next rollover, so in zones with daylight saving a review made within an
    hour of a rollover on the other side of a change of the clocks counts a day more
    or less than `retrievability` counts it.
    """
    ends: dict[datetime, list[int]] = defaultdict(list)
    for user_id, user_settings in sorted(settings.items()):
        start = day_start(study_day(now, user_settings), user_settings)
        ends[start + timedelta(days=1, microseconds=-1)].append(user_id)
    groups = sorted(ends.items(), key=lambda item: (-len(item[1]), item[0]))
    usual = groups[0][0] if groups else now
    values = _horizon(usual, "")
    for k, (end, user_ids) in enumerate(groups[1:]):
        values.update(_horizon(end, f"_{k}"), **{f"day_users_{k}": user_ids})
    return len(groups) - 1 if groups else 0, values


def _horizon(end: datetime, suffix: str) -> dict:
    micro = epoch_microseconds(end)
    return {
        f"horizon{suffix}": end,
        f"horizon_us{suffix}": micro,
        f"horizon_julian_ms{suffix}": micro // 1000 + JULIAN_EPOCH_MS,
    }


def curve_values(curves: dict[int, tuple[float, float]]) -> tuple[int, dict]:
    """Return how many forgetting curves other than the default one these users have,
    and the values to bind to `predicted_recall` for their (decay, factor) of
    `forgetting_curve` (a user left out has the default curve)."""
    decay, factor = USUAL_CURVE
    values = {"decay": decay, "factor": factor}
    own: dict[tuple[float, float], list[int]] = defaultdict(list)
    for user_id, curve in sorted(curves.items()):
        if curve != USUAL_CURVE:
            own[curve].append(user_id)
    for k, ((own_decay, own_factor), user_ids) in enumerate(sorted(own.items())):
        values.update(
            {f"curve_users_{k}": user_ids, f"decay_{k}": own_decay, f"factor_{k}": own_factor}
        )
    return len(own), values


def answer_weight(answered_at):
    """SQL: how much a quiz answer given at `answered_at` counts now (`mastery.answer_weight`);
    bind `now_values` to it."""
    age_us = greatest(_now_us() - epoch_us(answered_at), _int(0))
    age_days = cast(age_us, Float) / _float(1_000_000.0) / _float(86_400.0)
    weight = func.pow(_float(0.5), age_days / _float(HALF_LIFE_DAYS))
    return greatest_float(weight, _float(MIN_ANSWER_WEIGHT))


def clamped(points):
    """SQL: points as the mastery counts them: none as 0, and within 0–1."""
    value = func.coalesce(points, _float(0.0))
    return case((value < 0, _float(0.0)), (value > 1, _float(1.0)), else_=value)
