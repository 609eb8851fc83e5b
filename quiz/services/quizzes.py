"""Quiz attempts: start, save answers, check, finish exactly once, close overdue, review.

The server's clock decides: an answer after the deadline plus the grace period
is refused and the attempt is closed with what was saved. Every write is one
transaction; a save names the sequence it was made from, so a stale page or a
double submit is refused (409) and never applied twice.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import JSON, and_, bindparam, case, func, insert, select, update

from quiz import metrics
from quiz.core import assignments as assignment_rules
from quiz.core.grading import Grade, ResponseError, grade, is_blank
from quiz.core.quizbuild import Candidate, NotEnoughQuestions, Rules, layout, pick
from quiz.core.scheduling import Phase
from quiz.db import db, utcnow, write_transaction
from quiz.models import Answer, Attempt, CardState, Override, Question, Quiz, Source, Topic, User
from quiz.services import bank_cache
from quiz.services.bank_cache import CachedQuestion
from quiz.services.study.decks import open_assignment_questions

GRACE = timedelta(seconds=60)


class QuizError(Exception):
    """A quiz action that cannot be done; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 422, field: str | None = None):
        super().__init__(message)
        self.status = status
        self.field = field


@dataclass(frozen=True)
class Settings:
    """How a practice quiz runs."""

    feedback: str = "deferred"  # or "immediate": check each answer as you go
    time_limit_min: int | None = None
    shuffle: bool = True

    def __post_init__(self) -> None:
        if self.feedback not in ("immediate", "deferred"):
            raise QuizError("feedback: choose immediate or deferred.", field="feedback")
        if self.time_limit_min is not None and not 1 <= self.time_limit_min <= 300:
            raise QuizError("time_limit: use 1 to 300 minutes, or none.", field="time_limit")


def bank_questions(
    session, source_id: int, user_id: int | None = None
) -> dict[int, CachedQuestion]:
    """Return a source's active bank questions by id, from this process's copy of the bank
    (`bank_cache`): a draw reads one small statement, not every question of the source.

    With `user_id`, what that user may be asked now: not the questions of their open
    assignment attempts (`open_assignment_questions`: a practice quiz would show their
    answers).
    """
    snap = bank_cache.current(session)
    hidden = set(session.scalars(open_assignment_questions(user_id))) if user_id else set()
    return {
        q.id: q
        for q in snap.questions.values()
        if q.source_id == source_id and not q.archived and q.id not in hidden
    }


def pool_of(questions: dict[int, CachedQuestion]) -> list[Candidate]:
    """Describe questions for drawing a quiz from them."""
    return [
        Candidate(q.id, q.fact, q.topic_slug, q.kind, q.type, q.difficulty)
        for q in questions.values()
    ]


