"""`quiz bank stats` counts what the bank's standard limits (issue 14, findings 7 and 8)."""

from pathlib import Path

from quiz.bank.reader import read_bank
from quiz.bank.stats import bank_stats
from quiz.bank.validate import check
from tests.bank.test_validate import change, fixture, write_bank

PROJECT_ROOT = Path(__file__).parents[2]
NOTE_ITEM = {
    "id": "q-note-author",
    "kind": "position",
    "type": "short",
    "difficulty": 2,
    "fact": "treaties-author",
    "prompt": "Who wrote “Treaties”, according to the article?",
    "answers": ["Erin Fay"],
    "explanation": "The first note cites her book as the source of the critics' view.",
    "source": {"quote": "Erin Fay, “Treaties,” Sample Press, 2001."},
}


def counts(lines: list[str]) -> list[str]:
    """Keep the two lines after the per-group counts."""
    return [line for line in lines if line.startswith("  ") and ":" in line and "by " not in line]


def test_stats_count_free_recall_items_on_positions_and_items_on_the_endnotes(tmp_path):
    data = fixture()
    data["seed"] += "\n1. Erin Fay, “Treaties,” Sample Press, 2001.\n2. Dave, “Talks,” 2002.\n"
    data["files"]["alpha"].append(NOTE_ITEM)
    change("q-short", kind="position")(data)  # a short answer on a position: free recall
    change("q-mcq", kind="position")(data)  # recognised, not recalled
    change("q-tf", prompt="According to the article’s notes, the treaty was signed in 1999.")(data)
    bank = write_bank(tmp_path, data)
    sources, items, errors = read_bank(bank.root, bank.seeds)
    assert errors == []
    assert counts(bank_stats(sources, items, bank.seeds)) == [
        "  free-recall items on positions (short or numeric): 2",
        "  items on the endnotes: 2",
    ]
    # without the seeds only prompts that name the notes are found
    assert counts(bank_stats(sources, items))[1] == "  items on the endnotes: 1"


def test_the_real_bank_asks_positions_in_free_recall_and_few_endnote_questions():
    """Issue 14's acceptance: at least 20 free-recall items on positions, at most 5 on notes."""
    root = PROJECT_ROOT / "question_bank"
    sources, items, errors = check(root, PROJECT_ROOT / "seeds")
    assert errors == []
    recall, endnotes = counts(bank_stats(sources, items, PROJECT_ROOT / "seeds"))
    assert int(recall.rsplit(" ", 1)[1]) >= 20
    assert int(endnotes.rsplit(" ", 1)[1]) <= 5
