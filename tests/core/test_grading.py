"""Tests for quiz.core.grading: one response checked against a canonical payload."""

from typing import Any

import pytest

from quiz.core.grading import (
    Grade,
    ResponseError,
    attach_aliases,
    grade,
    is_blank,
    normalize_answer,
    random_guess_score,
    suggest_rating,
)

MCQ = {"options": ["1998", "1999", "2002"], "answer": "1999"}
MULTI2 = {"options": ["Kosovo", "Serbia", "Libya", "Iraq"], "answers": ["Kosovo", "Serbia"]}
MULTI3 = {"options": ["A", "B", "C", "D", "E"], "answers": ["A", "B", "C"]}
RASMUSSEN = {"answers": ["Anders Fogh Rasmussen", "Rasmussen"], "match": "name"}
BORNEMANN = {"answers": ["Jürgen Bornemann", "Bornemann"], "match": "name"}
BISOGNIERO = {"answers": ["Claudio Bisogniero", "Bisogniero"], "match": "name"}
MA = {"answers": ["Ma Xiaotian"], "match": "name"}
ADEN = {"answers": ["Gulf of Aden"], "match": "exact"}
YEAR = {"answer": 2010, "tolerance": 1, "unit": None}
SOLDIERS = {"answer": 25, "tolerance": 0, "unit": "soldiers"}
BIG = {"answer": 1999, "tolerance": 0, "unit": None}
MATCHING = {"pairs": [["Rasmussen", "Secretary General"], ["Bisogniero", "Deputy"], ["Ma", "PLA"]]}
ORDERING = {"items": ["A", "B", "C", "D"]}
CLOZE = {
    "text": "{{Rasmussen|Anders Fogh Rasmussen}} spoke on {{worldwide}} {{security}} issues.",
    "blanks": [["Rasmussen", "Anders Fogh Rasmussen"], ["worldwide"], ["security"]],
}


def score(type_: str, payload: dict[str, Any], response: object) -> float:
    """Grade a response and return its score only."""
    return grade(type_, payload, response).score


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jürgen Bornemann", "jurgen bornemann"),
        ("  The   Gulf of Aden. ", "gulf of aden"),
        ("an Apple a day", "apple a day"),
        ("the the Hague", "the hague"),
        ("the", "the"),
        ("Non-Proliferation", "non proliferation"),
        ("NATO’s “partners”", "nato s partners"),
        ("Straße", "strasse"),
        ("ﬁve", "five"),
    ],
)
def test_normalize_answer_drops_accents_case_punctuation_and_one_article(
    text: str, expected: str
) -> None:
    assert normalize_answer(text) == expected


@pytest.mark.parametrize(
    ("payload", "typed", "expected"),
    [
        (BORNEMANN, "Jürgen Bornemann", 1.0),
        (BORNEMANN, "Jurgen Bornemann", 1.0),
        (BORNEMANN, "bornemann", 1.0),
        (BORNEMANN, "Bornemann", 1.0),
        (BORNEMANN, "Bornemman", 1.0),
        (RASMUSSEN, "Rasmusen", 1.0),
        (RASMUSSEN, "Rasmsusen", 1.0),
        (RASMUSSEN, "anders fogh rasmusen", 1.0),
        (BISOGNIERO, "Bisogniero", 1.0),
        (BISOGNIERO, "Bisognero", 1.0),
        (MA, "ma xiaotian", 1.0),
        (MA, "Ma Xiaotain", 1.0),
        (RASMUSSEN, "Andrs Fohg Rasmussen", 1.0),
    ],
)
def test_name_answers_tolerate_accents_case_and_small_typos(
    payload: dict[str, Any], typed: str, expected: float
) -> None:
    assert score("short", payload, typed) == expected


@pytest.mark.parametrize(
    ("payload", "typed"),
    [
        (RASMUSSEN, "Bisogniero"),
        (RASMUSSEN, "Andersen"),
        (RASMUSSEN, "Anders"),
        (RASMUSSEN, "Fogh Rasmussen"),
        (BORNEMANN, "Born"),
        (BORNEMANN, "Bornema"),
        (RASMUSSEN, "Rasm"),
        (MA, "Ma"),
        (MA, "Mo Xiaotian"),
        (MA, "Xiaotian"),
        (RASMUSSEN, "Anrs Fogh Rasmussen"),
        (RASMUSSEN, "Rasmuxxxn"),
        (RASMUSSEN, "Rasmussenxyz"),
    ],
)
def test_name_answers_reject_other_names_and_bare_fragments(
    payload: dict[str, Any], typed: str
) -> None:
    result = grade("short", payload, typed)
    assert result == Grade(0.0, False, (False,), "Wrong.")


