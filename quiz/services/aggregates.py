"""SQL for what `quiz.core` computes row by row, so pages add up histories in the database.

Each expression gives, on SQLite and PostgreSQL alike, the very number the core's
Python gives for one row: the UTC start of a study day (`day_start`), a card's
predicted recall (`retrievability`: the FSRS-6 forgetting curve over whole
elapsed days) and a quiz answer's weight (`answer_weight`). The tests compare
them with the Python on random rows. SQLite needs its math functions (pow),
built in since 3.35 and in every CPython build of it.
"""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import BigInteger, Float, case, cast, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from quiz.core.mastery import HALF_LIFE_DAYS, MIN_ANSWER_WEIGHT
from quiz.core.scheduling import Settings, forgetting_curve, rollover_offsets
from quiz.db import UTCDateTime
from quiz.models import CardState

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DAY_US = 86_400_000_000


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


def _int(value: int):
    return literal(value, BigInteger)


def _float(value: float):
    return literal(value, Float)


def epoch_microseconds(moment: datetime) -> int:
    """Return an aware moment as microseconds since 1970 (what `epoch_us` gives in SQL)."""
    return (moment - EPOCH) // timedelta(microseconds=1)


def study_days(first: date, count: int, settings: Settings):
    """Number `count` study days from `first` in SQL, with the UTC bounds of each.

    Returns:
        (days, start, end): a CTE with one row per day, column `n` (0 for `first`),
        and SQL for the UTC moments day n starts and ends: `day_start` of
        `first` + n and of the day after, exactly, in the student's time zone.
    """
    days = select(_int(0).label("n")).cte("days", recursive=True)
    days = days.union_all(select(days.c.n + 1).where(days.c.n < count - 1))
    runs = rollover_offsets(first, count + 1, settings)
    midnight = (first - date(1970, 1, 1)).days * 86400 + settings.rollover_hour * 3600

    def start_of(n):
        offset = _int(runs[0][1])
        if len(runs) > 1:
            offset = case(
                *(
                    (n < _int(later), _int(o))
                    for (_, o), (later, _) in zip(runs, runs[1:], strict=False)
                ),
                else_=_int(runs[-1][1]),
            )
        return utc_from_epoch(_int(midnight) + n * _int(86400) - offset)

    return days, start_of(days.c.n), start_of(days.c.n + 1)


def predicted_recall(curves: dict[int, tuple[float, float]], now: datetime):
    """SQL: a CardState's predicted recall now, as `retrievability` computes it.

    Args:
        curves: (decay, factor) of `forgetting_curve` for each user whose card states
            are read.
        now: the moment of the prediction.

    Returns:
        (1 + factor * t / stability) ** decay, t the whole days since the last review
        (never below 0); 0 for a card without stability or last review.
    """
    usual = forgetting_curve(Settings())
    others = {user_id: curve for user_id, curve in curves.items() if curve != usual}

    def per_user(index: int):
        if not others:
            return _float(usual[index])
        return case(
            {user_id: _float(curve[index]) for user_id, curve in others.items()},
            value=CardState.user_id,
            else_=_float(usual[index]),
        )

    since = _int(epoch_microseconds(now)) - epoch_us(CardState.last_review)
    elapsed = case((since < 0, _int(0)), else_=since // _int(DAY_US))
    recall = func.pow(_float(1.0) + per_user(1) * elapsed / CardState.stability, per_user(0))
    return case(
        (or_(CardState.stability.is_(None), CardState.last_review.is_(None)), _float(0.0)),
        else_=recall,
    )


def answer_weight(answered_at, now: datetime):
    """SQL: how much a quiz answer given at `answered_at` counts now (`mastery.answer_weight`)."""
    age_us = _int(epoch_microseconds(now)) - epoch_us(answered_at)
    age_days = cast(age_us, Float) / _float(1_000_000.0) / _float(86_400.0)
    weight = func.pow(_float(0.5), age_days / _float(HALF_LIFE_DAYS))
    return case(
        (age_us <= 0, _float(1.0)),
        (weight < MIN_ANSWER_WEIGHT, _float(MIN_ANSWER_WEIGHT)),
        else_=weight,
    )


def clamped(points):
    """SQL: points as the mastery counts them: none as 0, and within 0–1."""
    value = func.coalesce(points, _float(0.0))
    return case((value < 0, _float(0.0)), (value > 1, _float(1.0)), else_=value)
