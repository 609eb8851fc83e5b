"""Flashcard study, one module per seam: decks (what is studied), cards (a card's state and
what it shows), settings (a student's limits and parameters), day (the whole queue, for the
pages that show it), nextcard (the review loop's next card in one statement) and reviews
(the one write path of a review, undo, suspend, bury). The names below are the API."""

from quiz.services.study.cards import (
    STATE_FIELDS,
    CardInfo,
    ShownCard,
    card_info,
    leeches,
    memory_of,
    show,
    state_to_dict,
)
from quiz.services.study.day import DeckDay, load_card, load_day
from quiz.services.study.decks import (
    Deck,
    deck_overview,
    deck_summary,
    due_count,
    find_deck,
    find_focus,
    in_open_assignment,
    open_assignment_questions,
    scheduled,
    source_slug_of,
)
from quiz.services.study.errors import DayChanged, StudyError
from quiz.services.study.nextcard import NextCard
from quiz.services.study.reviews import (
    EMPTY,
    DeckName,
    ReviewResult,
    next_in,
    review,
    set_flags,
    undo_last,
)
from quiz.services.study.settings import limits_for, optimize_user, save_settings, settings_for

__all__ = [
    "EMPTY",
    "DeckName",
    "NextCard",
    "next_in",
    "STATE_FIELDS",
    "CardInfo",
    "Deck",
    "DeckDay",
    "ReviewResult",
    "ShownCard",
    "DayChanged",
    "StudyError",
    "card_info",
    "deck_overview",
    "deck_summary",
    "due_count",
    "find_deck",
    "find_focus",
    "in_open_assignment",
    "open_assignment_questions",
    "leeches",
    "limits_for",
    "load_card",
    "load_day",
    "memory_of",
    "optimize_user",
    "review",
    "save_settings",
    "scheduled",
    "set_flags",
    "settings_for",
    "show",
    "source_slug_of",
    "state_to_dict",
    "undo_last",
]