@pytest.mark.parametrize(
    ("payload", "typed", "expected"),
    [
        (ADEN, "the Gulf of Aden", 1.0),
        (ADEN, "GULF OF ADEN!", 1.0),
        (ADEN, "gulf-of-aden", 1.0),
        (ADEN, "Gulf of Adem", 0.0),
        (ADEN, "Aden", 0.0),
        (
            {"answers": ["Operation Allied Force", "Allied Force"], "match": "exact"},
            "allied force",
            1.0,
        ),
        ({"answers": ["Berlin"], "match": "exact"}, "Berlín.", 1.0),
    ],
)
def test_exact_short_answers_match_only_after_normalization(
    payload: dict[str, Any], typed: str, expected: float
) -> None:
    assert score("short", payload, typed) == expected


@pytest.mark.parametrize(
    ("payload", "response", "expected"),
    [
        (YEAR, 2010, True),
        (YEAR, 2011, True),
        (YEAR, 2009, True),
        (YEAR, 2012, False),
        (YEAR, 2008, False),
        (YEAR, 2011.0001, False),
        ({"answer": 0.3, "tolerance": 0, "unit": None}, 0.1 + 0.2, True),
        ({"answer": 0.3, "tolerance": 0.1, "unit": None}, 0.4, True),
        ({"answer": 0.3, "tolerance": 0.1, "unit": None}, 0.41, False),
        (BIG, "1,999", True),
        (BIG, " 1999 ", True),
        (BIG, "1 999", True),
        (BIG, "1999.0", True),
        (BIG, "1998", False),
        (SOLDIERS, "25 soldiers", True),
        (SOLDIERS, "25 Soldiers", True),
        (SOLDIERS, "25", True),
        (SOLDIERS, 25, True),
        (SOLDIERS, "24 soldiers", False),
        ({"answer": 1300000, "tolerance": 0, "unit": None}, "1,300,000", True),
    ],
)
def test_numeric_answers_are_right_within_the_inclusive_tolerance(
    payload: dict[str, Any], response: object, expected: bool
) -> None:
    assert grade("numeric", payload, response).correct is expected


@pytest.mark.parametrize("typed", ["abc", "1,99", "1,999 999", "25 tanks", "19 99 9", True, [1999]])
def test_numeric_response_that_is_not_a_number_is_refused(typed: object) -> None:
    with pytest.raises(ResponseError, match="Enter a number, like 1999."):
        grade("numeric", SOLDIERS, typed)


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (["A", "B", "C", "D"], 1.0),
        (["B", "A", "C", "D"], 0.8333),
        (["A", "B", "D", "C"], 0.8333),
        (["D", "C", "B", "A"], 0.0),
        (["B", "C", "D", "A"], 0.5),
    ],
)
def test_ordering_credits_item_pairs_in_the_right_relative_order(
    response: list[str], expected: float
) -> None:
    assert score("ordering", ORDERING, response) == expected


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (
            ["A", "B", "C", None],
            Grade(
                0.5,
                False,
                (True, True, True, None),
                "Partly right: 3 of 6 pairs in the right order. 1 of 4 items had no position.",
            ),
        ),
        (
            [None, "A", None, None],
            Grade(0.0, False, (None, False, None, None), "Wrong. 3 of 4 items had no position."),
        ),
        ([None, None, None, None], Grade(0.0, False, (None, None, None, None), "No answer.")),
    ],
)
def test_an_incomplete_ordering_is_graded_on_the_pairs_it_places(response, expected) -> None:
    assert grade("ordering", ORDERING, response) == expected


def test_ordering_parts_and_message_report_positions_and_pairs() -> None:
    result = grade("ordering", ORDERING, ["B", "A", "C", "D"])
    assert result == Grade(
        0.8333, False, (False, False, True, True), "Partly right: 5 of 6 pairs in the right order."
    )


