"""A student's study settings: scheduling, daily limits, and parameters fitted to them."""

from datetime import date

from sqlalchemy import select

from quiz.core.optimizer import Optimization, ReviewEvent, optimize
from quiz.core.queue import Limits
from quiz.core.scheduling import Settings, study_day
from quiz.db import db, write_transaction
from quiz.models import ReviewLog, User
from quiz.services.study.errors import StudyError


def settings_for(user: User) -> Settings:
    """Return the scheduling settings of a user."""
    parameters = tuple(user.fsrs_parameters) if user.fsrs_parameters else Settings().parameters
    return Settings(
        desired_retention=user.desired_retention, parameters=parameters, timezone=user.timezone
    )


def limits_for(user: User) -> Limits:
    """Return the daily limits of a user."""
    return Limits(new_per_day=user.new_per_day, reviews_per_day=user.reviews_per_day)


def save_settings(user: User, **values) -> None:
    """Save a user's study settings after checking them with the core's own validation.

    Raises:
        StudyError: a value outside its range (422).
    """
    try:
        Settings(desired_retention=values["desired_retention"], timezone=values["timezone"])
        Limits(values["new_per_day"], values["reviews_per_day"])
    except ValueError as error:
        raise StudyError(str(error)) from None
    if values["leech_action"] not in ("tag", "suspend"):
        raise StudyError("leech_action: use tag or suspend.")
    with write_transaction():
        for name, value in values.items():
            setattr(user, name, value)


def optimize_user(user: User) -> Optimization:
    """Fit FSRS parameters to the earlier part of the user's history (in study days) and keep
    them only if they predict the latest reviews better (see `quiz.core.optimizer`)."""
    settings = settings_for(user)
    epoch = date(2000, 1, 1)
    rows = db.session.execute(
        select(ReviewLog.question_id, ReviewLog.rating, ReviewLog.reviewed_at)
        .where(ReviewLog.user_id == user.id)
        .order_by(ReviewLog.reviewed_at, ReviewLog.id)
    ).all()
    events = [
        ReviewEvent(card=q, rating=r, day=(study_day(at, settings) - epoch).days)
        for q, r, at in rows
    ]
    result = optimize(events, tuple(user.fsrs_parameters) if user.fsrs_parameters else None)
    if result.changed:
        with write_transaction():
            user.fsrs_parameters = list(result.parameters)
    return result
