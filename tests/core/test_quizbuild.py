import random

import pytest

from quiz.core.quizbuild import Candidate, NotEnoughQuestions, Rules, layout, pick

POOL = [
    Candidate(1, "belgrade", "belgrade-1999", "event", "mcq", 1),
    Candidate(2, "belgrade", "belgrade-1999", "event", "numeric", 2),
    Candidate(3, "ma-remark", "belgrade-1999", "person", "short", 2),
    Candidate(4, "munich", "global-partners", "event", "mcq", 1),
    Candidate(5, "berlin", "global-partners", "event", "cloze", 3),
    Candidate(6, "shade", "counter-piracy", "organization", "mcq", 2),
    Candidate(7, "shade", "counter-piracy", "organization", "true_false", 1),
    Candidate(8, "sea-lanes", "counter-piracy", "position", "multi", 2),
]


@pytest.mark.parametrize("seed", range(20))
def test_a_quiz_never_holds_two_siblings(seed):
    chosen = pick(POOL, Rules(count=5), random.Random(seed))
    facts = [next(c.fact for c in POOL if c.id == qid) for qid in chosen]
    assert len(chosen) == 5
    assert len(set(facts)) == 5


def test_rules_filter_the_pool():
    rules = Rules(topics=("counter-piracy", "global-partners"), types=("mcq",), count=5)
    with pytest.raises(NotEnoughQuestions, match="Only 2 questions match"):
        pick(POOL, rules, random.Random(1))
    chosen = pick(
        POOL,
        Rules(topics=("belgrade-1999", "global-partners", "counter-piracy"), count=5),
        random.Random(1),
    )
    assert len(chosen) == 5


def test_not_enough_facts_is_reported_with_the_number_available():
    with pytest.raises(NotEnoughQuestions) as error:
        pick(POOL, Rules(kinds=("event", "person"), count=5), random.Random(1))
    assert error.value.available == 4
    with pytest.raises(NotEnoughQuestions, match="No question matches"):
        pick(POOL, Rules(kinds=("concept",), count=5), random.Random(1))


def test_the_same_seed_draws_the_same_quiz():
    assert pick(POOL, Rules(count=5), random.Random(7)) == pick(
        POOL, Rules(count=5), random.Random(7)
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"count": 4}, "count: ask for 5 to 50 questions."),
        ({"count": 51}, "count: ask for 5 to 50 questions."),
        ({"kinds": ("events",)}, "kinds: unknown kind 'events'."),
        ({"types": ("essay",)}, "types: unknown type 'essay'."),
        ({"difficulties": (4,)}, "difficulties: use 1, 2 or 3."),
    ],
)
def test_rules_are_validated(values, message):
    with pytest.raises(ValueError) as error:
        Rules(**values)
    assert str(error.value) == message


PAYLOADS = {
    "mcq": {"options": ["Rasmussen", "Bisogniero", "Bornemann", "Agov"], "answer": "Rasmussen"},
    "ordering": {"items": ["1999", "2002", "2007", "2009"]},
    "matching": {
        "pairs": [
            ["Rasmussen", "Secretary General"],
            ["Bisogniero", "Deputy"],
            ["Bornemann", "Staff Director"],
            ["Qu Xing", "CIIS Director"],
        ]
    },
    "cloze": {
        "text": "Talks began in {{2002}} in {{Brussels}}.",
        "blanks": [["2002"], ["Brussels"]],
    },
    "numeric": {"answer": 1999, "tolerance": 0, "unit": None},
    "short": {"answers": ["Ma Xiaotian"], "match": "name"},
}


@pytest.mark.parametrize("seed", range(30))
def test_layout_never_shows_the_answer(seed):
    rng = random.Random(seed)
    ordering = layout("ordering", PAYLOADS["ordering"], rng)
    assert sorted(ordering["items"]) == PAYLOADS["ordering"]["items"]
    assert ordering["items"] != PAYLOADS["ordering"]["items"]
    matching = layout("matching", PAYLOADS["matching"], rng)
    pairs = dict(PAYLOADS["matching"]["pairs"])
    aligned = [pairs[left] for left in matching["lefts"]]
    assert matching["rights"] != aligned
    assert sorted(matching["rights"]) == sorted(pairs.values())
    cloze = layout("cloze", PAYLOADS["cloze"], rng)
    assert cloze == {"parts": ["Talks began in ", " in ", "."]}
    assert layout("short", PAYLOADS["short"], rng) == {}
    assert set(layout("mcq", PAYLOADS["mcq"], rng)) == {"options"}


def test_options_keep_their_order_when_not_shuffled():
    view = layout("mcq", PAYLOADS["mcq"], random.Random(1), shuffle=False)
    assert view["options"] == PAYLOADS["mcq"]["options"]