@pytest.mark.parametrize(
    ("payload", "response", "expected"),
    [
        (MULTI2, ["Kosovo", "Serbia"], 1.0),
        (MULTI2, ["Kosovo"], 0.5),
        (MULTI2, ["Kosovo", "Libya"], 0.0),
        (MULTI2, ["Kosovo", "Libya", "Iraq"], 0.0),
        (MULTI2, ["Libya", "Iraq"], 0.0),
        (MULTI2, ["Kosovo", "Serbia", "Libya"], 0.5),
        (MULTI3, ["A", "B"], 0.6667),
        (MULTI3, ["A"], 0.3333),
        (MULTI3, ["A", "B", "C", "D"], 0.6667),
        (MULTI3, ["A", "B", "C", "D", "E"], 0.3333),
    ],
)
def test_multi_adds_one_kth_per_right_choice_and_takes_one_kth_per_wrong_one_floored_at_zero(
    payload: dict[str, Any], response: list[str], expected: float
) -> None:
    assert score("multi", payload, response) == expected


@pytest.mark.parametrize(
    ("response", "message", "parts"),
    [
        (
            ["Kosovo", "Libya"],
            "Partly right: 1 of 2 right choices, 1 wrong choice.",
            (True, False, False, True),
        ),
        (["Kosovo"], "Partly right: 1 of 2 right choices.", (True, False, True, True)),
        (["Libya"], "Wrong.", (False, False, False, True)),
        (
            ["Serbia", "Libya", "Iraq"],
            "Partly right: 1 of 2 right choices, 2 wrong choices.",
            (False, True, False, False),
        ),
        (["Serbia", "Kosovo"], "Right.", (True, True, True, True)),
    ],
)
def test_multi_parts_follow_option_order_and_message_counts_choices(
    response: list[str], message: str, parts: tuple[bool, ...]
) -> None:
    result = grade("multi", MULTI2, response)
    assert (result.message, result.parts) == (message, parts)


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (
            {"Rasmussen": "Secretary General", "Bisogniero": "Deputy", "Ma": "PLA"},
            Grade(1.0, True, (True, True, True), "Right."),
        ),
        (
            {"Rasmussen": "Secretary General", "Bisogniero": "PLA", "Ma": "Deputy"},
            Grade(0.3333, False, (True, False, False), "Partly right: 1 of 3 pairs."),
        ),
        (
            {"Rasmussen": "Secretary General", "Ma": "PLA"},
            Grade(0.6667, False, (True, None, True), "Partly right: 2 of 3 pairs."),
        ),
        (
            {"Rasmussen": "Deputy", "Bisogniero": ""},
            Grade(0.0, False, (False, None, None), "Wrong."),
        ),
    ],
)
def test_matching_scores_the_share_of_right_pairs_with_unanswered_lefts_as_none(
    response: dict[str, str], expected: Grade
) -> None:
    assert grade("matching", MATCHING, response) == expected


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (["Rasmussen", "worldwide", "security"], Grade(1.0, True, (True, True, True), "Right.")),
        (
            ["anders fogh rasmusen", "World-wide", "security"],
            Grade(0.6667, False, (True, False, True), "Partly right: 2 of 3 blanks."),
        ),
        (
            ["Rasmusen", "worldwid", ""],
            Grade(0.3333, False, (True, False, None), "Partly right: 1 of 3 blanks."),
        ),
        (["Rasm", None, "global"], Grade(0.0, False, (False, None, False), "Wrong.")),
    ],
)
def test_cloze_grades_each_blank_with_name_tolerance_only_for_capitalised_answers(
    response: list[str | None], expected: Grade
) -> None:
    assert grade("cloze", CLOZE, response) == expected


def test_cloze_capitalised_multiword_blank_tolerates_a_typo() -> None:
    payload = {
        "text": "the {{UN Security Council|Security Council}}",
        "blanks": [["UN Security Council", "Security Council"]],
    }
    assert score("cloze", payload, ["UN Securty Council"]) == 1.0
    assert score("cloze", payload, ["UN"]) == 0.0


@pytest.mark.parametrize(
    ("type_", "payload", "response", "expected"),
    [
        ("mcq", MCQ, "1999", Grade(1.0, True, (True,), "Right.")),
        ("mcq", MCQ, "2002", Grade(0.0, False, (False,), "Wrong.")),
        ("true_false", {"answer": True}, True, Grade(1.0, True, (True,), "Right.")),
        ("true_false", {"answer": True}, "TRUE", Grade(1.0, True, (True,), "Right.")),
        ("true_false", {"answer": True}, "false", Grade(0.0, False, (False,), "Wrong.")),
        ("true_false", {"answer": False}, False, Grade(1.0, True, (True,), "Right.")),
        ("short", RASMUSSEN, "Rasmussen", Grade(1.0, True, (True,), "Right.")),
        ("numeric", YEAR, "2011", Grade(1.0, True, (True,), "Right.")),
    ],
)
def test_single_answer_types_grade_right_or_wrong(
    type_: str, payload: dict[str, Any], response: object, expected: Grade
) -> None:
    assert grade(type_, payload, response) == expected


