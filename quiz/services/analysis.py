"""Item analysis of an assignment: Moodle's statistics, the upper and lower groups' choices
per option, pair, position and blank, and each question's random guess score.

Reads a fixed number of statements, however many students and attempts.
"""

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from quiz.core.grading import ResponseError, grade, random_guess_score
from quiz.core.itemstats import NO_ANSWER, Choice, ItemStats, OptionCount, TestStats, analyse
from quiz.db import db
from quiz.models import Answer, Attempt, Question, Quiz, User
from quiz.services.classes import owned_assignment

SHOWN_PER_PART = 5


@dataclass(frozen=True)
class Part:
    """The answers given to a whole question, or to one pair, position or blank of it."""

    label: str  # "" for the whole question
    rows: list[OptionCount]  # most frequent first
    others: int  # further distinct answers, not shown


@dataclass(frozen=True)
class Analysis:
    quiz: Quiz
    stats: TestStats
    questions: dict  # question id -> Question
    first_only: bool
    parts: dict  # question id -> list of Part


def parts_of(item: ItemStats, limit: int = SHOWN_PER_PART) -> list[Part]:
    """Group a question's answers by part: each part's `limit` most frequent answers, and
    every right or flagged one whatever its rank."""
    grouped: dict[int, list[OptionCount]] = defaultdict(list)
    for row in item.responses:
        grouped[row.choice.part].append(row)
    result = []
    for rows in grouped.values():
        shown = [r for n, r in enumerate(rows) if n < limit or r.choice.right or r.flagged]
        result.append(Part(rows[0].choice.part_label, shown, len(rows) - len(shown)))
    return result


def item_analysis(user: User, quiz_id: int, first_only: bool = True) -> Analysis:
    """Analyse an assignment's items over finished attempts (first attempts by default).

    Raises:
        QuizError: not the instructor's assignment (404).
    """
    quiz = owned_assignment(user, quiz_id)
    query = select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.state == "finished")
    if first_only:
        query = query.where(Attempt.number == 1)
    attempts = db.session.scalars(query.order_by(Attempt.id)).all()
    marks, choices = [], []
    by_attempt = defaultdict(list)
    questions = {}
    for answer in db.session.scalars(
        select(Answer)
        .options(db.joinedload(Answer.question))
        .where(Answer.attempt_id.in_([a.id for a in attempts]))
        .order_by(Answer.id)  # questions in the order the first attempt was given them
    ):
        by_attempt[answer.attempt_id].append(answer)
        questions[answer.question_id] = answer.question
    for attempt in attempts:
        given = by_attempt[attempt.id]
        marks.append({a.question_id: a.points or 0.0 for a in given})
        choices.append({a.question_id: _chosen(a.question, a.response) for a in given})
    guesses = {qid: random_guess_score(q.type, q.payload) for qid, q in questions.items()}
    stats = analyse(marks, dict.fromkeys(questions, 1.0), choices, guesses)
    parts = {item.question_id: parts_of(item) for item in stats.items}
    return Analysis(quiz, stats, questions, first_only, parts)


def _chosen(question: Question, response) -> list[Choice]:
    """Return what a response chose, whole or per pair, position or blank, each marked
    right or wrong as the grader sees it."""
    if response is None:
        return [Choice(NO_ANSWER)]
    kind, payload = question.type, question.payload
    try:
        parts = grade(kind, payload, response).parts
    except ResponseError:  # the bank changed the options since: nothing to count
        return []
    if kind == "multi":
        return [Choice(o, o in payload["answers"]) for o in response] or [Choice(NO_ANSWER)]
    if kind == "true_false":
        return [Choice("True" if response else "False", parts[0] is True)]
    if kind in ("mcq", "short", "numeric"):
        return [Choice(str(response).strip(), parts[0] is True)]
    if kind == "matching":
        lefts = [left for left, _ in payload["pairs"]]
        picked = [response.get(left) for left in lefts]
    elif kind == "ordering":
        lefts = [f"Position {n}" for n in range(1, len(response) + 1)]
        picked = list(response)
    else:  # cloze
        lefts = [f"Blank {n}" for n in range(1, len(response) + 1)]
        picked = list(response)
    return [
        Choice((text or "").strip() or NO_ANSWER, part is True, number, label)
        for number, (label, text, part) in enumerate(zip(lefts, picked, parts, strict=True), 1)
    ]