def start_practice(
    user: User,
    source_slug: str,
    rules: Rules,
    settings: Settings,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> Attempt:
    """Build a practice quiz from the rules and start its attempt, in one transaction.

    Raises:
        QuizError: unknown source (404) or not enough questions (422).
    """
    now = now or utcnow()
    rng = rng or random.SystemRandom()
    with write_transaction() as session:
        source = session.scalars(
            select(Source).where(Source.slug == source_slug, Source.archived.is_(False))
        ).one_or_none()
        if source is None:
            raise QuizError("There is no such source.", 404, "source")
        questions = bank_questions(session, source.id, user.id)
        try:
            chosen = pick(pool_of(questions), rules, rng)
        except NotEnoughQuestions as error:
            raise QuizError(str(error), 422, "count") from None
        quiz = Quiz(
            owner_id=user.id,
            source_id=source.id,
            kind="practice",
            title=f"Practice: {source.title}",
            rules=rules.to_dict(),
            time_limit_s=settings.time_limit_min * 60 if settings.time_limit_min else None,
            feedback=settings.feedback,
            shuffle=settings.shuffle,
        )
        session.add(quiz)
        session.flush()
        attempt = _new_attempt(session, quiz, user, chosen, questions, now, rng)
    return attempt


def start_weak_quiz(
    user: User, source_slug: str, topic_slugs: list[str], now: datetime | None = None
) -> Attempt:
    """Start a short quiz (up to 10 questions, one per fact) on the first of the given topics.

    The topics come weakest first (then those not started): the quiz takes the fewest of
    them, in that order, that hold 10 facts, so a proven weakness is drilled before a
    topic merely not started.

    Raises:
        QuizError: fewer than 5 facts in all those topics together (422).
    """
    now = now or utcnow()
    facts = dict(
        db.session.execute(
            select(Topic.slug, func.count(func.distinct(Question.fact)))
            .join(Topic, Topic.id == Question.topic_id)
            .join(Source, Source.id == Question.source_id)
            .where(
                Source.slug == source_slug,
                Topic.slug.in_(topic_slugs),
                Question.origin == "bank",
                Question.archived.is_(False),
                Question.id.not_in(open_assignment_questions(user.id)),
            )
            .group_by(Topic.slug)
        ).all()
    )
    chosen, rows = [], 0
    for slug in topic_slugs:
        if rows >= 10:
            break
        if facts.get(slug):
            chosen.append(slug)
            rows += facts[slug]
    if rows < 5:
        raise QuizError("These topics hold too few questions for a quiz: study them as cards.")
    rules = Rules(topics=tuple(chosen), count=min(10, rows))
    return start_practice(user, source_slug, rules, Settings(feedback="immediate"), now=now)


def start_fixed(
    user: User,
    question_ids: list[int],
    settings: Settings,
    title: str = "Practice",
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> Attempt:
    """Start a practice attempt on a fixed list of bank questions of one source, in that order.

    Raises:
        QuizError: an unknown or archived question, or questions of several sources (422).
    """
    now = now or utcnow()
    rng = rng or random.SystemRandom()
    with write_transaction() as session:
        questions = {
            q.id: q
            for q in session.scalars(
                select(Question).where(
                    Question.id.in_(question_ids),
                    Question.archived.is_(False),
                    Question.origin == "bank",
                )
            )
        }
        if questions.keys() & set(session.scalars(open_assignment_questions(user.id))):
            raise QuizError(
                "Some of these questions are in the assignment you are taking: "
                "practise them once it is submitted.",
                409,
                "question_ids",
            )
        if len(questions) != len(set(question_ids)) or not question_ids:
            raise QuizError("Some of these questions do not exist.", 422, "question_ids")
        sources = {q.source_id for q in questions.values()}
        if len(sources) != 1:
            raise QuizError("A quiz takes questions from one source.", 422, "question_ids")
        quiz = Quiz(
            owner_id=user.id,
            source_id=sources.pop(),
            kind="practice",
            title=title,
            rules={},
            question_ids=list(question_ids),
            time_limit_s=settings.time_limit_min * 60 if settings.time_limit_min else None,
            feedback=settings.feedback,
            shuffle=settings.shuffle,
        )
        session.add(quiz)
        session.flush()
        attempt = _new_attempt(session, quiz, user, list(question_ids), questions, now, rng)
    return attempt


def _new_attempt(
    session, quiz: Quiz, user: User, chosen, questions, now, rng, window=None, number=1
) -> Attempt:
    if window is None:
        deadline, due_at = (
            (now + timedelta(seconds=quiz.time_limit_s) if quiz.time_limit_s else None),
            None,
        )
    else:
        deadline, due_at = assignment_rules.deadline(window, now), window.due_at
    attempt = Attempt(
        quiz=quiz,  # held, so that reading attempt.quiz later costs no statement
        user_id=user.id,
        number=number,
        started_at=now,
        deadline=deadline,
        due_at=due_at,
        state="in_progress",
        max_score=float(len(chosen)),
        question_order=chosen,
        layout={
            str(qid): layout(questions[qid].type, questions[qid].payload, rng, quiz.shuffle)
            for qid in chosen
        },
    )
    session.add(attempt)
    session.flush()
    metrics.ATTEMPTS_STARTED.labels(quiz.kind).inc()
    # One statement for every answer row (the ORM sends one INSERT per row to get ids back).
    session.execute(
        insert(Answer),
        [
            {"attempt_id": attempt.id, "question_id": qid, "topic_id": questions[qid].topic_id}
            for qid in chosen
        ],
    )
    return attempt


def is_overdue(attempt: Attempt, now: datetime) -> bool:
    """Tell whether an open attempt is past its deadline and the grace period."""
    return _overdue(attempt.state, attempt.deadline, now)


def get_attempt(user: User, attempt_id: int, now: datetime | None = None) -> Attempt:
    """Return the user's attempt, closing it first if its time ran out.

    Raises:
        QuizError: not the user's attempt, or no such attempt (404).
    """
    now = now or utcnow()
    attempt = db.session.scalars(
        select(Attempt).where(Attempt.id == attempt_id, Attempt.user_id == user.id)
    ).one_or_none()
    if attempt is None:
        raise QuizError("There is no such attempt.", 404)
    if is_overdue(attempt, now):
        attempt = finish(user, attempt_id, now, closed_by="deadline")
    return attempt


@dataclass(frozen=True)
class Saved:
    """What a save wrote: the answer's new sequence and time, and the response as stored."""

    question_id: int
    response: object
    flagged: bool
    sequence: int
    saved_at: datetime


_ATTEMPT = Attempt.__table__
_ANSWER = Answer.__table__
_QUESTION = Question.__table__
# A save's one read: the attempt (locked against a concurrent finish), the answer and what
# grading its response needs. Prebuilt: an autosave runs on every change of every answer.
_FOR_SAVE = (
    select(
        _ATTEMPT.c.state,
        _ATTEMPT.c.deadline,
        _ANSWER.c.id,
        _ANSWER.c.sequence,
        _ANSWER.c.checked,
        _ANSWER.c.flagged,
        _ANSWER.c.response,
        _ANSWER.c.saved_at,
        _QUESTION.c.type,
        _QUESTION.c.payload,
    )
    .select_from(
        _ATTEMPT.outerjoin(
            _ANSWER,
            and_(
                _ANSWER.c.attempt_id == _ATTEMPT.c.id,
                _ANSWER.c.question_id == bindparam("question_id"),
            ),
        ).outerjoin(_QUESTION, _QUESTION.c.id == _ANSWER.c.question_id)
    )
    .where(_ATTEMPT.c.id == bindparam("attempt_id"), _ATTEMPT.c.user_id == bindparam("user_id"))
    .with_for_update(of=_ATTEMPT)
)
_SAVE = (
    update(_ANSWER)
    .where(_ANSWER.c.id == bindparam("answer_id"))
    .values(
        response=bindparam("new_response", type_=_ANSWER.c.response.type),
        flagged=bindparam("new_flagged"),
        sequence=bindparam("new_sequence"),
        saved_at=bindparam("new_saved_at", type_=_ANSWER.c.saved_at.type),
    )
)


# An open attempt's question by its number: the attempt, the id at that place of its order,
# that answer and its question, in one prebuilt statement (the quiz page reads it per question).
_AT_NUMBER = _ATTEMPT.c.question_order[
    bindparam("index", type_=JSON.JSONIntIndexType())
].as_integer()
_QUESTION_AT = (
    select(
        _ATTEMPT.c.state,
        _ATTEMPT.c.deadline,
        _ATTEMPT.c.layout,
        _ANSWER.c.response,
        _ANSWER.c.sequence,
        _ANSWER.c.flagged,
        _ANSWER.c.checked,
        _ANSWER.c.points,
        _QUESTION.c.id,
        _QUESTION.c.type,
        _QUESTION.c.prompt,
        _QUESTION.c.payload,
        _QUESTION.c.card_back,
        _QUESTION.c.explanation,
    )
    .select_from(
        _ATTEMPT.outerjoin(
            _ANSWER,
            and_(_ANSWER.c.attempt_id == _ATTEMPT.c.id, _ANSWER.c.question_id == _AT_NUMBER),
        ).outerjoin(_QUESTION, _QUESTION.c.id == _ANSWER.c.question_id)
    )
    .where(_ATTEMPT.c.id == bindparam("attempt_id"), _ATTEMPT.c.user_id == bindparam("user_id"))
)
MAX_QUESTIONS = 10_000  # more than any attempt holds; larger numbers are no question


@dataclass(frozen=True)
class OpenQuestion:
    """One question of an open attempt as the quiz page asks for it, with its saved answer."""

    number: int
    question_id: int
    type: str
    prompt: str
    layout: object
    response: object
    sequence: int
    flagged: bool
    checked: bool
    points: float | None
    payload: dict
    card_back: str
    explanation: str


def open_question(user: User, attempt_id: int, number: int, now: datetime | None = None):
    """Return question `number` (from 1) of the user's open attempt, in one statement.

    Raises:
        QuizError: no such attempt or question (404); the attempt is finished, or
            its time ran out (it is closed first, with what was saved) (409).
    """
    now = now or utcnow()
    row = None
    if 1 <= number <= MAX_QUESTIONS:
        row = db.session.execute(
            _QUESTION_AT, {"attempt_id": attempt_id, "user_id": user.id, "index": number - 1}
        ).one_or_none()
    if row is None:  # no such attempt (or a number no attempt has: ask for the attempt)
        row = get_attempt(user, attempt_id, now)
        if row.state == "in_progress":
            raise QuizError("This attempt has no such question.", 404)
    if _overdue(row.state, row.deadline, now):
        finish(user, attempt_id, now, closed_by="deadline")
        raise QuizError("This attempt is finished: read its result instead.", 409)
    if row.state != "in_progress":
        raise QuizError("This attempt is finished: read its result instead.", 409)
    if row.id is None:
        raise QuizError("This attempt has no such question.", 404)
    return OpenQuestion(
        number,
        row.id,
        row.type,
        row.prompt,
        row.layout[str(row.id)],
        row.response,
        row.sequence,
        row.flagged,
        row.checked,
        row.points,
        row.payload,
        row.card_back,
        row.explanation,
    )


def _overdue(state: str, deadline: datetime | None, now: datetime) -> bool:
    return state == "in_progress" and deadline is not None and now > deadline + GRACE


def save_answer(
    user: User,
    attempt_id: int,
    question_id: int,
    response: object,
    sequence: int,
    flagged: bool | None = None,
    now: datetime | None = None,
) -> Saved:
    """Save one response (and the flag) if the page it came from is current.

    Two prebuilt statements in one write transaction: the attempt locked with the answer
    and its question, then the update.

    Args:
        response: in the grader's shape for the question type (None: blank).
        sequence: the answer's sequence number shown on the page.
        flagged: the new flag, or None to keep it.

    Returns:
        What was saved, the sequence one higher (a save sent again after its reply was
        lost: the answer as that save left it).

    Raises:
        QuizError: the attempt is closed or past its time (409), the page is
            stale (409), the response has the wrong shape (422), no such
            question in this attempt (404).
    """
    now = now or utcnow()
    with write_transaction() as session:
        connection = session.connection()
        row = connection.execute(
            _FOR_SAVE, {"attempt_id": attempt_id, "user_id": user.id, "question_id": question_id}
        ).one_or_none()
        if row is None:
            raise QuizError("There is no such attempt.", 404)
        if not _overdue(row.state, row.deadline, now):
            if row.state != "in_progress":
                raise QuizError("This attempt is finished: answers can no longer change.", 409)
            if row.id is None:
                raise QuizError("That question is not part of this attempt.", 404)
            if row.checked:
                raise QuizError("This answer was checked and can no longer change.", 409)
            response = _as_stored(row.type, row.payload, response)
            if row.sequence != sequence:
                if _replayed(row, sequence, response, flagged):
                    # The same save sent again after a lost reply: answered as it was saved.
                    return Saved(question_id, row.response, row.flagged, row.sequence, row.saved_at)
                raise QuizError(
                    "This page was out of date: your latest saved answer is shown now.", 409
                )
            saved = Saved(
                question_id,
                response,
                row.flagged if flagged is None else bool(flagged),
                row.sequence + 1,
                now,
            )
            connection.execute(
                _SAVE,
                {
                    "answer_id": row.id,
                    "new_response": saved.response,
                    "new_flagged": saved.flagged,
                    "new_sequence": saved.sequence,
                    "new_saved_at": now,
                },
            )
            _forget_answers(session)
            return saved
    # Outside the refused transaction: close the attempt with what was saved.
    finish(user, attempt_id, now, closed_by="deadline")
    raise QuizError(
        "Time is up: this answer came after the deadline and was not saved. "
        "The attempt was submitted with your saved answers.",
        409,
    )


def _as_stored(kind: str, payload: dict, response: object) -> object:
    """Return a response as it is stored (None when blank), or raise 422 if it cannot be."""
    if is_blank(kind, response):
        return None
    try:
        grade(kind, payload, response)
    except ResponseError as error:
        raise QuizError(str(error), 422, "response") from None
    if kind == "true_false" and isinstance(response, str):
        return response.strip().lower() == "true"  # stored as graded
    return response.strip() if isinstance(response, str) else response


def _replayed(stored, sequence: int, response: object, flagged: bool | None) -> bool:
    """Tell whether a save is the last one sent again (its reply was lost on the way): the
    page's number is the one before, and it brings what is stored (`stored`: the answer's
    row). Answering it as saved lets a page retry a save after a network error without a
    false "out of date"."""
    return (
        stored.sequence == sequence + 1
        and stored.response == response
        and (flagged is None or stored.flagged == bool(flagged))
    )


def _forget_answers(session) -> None:
    """Expire the answers this session holds: a Core write went around them."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Answer):
            session.expire(obj)


def flag_answer(user: User, attempt_id: int, question_id: int, flagged: bool) -> Answer:
    """Flag or unflag a question of an open attempt (also one already checked).

    Raises:
        QuizError: no such attempt or question (404), the attempt is finished (409).
    """
    with write_transaction() as session:
        attempt = _locked_attempt(session, user, attempt_id)
        if attempt.state != "in_progress":
            raise QuizError("This attempt is finished.", 409)
        answer = _answer_of(session, attempt, question_id)
        answer.flagged = bool(flagged)
        return answer


def _answer_of(session, attempt: Attempt, question_id: int) -> Answer:
    """Return the attempt's answer row for a question (with the question), or raise 404."""
    answer = session.scalars(
        select(Answer)
        .options(db.joinedload(Answer.question))
        .where(Answer.attempt_id == attempt.id, Answer.question_id == question_id)
    ).one_or_none()
    if answer is None:
        raise QuizError("That question is not part of this attempt.", 404)
    return answer


def _locked_attempt(session, user: User, attempt_id: int) -> Attempt:
    attempt = session.scalars(
        select(Attempt)
        .where(Attempt.id == attempt_id, Attempt.user_id == user.id)
        .with_for_update()
    ).one_or_none()
    if attempt is None:
        raise QuizError("There is no such attempt.", 404)
    return attempt


def check_answer(
    user: User, attempt_id: int, question_id: int, now: datetime | None = None
) -> Answer:
    """Grade one saved answer now and lock it (immediate feedback only).

    Raises:
        QuizError: deferred feedback, a closed attempt, or nothing saved yet.
    """
    now = now or utcnow()
    with write_transaction() as session:
        attempt = _locked_attempt(session, user, attempt_id)
        if attempt.quiz.feedback != "immediate":
            raise QuizError("This quiz shows feedback at the end.", 409)
        if attempt.state != "in_progress" or is_overdue(attempt, now):
            raise QuizError("This attempt is finished.", 409)
        answer = _answer_of(session, attempt, question_id)
        if answer.response is None:
            raise QuizError("Answer the question before checking it.", 422, "response")
        if not answer.checked:
            answer.points = grade(
                answer.question.type, answer.question.payload, answer.response
            ).score
            answer.checked = True
            answer.sequence += 1
        return answer


def finish(
    user: User, attempt_id: int, now: datetime | None = None, closed_by: str = "student"
) -> Attempt:
    """Close and grade an attempt exactly once; later calls return the same result.

    Raises:
        QuizError: no such attempt (404).
    """
    return _finish(user.id, attempt_id, now or utcnow(), closed_by)[0]


def _finish(user_id: int, attempt_id: int, now: datetime, closed_by: str) -> tuple[Attempt, bool]:
    """Close and grade the attempt if it is open; return it and whether this call closed it.

    One rule whoever closes it (Finish, opening its page, the API, the sweep): an attempt
    closed after its deadline counts as finished at the deadline, not when the next request
    found it, so its late status never depends on who was looking; past the grace period it
    was closed by the deadline, whoever pressed the button.
    """
    with write_transaction() as session:
        deadline = session.scalar(
            select(Attempt.deadline).where(Attempt.id == attempt_id).with_for_update()
        )
        finished_at = now
        if deadline is not None and now > deadline:
            finished_at = deadline
            if now > deadline + GRACE:
                closed_by = "deadline"
        # The conditional UPDATE is the exactly-once gate: only one caller changes the row.
        closed = session.execute(
            update(Attempt)
            .where(
                Attempt.id == attempt_id,
                Attempt.user_id == user_id,
                Attempt.state == "in_progress",
            )
            .values(
                state="finished",
                finished_at=finished_at,
                closed_by=closed_by,
                late=case((Attempt.due_at < finished_at - GRACE, True), else_=False),
            )
        ).rowcount
        if closed == 1:
            answers = session.scalars(
                select(Answer)
                .options(db.joinedload(Answer.question))
                .where(Answer.attempt_id == attempt_id)
            ).all()
            total = 0.0
            for answer in answers:
                answer.points = points_for(answer)
                total += answer.points
            session.execute(
                update(Attempt).where(Attempt.id == attempt_id).values(score=round(total, 4))
            )
        attempt = session.scalars(
            select(Attempt)
            .options(db.joinedload(Attempt.quiz))  # read by every caller: in this statement
            .where(Attempt.id == attempt_id, Attempt.user_id == user_id)
            .execution_options(populate_existing=True)
        ).one_or_none()
        if attempt is None:
            raise QuizError("There is no such attempt.", 404)
    if closed == 1:
        metrics.ATTEMPTS_FINISHED.labels(closed_by).inc()
    return attempt, closed == 1


def points_for(answer: Answer) -> float:
    """Grade a saved answer; one the question's answer data no longer accepts scores 0."""
    if answer.response is None:
        return 0.0
    q = answer.question
    try:
        return grade(q.type, q.payload, answer.response).score
    except ResponseError:  # the bank changed the options after the answer was saved
        return 0.0


def close_overdue(now: datetime | None = None) -> int:
    """Close every attempt past its deadline and grace period; return how many were closed."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Attempt.id, Attempt.user_id).where(
            Attempt.state == "in_progress",
            Attempt.deadline.is_not(None),
            Attempt.deadline < now - GRACE,
        )
    ).all()
    db.session.commit()
    return sum(_finish(user_id, attempt_id, now, "deadline")[1] for attempt_id, user_id in rows)


@dataclass(frozen=True)
class Reviewed:
    """One question of a finished attempt, as the result page shows it."""

    number: int
    question: Question
    answer: Answer
    grade: Grade | None


@dataclass(frozen=True)
class Review:
    """A finished attempt as its student may see it now."""

    attempt: Attempt
    items: list  # of Reviewed; empty while the answers are not to be shown
    visible: bool  # False: an assignment that shows answers later, or never


def answers_shown(attempt: Attempt, now: datetime) -> bool:
    """Tell whether a finished attempt's answers may be shown: an assignment's review
    setting against the student's due date as it is now (an extension counts)."""
    quiz = attempt.quiz
    if quiz.kind != "assignment":
        return True
    override = db.session.scalars(
        select(Override).where(Override.quiz_id == quiz.id, Override.user_id == attempt.user_id)
    ).one_or_none()
    due = override.due_at if override and override.due_at else quiz.due_at
    return assignment_rules.answers_visible(quiz.review, due, now)


def review_attempt(user: User, attempt_id: int, now: datetime | None = None) -> Review:
    """Return a finished attempt with each question, the response and its grade.

    An assignment's answers and feedback are withheld until its review setting
    allows them (after the due date, or never); the score is always shown.

    Raises:
        QuizError: no such attempt (404), or still open (409).
    """
    now = now or utcnow()
    attempt = get_attempt(user, attempt_id, now)
    if attempt.state != "finished":
        raise QuizError("Finish the attempt to see the answers.", 409)
    if not answers_shown(attempt, now):
        return Review(attempt, [], False)
    answers = db.session.scalars(
        select(Answer)
        .options(db.joinedload(Answer.question).joinedload(Question.topic))
        .where(Answer.attempt_id == attempt.id)
    ).all()
    by_question = {a.question_id: a for a in answers}
    reviewed = []
    for number, qid in enumerate(attempt.question_order, start=1):
        answer = by_question[qid]
        q = answer.question
        try:
            result = None if answer.response is None else grade(q.type, q.payload, answer.response)
        except ResponseError:  # answer data changed since: no verdict to show
            result = None
        reviewed.append(Reviewed(number, q, answer, result))
    return Review(attempt, reviewed, True)


def retry_missed(user: User, attempt_id: int, now: datetime | None = None) -> Attempt:
    """Start a practice attempt on the bank questions missed in a finished attempt.

    Raises:
        QuizError: the attempt is open (409), its answers are not to be shown yet
            (409), or nothing was missed (422).
    """
    now = now or utcnow()
    review = review_attempt(user, attempt_id, now)
    if not review.visible:
        raise QuizError("The answers of this assignment are not shown yet.", 409)
    missed = [
        r.question.id
        for r in review.items
        if (r.answer.points or 0) < 1 and r.question.origin == "bank" and not r.question.archived
    ]
    if not missed:
        raise QuizError("Nothing was missed: there is nothing to retry.", 422)
    hidden = set(db.session.scalars(open_assignment_questions(user.id)))
    missed = [qid for qid in missed if qid not in hidden]
    if not missed:
        raise QuizError(
            "The questions you missed are in the assignment you are taking: "
            "retry them once it is submitted.",
            409,
        )
    settings = Settings(feedback="immediate")
    return start_fixed(user, missed, settings, title="Retry: missed questions", now=now)


def missed_to_flashcards(user: User, attempt_id: int, now: datetime | None = None) -> int:
    """Make every question missed in a finished attempt due in the flashcards today.

    A card already studied becomes due now; one never studied enters learning
    now (it skips the daily limit of new cards: the student asked for it).

    Returns:
        How many cards were put in today's queue.
    """
    now = now or utcnow()
    with write_transaction() as session:
        attempt = _locked_attempt(session, user, attempt_id)
        if attempt.state != "finished":
            raise QuizError("Finish the attempt first.", 409)
        if not answers_shown(attempt, now):
            raise QuizError("The answers of this assignment are not shown yet.", 409)
        missed = session.scalars(
            select(Answer.question_id)
            .join(Question, Question.id == Answer.question_id)
            .where(
                Answer.attempt_id == attempt.id,
                func.coalesce(Answer.points, 0) < 1,
                Question.origin == "bank",  # an instructor's own questions stay in assignments
                # Not while an assignment attempt holds them: they come back once it ends.
                Question.id.not_in(open_assignment_questions(user.id)),
            )
        ).all()
        states = {
            s.question_id: s
            for s in session.scalars(
                select(CardState)
                .where(CardState.user_id == user.id, CardState.question_id.in_(missed))
                .with_for_update()
            )
        }
        for qid in missed:
            state = states.get(qid)
            if state is None:
                state = CardState(user_id=user.id, question_id=qid, phase=0, due=now, version=0)
                session.add(state)
            if state.phase == Phase.NEW:
                state.phase, state.step, state.stability, state.difficulty = 1, 0, None, None
            state.due, state.buried_until = now, None
            state.version = (state.version or 0) + 1
        return len(missed)


def topic_breakdown(user: User) -> list[dict]:
    """Return the user's points per topic over finished attempts, weakest share first."""
    rows = db.session.execute(
        select(Topic.title, func.count(), func.coalesce(func.sum(Answer.points), 0))
        .join(Answer, Answer.topic_id == Topic.id)
        .join(Attempt, and_(Attempt.id == Answer.attempt_id, Attempt.state == "finished"))
        .where(Attempt.user_id == user.id)
        .group_by(Topic.id, Topic.title)
    ).all()
    result = [
        {"topic": title, "questions": n, "points": float(points), "share": float(points) / n}
        for title, n, points in rows
    ]
    return sorted(result, key=lambda row: (row["share"], row["topic"]))