@pytest.mark.parametrize(
    ("type_", "payload", "response", "count"),
    [
        ("mcq", MCQ, None, 1),
        ("mcq", MCQ, "", 1),
        ("multi", MULTI2, [], 4),
        ("true_false", {"answer": True}, None, 1),
        ("short", RASMUSSEN, "   ", 1),
        ("numeric", YEAR, "", 1),
        ("numeric", YEAR, None, 1),
        ("matching", MATCHING, {}, 3),
        ("matching", MATCHING, {"Ma": ""}, 3),
        ("ordering", ORDERING, [], 4),
        ("cloze", CLOZE, ["", " ", None], 3),
        ("cloze", CLOZE, None, 3),
    ],
)
def test_blank_response_grades_zero_with_every_part_none(
    type_: str, payload: dict[str, Any], response: object, count: int
) -> None:
    assert is_blank(type_, response)
    assert grade(type_, payload, response) == Grade(0.0, False, (None,) * count, "No answer.")


@pytest.mark.parametrize(
    ("type_", "response"),
    [
        ("mcq", "1999"),
        ("true_false", False),
        ("numeric", 0),
        ("multi", ["A"]),
        ("cloze", ["", "x"]),
    ],
)
def test_anything_answered_is_not_blank(type_: str, response: object) -> None:
    assert not is_blank(type_, response)


@pytest.mark.parametrize(
    ("type_", "payload", "response", "message"),
    [
        ("mcq", MCQ, "2000", "not one of the options"),
        ("mcq", MCQ, ["1999"], "not one of the options"),
        ("multi", MULTI2, "Kosovo", "as a list"),
        ("multi", MULTI2, ["Kosovo", "Spain"], "not one of the options"),
        ("multi", MULTI2, ["Kosovo", "Kosovo"], "more than once"),
        ("true_false", {"answer": True}, "yes", "true or false"),
        ("true_false", {"answer": True}, 1, "true or false"),
        ("short", RASMUSSEN, 42, "as text"),
        ("numeric", YEAR, "abc", "Enter a number"),
        ("matching", MATCHING, ["Rasmussen"], r"\{left: right\}"),
        ("matching", MATCHING, {"Putin": "PLA"}, "not one of the items"),
        ("matching", MATCHING, {"Ma": "Army"}, "not one of the answers"),
        ("ordering", ORDERING, ["A", "B", "C"], "each once"),
        ("ordering", ORDERING, ["A", None, "A", None], "each once"),
        ("ordering", ORDERING, ["A", None, 3, None], "each once"),
        ("ordering", ORDERING, ["A", None, "E", None], "each once"),
        ("ordering", ORDERING, ["A", "B", "C", "C"], "each once"),
        ("ordering", ORDERING, ["A", "B", "C", "E"], "each once"),
        ("ordering", ORDERING, "ABCD", "each once"),
        ("cloze", CLOZE, ["Rasmussen", "worldwide"], "one answer per blank"),
        ("cloze", CLOZE, "Rasmussen", "one answer per blank"),
        ("cloze", CLOZE, ["Rasmussen", 1, "security"], "as text"),
    ],
)
def test_response_of_the_wrong_shape_is_refused_with_a_reason(
    type_: str, payload: dict[str, Any], response: object, message: str
) -> None:
    with pytest.raises(ResponseError, match=message):
        grade(type_, payload, response)


def test_unknown_type_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown type"):
        grade("essay", {}, "text")
    with pytest.raises(ValueError, match="unknown type"):
        is_blank("essay", "text")


@pytest.mark.parametrize(
    ("grade_score", "rating"),
    [(0.0, 1), (0.4999, 1), (0.5, 2), (0.8333, 2), (0.9999, 2), (1.0, 3)],
)
def test_suggest_rating_maps_score_to_again_hard_good(grade_score: float, rating: int) -> None:
    result = Grade(grade_score, grade_score == 1.0, (), "")
    assert suggest_rating(result) == rating


