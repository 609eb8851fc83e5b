"""The declared requests and responses of /api/v1 (pydantic v2).

The views read every request through these models (quiz/api/contract.py) and the OpenAPI
document is generated from them. A null optional field means "not sent". Text may not hold
control characters (tab and line breaks aside): `check_request` refuses them before any view
runs, and `TEXT` says so in the document.
"""

from typing import Annotated, Any, ClassVar, Literal
from zoneinfo import available_timezones

from pydantic import Field

from quiz.api.contract import Hint, Query, Request, Response, integer
from quiz.bank.schema import KINDS, TYPES
from quiz.core.quizbuild import COUNT_RANGE
from quiz.db import MAX_ID
from quiz.inputs import LAST_MS

# What quiz/inputs.py's BAD_CHARACTER refuses, as a JSON Schema pattern (surrogates are not
# text at all, so no generator makes them).
CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
TEXT = rf"^[^{CONTROL}]*$"
# Text with at least one character that is not a space (the spaces around it are dropped).
NAME = rf"^[^{CONTROL}]*[^\s{CONTROL}][^{CONTROL}]*$"
Text = Annotated[str, Field(pattern=TEXT)]
Slug = Annotated[str, Field(min_length=1, max_length=200, pattern=TEXT)]
SOURCE = Field(examples=["china-and-nato"])
Whole = integer(0, MAX_ID)
WHOLE = Hint(f"use a whole number from 0 to {MAX_ID:,}.")
FLAG = Hint("send true or false.")
LOW, HIGH = COUNT_RANGE
DEFAULT_COUNT = 10
Timezone = Literal[tuple(sorted(available_timezones()))]
IsoTime = Annotated[str, Field(description="An ISO 8601 date and time.")]


# Requests


class MeChanges(Request):
    """Your name or time zone; nothing else of an account can change here."""

    hints: ClassVar[dict[str, Hint]] = {
        "name": Hint("use 1 to 100 characters."),
        "timezone": Hint("use an IANA name such as Europe/Paris."),
    }

    name: Annotated[str, Field(min_length=1, max_length=100, pattern=NAME)] = None
    timezone: Timezone = None


class DeckQuery(Query):
    """A deck: a source's slug and, optionally, one of its topics."""

    hints: ClassVar[dict[str, Hint]] = {
        "source": Hint("name the deck by its slug, e.g. ?source=<slug>."),
        "topic": Hint("name a topic of the deck by its slug."),
    }

    source: Annotated[Slug, SOURCE]
    topic: Text | None = None


class ReviewBody(Request):
    """One rating of a flashcard."""

    hints: ClassVar[dict[str, Hint]] = {
        "question_id": WHOLE,
        "rating": Hint("use 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy)."),
        "client_review_id": Hint(
            "send text.", empty="send the id given with the card (1–64 characters)."
        ),
        "version": WHOLE,
        "duration_ms": WHOLE,
        "source": Hint("must be a deck's slug."),
        "topic": Hint("must be a topic's slug."),
        "shown_at": Hint(f"use a whole number from 0 to {LAST_MS:,} (ms since 1970)."),
    }

    question_id: Whole
    rating: integer(1, 4)
    client_review_id: Annotated[str, Field(min_length=1, max_length=64, pattern=TEXT)]
    version: Whole | None = None
    duration_ms: Whole | None = None
    source: Slug | None = None
    topic: Text | None = None
    shown_at: (
        integer(
            0,
            LAST_MS,
            description="The card's shown_at, sent back: pressed on another study day (past "
            "4 am), the intervals shown no longer apply and the rating is refused (409).",
        )
        | None
    ) = None


class PracticeQuiz(Request):
    """The rules and settings of a practice quiz."""

    hints: ClassVar[dict[str, Hint]] = {
        "source": Hint("send text.", empty="name the source by its slug."),
        "count": Hint(f"use a whole number from {LOW} to {HIGH}."),
        "topics": Hint("send a list of texts."),
        "kinds": Hint("send a list of texts.", choice="unknown kind {value!r}."),
        "types": Hint("send a list of texts.", choice="unknown type {value!r}."),
        "difficulties": Hint("send a list of whole numbers from 1 to 3."),
        "feedback": Hint("use one of immediate, deferred."),
        "time_limit": Hint("use a whole number from 1 to 300."),
        "shuffle": FLAG,
    }

    source: Annotated[Slug, SOURCE]
    count: integer(LOW, HIGH, description=f"Default {DEFAULT_COUNT}.") | None = None
    topics: list[Text] | None = None
    kinds: list[Literal[KINDS]] | None = None
    types: list[Literal[TYPES]] | None = None
    difficulties: list[integer(1, 3)] | None = None
    feedback: Literal["immediate", "deferred"] | None = None
    time_limit: integer(1, 300, description="Minutes.") | None = None
    shuffle: bool | None = None


class AnswerBody(Request):
    """A response to one question, with the sequence number the page was shown with."""

    hints: ClassVar[dict[str, Hint]] = {"sequence": WHOLE, "flagged": FLAG}

    response: Any = Field(None, description="In the shape of the question's type; null: blank.")
    sequence: Whole
    flagged: bool | None = None


# Responses


class UserOut(Response):
    id: int
    email: str
    name: str
    role: Literal["student", "instructor", "admin"]
    timezone: str


class AttemptOut(Response):
    id: int
    state: Literal["in_progress", "finished"]
    started_at: IsoTime
    deadline: IsoTime | None
    finished_at: IsoTime | None
    questions: int
    score: float | None
    max_score: float
    feedback: Literal["immediate", "deferred"]


class Feedback(Response):
    points: float | None
    message: str
    right_answer: str
    explanation: str


class QuestionOut(Response):
    number: int
    question_id: int
    type: str
    prompt: str
    layout: Any
    response: Any
    sequence: int
    flagged: bool
    checked: bool
    feedback: Feedback | None = Field(None, description="Only once the answer was checked.")


class AnswerSaved(Response):
    sequence: int
    saved_at: IsoTime


class ResultQuestion(Response):
    number: int
    question_id: int
    type: str
    topic: str
    prompt: str
    response: Any
    points: float | None
    right_answer: str
    explanation: str
    quote: str


class ResultOut(Response):
    attempt: AttemptOut
    answers_visible: bool
    questions: list[ResultQuestion]


class MemoryOut(Response):
    phase: str
    step: int | None
    stability: float | None
    difficulty: float | None
    due: IsoTime | None
    last_review: IsoTime | None
    reps: int
    lapses: int
    version: int


class CardBack(Response):
    answer: str
    explanation: str
    quote: str
    context_url: str


class Interval(Response):
    label: str
    due: IsoTime


class CardOut(Response):
    question_id: int
    key: str
    type: str
    front: str
    back: CardBack
    version: int
    client_review_id: str
    shown_at: int = Field(description="When the card was shown, in ms since 1970: send it back.")
    intervals: dict[Literal["again", "hard", "good", "easy"], Interval]
    state: MemoryOut


class Remaining(Response):
    review: int
    learning: int
    new: int


class NextOut(Response):
    card: CardOut | None
    remaining: Remaining
    done_today: int
    next_learning: IsoTime | None


class ReviewDone(Response):
    question_id: int
    rating: int
    replayed: bool
    leech: bool
    state: MemoryOut


class ReviewOut(Response):
    review: ReviewDone
    next: NextOut


class ErrorDetail(Response):
    status: int
    message: str
    field: str = Field(None, description="The field refused, when there is one.")


class ErrorOut(Response):
    error: ErrorDetail