@pytest.mark.parametrize(
    ("type_", "payload", "score"),
    [
        ("mcq", MCQ, 1 / 3),  # one of three options
        # MULTI2, 4 options, 2 right (k = 2), 15 non-empty sets scored max(0, (h − w)/2):
        # 1 right alone: 2 sets × 1/2; both right: 1 × 1; both right + 1 wrong: 2 × 1/2;
        # the rest 0. (1 + 1 + 1)/15 = 1/5.
        ("multi", MULTI2, 1 / 5),
        # MULTI3, 5 options, 3 right, 31 sets: (h, w) → sets × score:
        # (1,0) 3 × 1/3, (2,0) 3 × 2/3, (3,0) 1 × 1, (2,1) 6 × 1/3, (3,1) 2 × 2/3,
        # (3,2) 1 × 1/3 → 1 + 2 + 1 + 2 + 4/3 + 1/3 = 23/3; / 31 = 23/93.
        ("multi", MULTI3, 23 / 93),
        ("true_false", {"answer": True}, 1 / 2),
        ("short", RASMUSSEN, 0.0),
        ("numeric", YEAR, 0.0),
        ("matching", MATCHING, 1 / 3),  # three answers to pick from for each left
        ("ordering", ORDERING, 1 / 2),  # each pair of items is in order half the time
        ("ordering", {"items": ["A"]}, 1.0),
        ("cloze", CLOZE, 0.0),
    ],
)
def test_random_guess_score_is_the_mean_score_of_a_random_answer(type_, payload, score):
    assert random_guess_score(type_, payload) == pytest.approx(score, rel=1e-12)


def test_random_guess_score_of_an_unknown_type_is_refused():
    with pytest.raises(ValueError, match="unknown type"):
        random_guess_score("essay", {})


ALIASES = {
    "Ma Xiaotian": ["Xiaotian Ma", "General Ma Xiaotian"],
    "Washington": ["United States", "U.S."],
}


def test_attach_aliases_gives_a_short_answer_the_aliases_of_its_accepted_answers() -> None:
    assert attach_aliases("short", MA, ALIASES) == {
        "answers": ["Ma Xiaotian"],
        "match": "name",
        "aliases": {"Ma Xiaotian": ["Xiaotian Ma", "General Ma Xiaotian"]},
    }
    assert attach_aliases("short", ADEN, ALIASES) == ADEN
    assert "aliases" not in MA  # the payload given is not modified


def test_attach_aliases_gives_each_cloze_blank_its_own_aliases() -> None:
    cloze = {"text": "{{Washington}} will {{contain}}", "blanks": [["Washington"], ["contain"]]}
    assert attach_aliases("cloze", cloze, ALIASES)["aliases"] == [
        {"Washington": ["United States", "U.S."]},
        {},
    ]
    assert attach_aliases("cloze", CLOZE, ALIASES) == CLOZE
    assert attach_aliases("mcq", MCQ, ALIASES) == MCQ


def test_attach_aliases_matches_keys_after_normalisation() -> None:
    payload = {"answers": ["the Washington"], "match": "exact"}
    assert attach_aliases("short", payload, {"WASHINGTON.": ["U.S."]})["aliases"] == {
        "the Washington": ["U.S."]
    }


@pytest.mark.parametrize(
    "typed", ["Xiaotian Ma", "General Ma Xiaotian", "general ma xiaotian", "Xiaotain Ma"]
)
def test_a_short_answer_accepts_the_aliases_of_its_answer_with_name_tolerance(typed: str) -> None:
    assert grade("short", attach_aliases("short", MA, ALIASES), typed) == Grade(
        1.0, True, (True,), "Right."
    )


@pytest.mark.parametrize("typed", ["Xiaotian Ma", "General Ma Xiaotian"])
def test_without_aliases_the_other_name_order_and_the_rank_are_refused(typed: str) -> None:
    assert grade("short", MA, typed) == Grade(0.0, False, (False,), "Wrong.")


@pytest.mark.parametrize("typed", ["the United States", "U.S.", "u.s", "united states"])
def test_a_cloze_blank_accepts_the_aliases_of_its_answer(typed: str) -> None:
    cloze = {"text": "{{Washington}} will {{contain}}", "blanks": [["Washington"], ["contain"]]}
    graded = grade("cloze", attach_aliases("cloze", cloze, ALIASES), [typed, "contain"])
    assert graded == Grade(1.0, True, (True, True), "Right.")


def test_an_alias_is_accepted_only_for_its_own_answer() -> None:
    cloze = {"text": "{{Washington}} will {{contain}}", "blanks": [["Washington"], ["contain"]]}
    graded = grade("cloze", attach_aliases("cloze", cloze, ALIASES), ["Washington", "U.S."])
    assert graded == Grade(0.5, False, (True, False), "Partly right: 1 of 2 blanks.")
    assert score("short", attach_aliases("short", MA, ALIASES), "United States") == 0.0
