"""Tests for reading and validating a bank: every error class, one run, the CLI."""

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from quiz.bank.reader import doubtful_spots, read_bank, read_source
from quiz.bank.validate import BankError, default_seeds_dir, validate
from quiz.core.grading import grade

PROJECT_ROOT = Path(__file__).parents[2]

SEED = """Sample Article: Treaties and Talks

A Section Header

The treaty was signed in 1999 by Alice Smith and Bob Jones. Critics called it
“a paper tiger” and Beijing’s reply was cautious.

The second paragraph ends here.

The third paragraph starts here and names Carol, Dave and Erin.
"""

COMMON = {
    "kind": "event",
    "difficulty": 1,
    "explanation": "The article's first paragraph reports the signing.",
    "source": {"quote": "The treaty was signed in 1999"},
}

ALPHA_ITEMS: list[dict[str, Any]] = [
    {
        "id": "q-mcq",
        "type": "mcq",
        "fact": "treaty-signer",
        "prompt": "Who signed the treaty, according to the article?",
        "options": ["Alice Smith", "Carol", "Dave"],
        "answer": "Alice Smith",
    },
    {
        "id": "q-multi",
        "type": "multi",
        "fact": "treaty-signers",
        "prompt": "Which two people signed the treaty?",
        "options": ["Alice Smith", "Bob Jones", "Carol", "Erin"],
        "answers": ["Alice Smith", "Bob Jones"],
    },
    {
        "id": "q-tf",
        "type": "true_false",
        "fact": "treaty-year",
        "prompt": "The treaty was signed in 1999.",
        "answer": True,
    },
    {
        "id": "q-short",
        "type": "short",
        "fact": "treaty-cosigner",
        "prompt": "Who co-signed the treaty, according to the article?",
        "answers": ["Bob Jones", "Jones"],
        "match": "name",
    },
    {
        "id": "q-numeric",
        "type": "numeric",
        "fact": "treaty-year",
        "prompt": "In what year was the treaty signed?",
        "answer": 1999,
        "tolerance": 1,
        "unit": "AD",
    },
]

BETA_ITEMS: list[dict[str, Any]] = [
    {
        "id": "q-matching",
        "type": "matching",
        "fact": "people-roles",
        "kind": "person",
        "prompt": "Match each person to the paragraph that names them.",
        "pairs": [
            {"left": "Alice Smith", "right": "first"},
            {"left": "Carol", "right": "third"},
            {"left": "Critics", "right": "paper tiger"},
        ],
        "source": {
            "quote": [
                "The treaty was signed in 1999 by Alice Smith",
                "names Carol, Dave and Erin",
                "Critics called it",
            ]
        },
    },
    {
        "id": "q-ordering",
        "type": "ordering",
        "fact": "third-paragraph-names",
        "prompt": "Put the names in the order the third paragraph gives them.",
        "items": ["Carol", "Dave", "Erin"],
        "source": {"quote": ["names Carol, Dave and Erin"] * 3},
    },
    {
        "id": "q-cloze",
        "type": "cloze",
        "fact": "treaty-year",
        "prompt": "Complete the sentence about the treaty.",
        "text": "The treaty was signed in {{1999}} by {{Alice Smith|Smith}}.",
        "card": {"back": "1999, Alice Smith and Bob Jones"},
    },
]

SOURCE = {
    "slug": "sample",
    "title": "Sample Article: Treaties and Talks",
    "seed": "sample.txt",
    "citation": "Sample Review, Issue 1 (2024)",
}
TOPICS = [
    {"slug": "alpha", "title": "Alpha", "summary": "The first topic."},
    {"slug": "beta", "title": "Beta", "summary": "The second topic."},
]


def fixture() -> dict[str, Any]:
    """Return a valid bank as data: `_source.toml`, topic files, raw overrides, seed."""
    return {
        "source": copy.deepcopy(SOURCE),
        "topics": copy.deepcopy(TOPICS),
        "files": {
            "alpha": [{**copy.deepcopy(COMMON), **copy.deepcopy(i)} for i in ALPHA_ITEMS],
            "beta": [{**copy.deepcopy(COMMON), **copy.deepcopy(i)} for i in BETA_ITEMS],
        },
        "raw": {},
        "seed": SEED,
    }


def toml_value(value: Any) -> str:
    """Write one TOML value (strings as JSON strings, which TOML accepts)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(entry) for entry in value) + "]"
    return "{ " + ", ".join(f"{key} = {toml_value(val)}" for key, val in value.items()) + " }"


def toml_table(header: str, table: dict[str, Any]) -> str:
    """Write one `[header]` or `[[header]]` table; sub-tables become dotted keys."""
    lines = [header]
    for key, value in table.items():
        if isinstance(value, dict):
            lines += [f"{key}.{sub} = {toml_value(val)}" for sub, val in value.items()]
        else:
            lines.append(f"{key} = {toml_value(value)}")
    return "\n".join(lines) + "\n"


@dataclass
class Bank:
    """Paths of a bank written by `write_bank`."""

    root: Path
    folder: Path
    seeds: Path

    def file(self, name: str) -> str:
        """Return the path of a file of the source, as errors name it."""
        return str(self.folder / name)


def write_bank(tmp_path: Path, data: dict[str, Any]) -> Bank:
    """Write a bank described by `fixture()` data under `tmp_path/project`."""
    project = tmp_path / "project"
    bank = Bank(project / "question_bank", project / "question_bank" / "sample", project / "seeds")
    bank.folder.mkdir(parents=True)
    bank.seeds.mkdir()
    (bank.seeds / "sample.txt").write_text(data["seed"], encoding="utf-8")
    source = toml_table("[source]", data["source"])
    source += "".join("\n" + toml_table("[[topics]]", topic) for topic in data["topics"])
    files = {"_source.toml": source}
    for topic, items in data["files"].items():
        text = f'topic = "{topic}"\n'
        text += "".join("\n" + toml_table("[[items]]", item) for item in items)
        files[f"{topic}.toml"] = text
    files.update(data["raw"])
    for name, text in files.items():
        if text is not None:
            (bank.folder / name).write_text(text, encoding="utf-8")
    return bank


def item(data: dict[str, Any], item_id: str) -> dict[str, Any]:
    """Find an item of the fixture data by id."""
    return next(i for items in data["files"].values() for i in items if i["id"] == item_id)


def change(item_id: str, **values: Any) -> Callable[[dict[str, Any]], None]:
    """Return a mutation that changes fields of one item."""
    return lambda data: item(data, item_id).update(values)


def drop(item_id: str, name: str) -> Callable[[dict[str, Any]], None]:
    """Return a mutation that removes a field of one item."""
    return lambda data: item(data, item_id).pop(name)


def test_fixture_is_valid(tmp_path: Path) -> None:
    bank = write_bank(tmp_path, fixture())
    assert validate(bank.root, bank.seeds) == []
    sources, items, errors = read_bank(bank.root, bank.seeds)
    assert errors == []
    assert [source.slug for source in sources] == ["sample"]
    assert [topic.slug for topic in sources[0].topics] == ["alpha", "beta"]
    assert [i.key for i in items] == [
        "sample/q-mcq",
        "sample/q-multi",
        "sample/q-tf",
        "sample/q-short",
        "sample/q-numeric",
        "sample/q-matching",
        "sample/q-ordering",
        "sample/q-cloze",
    ]


def test_items_carry_canonical_payloads_and_cards(tmp_path: Path) -> None:
    bank = write_bank(tmp_path, fixture())
    items = {i.id: i for i in read_bank(bank.root, bank.seeds)[1]}
    numeric = items["q-numeric"]
    assert numeric.payload == {"answer": 1999, "tolerance": 1, "unit": "AD"}
    assert (numeric.card_front, numeric.card_back) == (numeric.prompt, "1999 AD")
    assert numeric.file == bank.file("alpha.toml")
    assert (numeric.topic, numeric.source, numeric.quote) == (
        "alpha",
        "sample",
        "The treaty was signed in 1999",
    )
    assert items["q-matching"].payload["pairs"][0] == ["Alice Smith", "first"]
    assert items["q-matching"].kind == "person"
    cloze = items["q-cloze"]
    assert cloze.prompt == "Complete the sentence about the treaty."
    assert cloze.payload["blanks"] == [["1999"], ["Alice Smith", "Smith"]]
    assert cloze.card_front == (
        "Complete the sentence about the treaty.\nThe treaty was signed in [...] by [...]."
    )
    assert cloze.card_back == "1999, Alice Smith and Bob Jones"


def test_card_front_override(tmp_path: Path) -> None:
    data = fixture()
    change("q-mcq", card={"front": "Treaty signer?"})(data)
    bank = write_bank(tmp_path, data)
    mcq = read_source(bank.folder, bank.seeds)[1][0]
    assert (mcq.card_front, mcq.card_back) == ("Treaty signer?", "Alice Smith")


def test_validate_accepts_a_source_folder(tmp_path: Path) -> None:
    bank = write_bank(tmp_path, fixture())
    assert validate(bank.folder, bank.seeds) == []


def test_default_seeds_dir_is_beside_the_bank_root(tmp_path: Path) -> None:
    bank = write_bank(tmp_path, fixture())
    assert default_seeds_dir(bank.root) == bank.seeds.resolve()
    assert default_seeds_dir(bank.folder) == bank.seeds.resolve()


def set_source(**values: Any) -> Callable[[dict[str, Any]], None]:
    """Return a mutation of the `[source]` table (None removes a key)."""

    def mutate(data: dict[str, Any]) -> None:
        for key, value in values.items():
            if value is None:
                data["source"].pop(key)
            else:
                data["source"][key] = value

    return mutate


def raw(name: str, text: str | None) -> Callable[[dict[str, Any]], None]:
    """Return a mutation that writes a file's text verbatim (None: no file)."""

    def mutate(data: dict[str, Any]) -> None:
        if text is None and name.removesuffix(".toml") in data["files"]:
            del data["files"][name.removesuffix(".toml")]
        data["raw"][name] = text

    return mutate


def topic_entry(index: int, **values: Any) -> Callable[[dict[str, Any]], None]:
    """Return a mutation of one `[[topics]]` entry (None removes a key)."""

    def mutate(data: dict[str, Any]) -> None:
        for key, value in values.items():
            if value is None:
                data["topics"][index].pop(key)
            else:
                data["topics"][index][key] = value

    return mutate


def add_topic_file(data: dict[str, Any]) -> None:
    """Add a topic file that `_source.toml` does not declare."""
    data["files"]["gamma"] = [{**copy.deepcopy(COMMON), **ALPHA_ITEMS[0], "id": "q-gamma"}]


def declare_gamma(data: dict[str, Any]) -> None:
    """Declare a topic that has no file."""
    data["topics"].append({"slug": "gamma", "title": "Gamma"})


def sibling_of_another_kind(data: dict[str, Any]) -> None:
    """Give q-short the fact of q-mcq but another kind."""
    item(data, "q-short").update(fact="treaty-signer", kind="concept")


def beta_reuses_an_alpha_id(data: dict[str, Any]) -> None:
    """Give a beta item the id of an alpha item."""
    item(data, "q-ordering")["id"] = "q-mcq"


PAIRS = [{"left": f"left {n}", "right": f"right {n}"} for n in range(1, 8)]

# (case id, mutation, [(file, item_id, field, message fragment), ...])
CASES: list[tuple[str, Callable[[dict[str, Any]], None], list[tuple[str, Any, Any, str]]]] = [
    # files and _source.toml
    (
        "toml-syntax-topic-file",
        raw("alpha.toml", 'topic = "alpha"\n\n[[items]]\nid = "q-mcq\n'),
        [("alpha.toml", None, None, "TOML syntax error at line 4")],
    ),
    (
        "toml-syntax-source-file",
        raw("_source.toml", '[source\nslug = "sample"\n'),
        [("_source.toml", None, None, "TOML syntax error at line 1")],
    ),
    ("source-file-missing", raw("_source.toml", None), [("_source.toml", None, None, "missing")]),
    (
        "source-slug-not-folder-name",
        set_source(slug="other"),
        [("_source.toml", None, "source.slug", "'other' does not match the folder name 'sample'")],
    ),
    (
        "source-field-missing",
        set_source(citation=None),
        [("_source.toml", None, "source.citation", "required field missing")],
    ),
    (
        "source-unknown-field",
        set_source(autor="X"),
        [("_source.toml", None, "source.autor", "unknown field 'autor'")],
    ),
    (
        "seed-file-missing",
        set_source(seed="missing.txt"),
        [("_source.toml", None, "source.seed", "seed file 'missing.txt' not found")],
    ),
    (
        "no-topics-declared",
        lambda data: data["topics"].clear(),
        [
            ("_source.toml", None, "topics", "no [[topics]] declared"),
            ("alpha.toml", None, "topic", "not declared"),
            ("beta.toml", None, "topic", "not declared"),
        ],
    ),
    (
        "topic-slug-missing",
        topic_entry(1, slug=None),
        [
            ("_source.toml", None, "topics.slug", "topic 2: required field missing"),
            ("beta.toml", None, "topic", "topic file beta.toml is not declared"),
        ],
    ),
    (
        "topic-slug-format",
        topic_entry(1, slug="Beta"),
        [
            ("_source.toml", None, "topics.slug", "topic 2: 'Beta' is not a slug"),
            ("beta.toml", None, "topic", "not declared"),
        ],
    ),
    (
        "topic-declared-twice",
        lambda data: data["topics"].append(dict(TOPICS[0])),
        [("_source.toml", None, "topics.slug", "topic 3: 'alpha' is declared twice")],
    ),
    (
        "topic-title-missing",
        topic_entry(1, title=None),
        [("_source.toml", None, "topics.title", "topic 'beta': required field missing")],
    ),
    (
        "topic-file-not-declared",
        add_topic_file,
        [("gamma.toml", None, "topic", "topic file gamma.toml is not declared in _source.toml")],
    ),
    (
        "declared-topic-without-file",
        declare_gamma,
        [("_source.toml", None, "topics", "topic 'gamma' has no file gamma.toml")],
    ),
    (
        "topic-key-not-file-name",
        raw("beta.toml", 'topic = "alpha"\n'),
        [
            ("beta.toml", None, "topic", "'alpha' does not match the file name beta.toml"),
            ("beta.toml", None, "items", "no [[items]]"),
        ],
    ),
    (
        "topic-key-missing",
        lambda data: data["raw"].update(
            {"beta.toml": toml_table("[[items]]", {**COMMON, **ALPHA_ITEMS[0], "id": "q-b"})}
        ),
        [("beta.toml", None, "topic", "required field missing")],
    ),
    (
        "topic-file-without-items",
        lambda data: data["files"]["beta"].clear(),
        [("beta.toml", None, "items", "no [[items]] in this file")],
    ),
    (
        "topic-summary-not-a-string",
        topic_entry(0, summary=3),
        [("_source.toml", None, "topics.summary", "topic 'alpha': must be a string (got 3)")],
    ),
    (
        "items-not-an-array",
        raw("beta.toml", 'topic = "beta"\nitems = 3\n'),
        [("beta.toml", None, "items", "must be an array of [[items]] tables")],
    ),
    (
        "topic-file-unknown-key",
        lambda data: data["raw"].update({"beta.toml": 'topics = "beta"\n'}),
        [
            ("beta.toml", None, "topics", "unknown field 'topics' (did you mean 'topic'?)"),
            ("beta.toml", None, "topic", "required field missing"),
            ("beta.toml", None, "items", "no [[items]]"),
        ],
    ),
    # fields common to every item
    *[
        (
            f"required-{name}",
            drop("q-mcq", name if name != "source.quote" else "source"),
            [("alpha.toml", "q-mcq", name, "required field missing")],
        )
        for name in ("kind", "type", "difficulty", "fact", "prompt", "explanation", "source.quote")
    ],
    (
        "required-id",
        drop("q-mcq", "id"),
        [("alpha.toml", None, "id", "required field missing (item 1)")],
    ),
    (
        "wrong-value-type",
        change("q-mcq", prompt=5),
        [("alpha.toml", "q-mcq", "prompt", "must be a string (got 5)")],
    ),
    (
        "empty-prompt",
        change("q-mcq", prompt="  "),
        [("alpha.toml", "q-mcq", "prompt", "must not be empty")],
    ),
    (
        "empty-explanation",
        change("q-mcq", explanation=""),
        [("alpha.toml", "q-mcq", "explanation", "must not be empty")],
    ),
    (
        "empty-quote",
        change("q-mcq", source={"quote": ""}),
        [("alpha.toml", "q-mcq", "source.quote", "must not be empty")],
    ),
    (
        "unknown-field",
        change("q-mcq", hint="x"),
        [("alpha.toml", "q-mcq", "hint", "unknown field 'hint'")],
    ),
    (
        "unknown-field-typo",
        change("q-mcq", explaination="x"),
        [("alpha.toml", "q-mcq", "explaination", "(did you mean 'explanation'?)")],
    ),
    (
        "unknown-field-in-card",
        change("q-mcq", card={"frnt": "x"}),
        [("alpha.toml", "q-mcq", "card.frnt", "unknown field 'card.frnt'")],
    ),
    (
        "unknown-field-of-another-type",
        change("q-mcq", answers=["Alice Smith"]),
        [("alpha.toml", "q-mcq", "answers", "unknown field 'answers' for type mcq")],
    ),
    (
        "quote-not-written-as-source-quote",
        change("q-mcq", source="The treaty was signed in 1999"),
        [("alpha.toml", "q-mcq", "source", "must be written as source.quote = ...")],
    ),
    (
        "id-not-a-slug",
        change("q-mcq", id="Q_MCQ"),
        [("alpha.toml", "Q_MCQ", "id", "'Q_MCQ' is not a slug")],
    ),
    (
        "duplicate-id-in-file",
        change("q-multi", id="q-mcq"),
        [("alpha.toml", "q-mcq", "id", "duplicate id: already used in alpha.toml (item 1)")],
    ),
    (
        "duplicate-id-in-source",
        beta_reuses_an_alpha_id,
        [("beta.toml", "q-mcq", "id", "duplicate id: already used in alpha.toml (item 1)")],
    ),
    (
        "unknown-kind",
        change("q-mcq", kind="evnt"),
        [("alpha.toml", "q-mcq", "kind", "unknown kind 'evnt'")],
    ),
    (
        "unknown-type",
        change("q-mcq", type="essay"),
        [("alpha.toml", "q-mcq", "type", "unknown type 'essay'")],
    ),
    *[
        (
            f"difficulty-{value!r}",
            change("q-mcq", difficulty=value),
            [("alpha.toml", "q-mcq", "difficulty", "must be 1, 2 or 3")],
        )
        for value in (0, 4, "2", True, 2.0)
    ],
    (
        "fact-not-a-slug",
        change("q-mcq", fact="Treaty Signer"),
        [("alpha.toml", "q-mcq", "fact", "'Treaty Signer' is not a slug")],
    ),
    (
        "quote-not-found",
        change("q-mcq", source={"quote": "The treaty was signed in 2000"}),
        [("alpha.toml", "q-mcq", "source.quote", "not found in sample.txt")],
    ),
    (
        "quote-spans-paragraphs",
        change("q-mcq", source={"quote": "ends here. The third paragraph"}),
        [("alpha.toml", "q-mcq", "source.quote", "spans paragraphs of sample.txt")],
    ),
    (
        "explanation-restates-answer",
        change("q-mcq", explanation="Alice Smith."),
        [("alpha.toml", "q-mcq", "explanation", "merely restates the answer")],
    ),
    (
        "siblings-disagree-on-kind",
        sibling_of_another_kind,
        [("alpha.toml", "q-short", "kind", "siblings disagree on kind")],
    ),
    # mcq
    (
        "mcq-answer-not-an-option",
        change("q-mcq", answer="Erin"),
        [("alpha.toml", "q-mcq", "answer", "'Erin' is not one of the options")],
    ),
    (
        "mcq-options-not-distinct",
        change("q-mcq", options=["Alice Smith", "Carol", "alice smith"]),
        [("alpha.toml", "q-mcq", "options", "'alice smith' appears more than once")],
    ),
    (
        "mcq-too-few-options",
        change("q-mcq", options=["Alice Smith", "Carol"]),
        [("alpha.toml", "q-mcq", "options", "needs 3 to 6 options, got 2")],
    ),
    (
        "mcq-too-many-options",
        change("q-mcq", options=["Alice Smith", "B", "C", "D", "E", "F", "G"]),
        [("alpha.toml", "q-mcq", "options", "needs 3 to 6 options, got 7")],
    ),
    (
        "mcq-options-missing",
        drop("q-mcq", "options"),
        [("alpha.toml", "q-mcq", "options", "required field missing")],
    ),
    # multi
    (
        "multi-answer-not-an-option",
        change("q-multi", answers=["Alice Smith", "Dave"]),
        [("alpha.toml", "q-multi", "answers", "'Dave' is not one of the options")],
    ),
    (
        "multi-no-wrong-option",
        change("q-multi", answers=["Alice Smith", "Bob Jones", "Carol", "Erin"]),
        [("alpha.toml", "q-multi", "answers", "no wrong option")],
    ),
    (
        "multi-no-answer",
        change("q-multi", answers=[]),
        [("alpha.toml", "q-multi", "answers", "no answer")],
    ),
    (
        "multi-duplicate-options",
        change("q-multi", options=["Alice Smith", "Bob Jones", "Carol", "CAROL"]),
        [("alpha.toml", "q-multi", "options", "'CAROL' appears more than once")],
    ),
    (
        "multi-duplicate-answers",
        change("q-multi", answers=["Alice Smith", "Alice Smith"]),
        [("alpha.toml", "q-multi", "answers", "'Alice Smith' appears more than once")],
    ),
    (
        "multi-too-many-options",
        change("q-multi", options=["Alice Smith", "Bob Jones", *"CDEFGHI"]),
        [("alpha.toml", "q-multi", "options", "needs 3 to 8 options, got 9")],
    ),
    # true_false
    (
        "true-false-not-boolean",
        change("q-tf", answer="yes"),
        [("alpha.toml", "q-tf", "answer", "must be true or false")],
    ),
    # short
    (
        "short-no-answers",
        change("q-short", answers=[]),
        [("alpha.toml", "q-short", "answers", "no answer")],
    ),
    (
        "short-duplicate-answers",
        change("q-short", answers=["Bob Jones", "bob  jones"]),
        [("alpha.toml", "q-short", "answers", "'bob  jones' appears more than once")],
    ),
    (
        "short-bad-match",
        change("q-short", match="fuzzy"),
        [("alpha.toml", "q-short", "match", 'must be "name" or "exact" (got \'fuzzy\')')],
    ),
    # numeric
    (
        "numeric-answer-not-a-number",
        change("q-numeric", answer="1999"),
        [("alpha.toml", "q-numeric", "answer", "must be a number (got '1999')")],
    ),
    (
        "numeric-answer-bool",
        change("q-numeric", answer=True),
        [("alpha.toml", "q-numeric", "answer", "must be a number (got True)")],
    ),
    (
        "numeric-tolerance-negative",
        change("q-numeric", tolerance=-1),
        [("alpha.toml", "q-numeric", "tolerance", "must not be negative")],
    ),
    (
        "numeric-tolerance-too-large",
        change("q-numeric", tolerance=1999),
        [("alpha.toml", "q-numeric", "tolerance", "must be smaller than abs(answer) = 1999")],
    ),
    (
        "numeric-unit-empty",
        change("q-numeric", unit=""),
        [("alpha.toml", "q-numeric", "unit", "must be a non-empty string when given")],
    ),
    # matching
    (
        "matching-pair-unknown-key",
        change("q-matching", pairs=[*PAIRS[:2], {"left": "x", "rigth": "y"}]),
        [
            ("beta.toml", "q-matching", "pairs", "pair 3: unknown key 'rigth'"),
            ("beta.toml", "q-matching", "pairs", "pair 3: right must be a string"),
        ],
    ),
    (
        "matching-too-few-pairs",
        change("q-matching", pairs=PAIRS[:2]),
        [("beta.toml", "q-matching", "pairs", "needs 3 to 6 pairs, got 2")],
    ),
    (
        "matching-too-many-pairs",
        change("q-matching", pairs=PAIRS),
        [("beta.toml", "q-matching", "pairs", "needs 3 to 6 pairs, got 7")],
    ),
    (
        "matching-duplicate-lefts",
        change("q-matching", pairs=[*PAIRS[:2], {"left": "Left 1", "right": "x"}]),
        [("beta.toml", "q-matching", "pairs", "left 'Left 1' appears more than once")],
    ),
    (
        "matching-duplicate-rights",
        change("q-matching", pairs=[*PAIRS[:2], {"left": "x", "right": "right 2"}]),
        [("beta.toml", "q-matching", "pairs", "right 'right 2' appears more than once")],
    ),
    (
        "matching-empty-side",
        change("q-matching", pairs=[*PAIRS[:2], {"left": "x", "right": " "}]),
        [("beta.toml", "q-matching", "pairs", "pair 3: empty right side")],
    ),
    # ordering
    (
        "ordering-too-few-items",
        change("q-ordering", items=["Carol", "Dave"]),
        [("beta.toml", "q-ordering", "items", "needs 3 to 6 items, got 2")],
    ),
    (
        "ordering-too-many-items",
        change("q-ordering", items=list("ABCDEFG")),
        [("beta.toml", "q-ordering", "items", "needs 3 to 6 items, got 7")],
    ),
    (
        "ordering-duplicates",
        change("q-ordering", items=["Carol", "Dave", "Carol"]),
        [("beta.toml", "q-ordering", "items", "'Carol' appears more than once")],
    ),
    # cloze
    (
        "cloze-without-prompt",
        drop("q-cloze", "prompt"),
        [("beta.toml", "q-cloze", "prompt", "required field missing")],
    ),
    (
        "cloze-no-blank",
        change("q-cloze", text="The treaty was signed in 1999."),
        [("beta.toml", "q-cloze", "text", "no blank")],
    ),
    (
        "cloze-empty-blank",
        change("q-cloze", text="The treaty was signed in {{}}."),
        [("beta.toml", "q-cloze", "text", "blank 1 is empty")],
    ),
    (
        "cloze-empty-alternative",
        change("q-cloze", text="Signed in {{1999}} by {{Alice Smith|}}."),
        [("beta.toml", "q-cloze", "text", "blank 2 is empty or has an empty alternative")],
    ),
    (
        "cloze-unbalanced-braces",
        change("q-cloze", text="The treaty was signed in {{1999}."),
        [("beta.toml", "q-cloze", "text", "unbalanced braces")],
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_error_class(
    tmp_path: Path,
    mutate: Callable[[dict[str, Any]], None],
    expected: list[tuple[str, Any, Any, str]],
) -> None:
    data = fixture()
    mutate(data)
    bank = write_bank(tmp_path, data)
    errors = validate(bank.root, bank.seeds)
    assert [(e.file, e.item_id, e.field) for e in errors] == [
        (bank.file(name), item_id, field) for name, item_id, field, _ in expected
    ], "\n".join(map(str, errors))
    for error, (name, item_id, field, fragment) in zip(errors, expected, strict=True):
        assert fragment in error.message
        assert str(error).startswith(f"{bank.file(name)}: {item_id or '-'}: {field or '-'}: ")


def test_error_names_file_id_field_exactly(tmp_path: Path) -> None:
    data = fixture()
    change("q-tf", answer="yes")(data)
    bank = write_bank(tmp_path, data)
    assert validate(bank.root, bank.seeds) == [
        BankError(bank.file("alpha.toml"), "q-tf", "answer", "must be true or false (got 'yes')")
    ]


def test_cloze_prompt_is_optional_but_other_prompts_are_not(tmp_path: Path) -> None:
    data = fixture()
    change("q-cloze", prompt="Complete the sentence.")(data)
    bank = write_bank(tmp_path, data)
    assert validate(bank.root, bank.seeds) == []


def test_quote_matches_typographic_quotes_and_whitespace(tmp_path: Path) -> None:
    data = fixture()
    change("q-mcq", source={"quote": 'Critics called it "a paper tiger" and\n Beijing\'s reply'})(
        data
    )
    bank = write_bank(tmp_path, data)
    assert validate(bank.root, bank.seeds) == []


def test_all_errors_are_reported_in_one_run(tmp_path: Path) -> None:
    data = fixture()
    change("q-ordering", items=["Carol", "Dave"])(data)
    change("q-short", answers=[])(data)
    change("q-mcq", answer="Erin")(data)
    bank = write_bank(tmp_path, data)
    errors = validate(bank.root, bank.seeds)
    assert [(e.file, e.item_id, e.field) for e in errors] == [
        (bank.file("alpha.toml"), "q-mcq", "answer"),
        (bank.file("alpha.toml"), "q-short", "answers"),
        (bank.file("beta.toml"), "q-ordering", "items"),
    ]


def test_broken_items_are_left_out_and_reading_goes_on(tmp_path: Path) -> None:
    data = fixture()
    change("q-mcq", answer="Erin")(data)
    data["raw"]["beta.toml"] = "topic = \n"
    bank = write_bank(tmp_path, data)
    sources, items, errors = read_bank(bank.root, bank.seeds)
    assert len(errors) == 2
    assert [i.id for i in items] == ["q-multi", "q-tf", "q-short", "q-numeric"]
    assert len(sources) == 1


def test_without_seeds_quotes_are_not_checked(tmp_path: Path) -> None:
    data = fixture()
    change("q-mcq", source={"quote": "nowhere in the seed"})(data)
    bank = write_bank(tmp_path, data)
    assert read_bank(bank.root)[2] == []
    assert len(validate(bank.root, bank.seeds)) == 1


def test_missing_bank_root(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    assert validate(missing, tmp_path) == [BankError(str(missing), None, None, "no such directory")]


def test_bank_root_without_sources(tmp_path: Path) -> None:
    errors = validate(tmp_path, tmp_path)
    assert [(e.file, e.item_id, e.field) for e in errors] == [(str(tmp_path), None, None)]
    assert "no source folders" in errors[0].message


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run `python -m quiz.bank.validate` from the project root."""
    return subprocess.run(
        [sys.executable, "-m", "quiz.bank.validate", *map(str, args)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_ok(tmp_path: Path) -> None:
    bank = write_bank(tmp_path, fixture())
    result = run_cli(bank.root, "--seeds", bank.seeds)
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "8 items in 1 sources: OK\n",
        "",
    )


def test_cli_finds_default_seeds_beside_the_bank(tmp_path: Path) -> None:
    bank = write_bank(tmp_path, fixture())
    assert run_cli(bank.folder).returncode == 0
    assert run_cli(bank.root).returncode == 0


def test_cli_lists_every_error_and_fails(tmp_path: Path) -> None:
    data = fixture()
    change("q-mcq", answer="Erin")(data)
    change("q-cloze", text="no blank")(data)
    bank = write_bank(tmp_path, data)
    result = run_cli(bank.root, "--seeds", bank.seeds)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{bank.file('alpha.toml')}: q-mcq: answer: 'Erin' is not one of the options",
        f"{bank.file('beta.toml')}: q-cloze: text: no blank: write at least one {{{{answer}}}}",
        "2 errors",
    ]


def test_cli_missing_path_fails(tmp_path: Path) -> None:
    result = run_cli(tmp_path / "nope", "--seeds", tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == "1 error"


def test_missing_topic_file_or_seed_keeps_the_source_and_its_items(tmp_path: Path) -> None:
    data = fixture()
    declare_gamma(data)
    bank = write_bank(tmp_path, data)
    sources, items, errors = read_bank(bank.root, bank.seeds)
    assert (len(sources), len(items), len(errors)) == (1, 8, 1)
    sources, items, errors = read_bank(bank.root, tmp_path / "no-seeds")
    assert (len(sources), len(items), len(errors)) == (1, 8, 2)


def test_malformed_source_file_yields_no_source_and_no_items(tmp_path: Path) -> None:
    data = fixture()
    set_source(slug="other")(data)
    bank = write_bank(tmp_path, data)
    assert read_source(bank.folder, bank.seeds)[:2] == (None, [])


NOTES = """# Doubtful spots

## sample (`seeds/sample.txt`)

### Doubtful passages (no item quotes them; checked)

| where | the text | why it is doubtful | what the bank does |
| --- | --- | --- | --- |
| First paragraph | “a paper tiger” | a doubtful phrase | no quote |

### Slips and loose wording (quoted as they stand)

| where | the text | the slip | what no item does |
| --- | --- | --- | --- |
| First paragraph | “The treaty was signed” | a slip | nothing |

## other (`seeds/other.txt`)

### Doubtful passages

| where | the text | why | what |
| --- | --- | --- | --- |
| Elsewhere | “in 1999 by Alice” | another source's spot | nothing |
"""


def write_notes(bank: Bank, text: str = NOTES) -> Path:
    """Write the bank's NOTES.md and return its path."""
    notes = bank.root / "NOTES.md"
    notes.write_text(text, encoding="utf-8")
    return notes


def test_doubtful_spots_are_read_from_the_sources_doubtful_table_only(tmp_path: Path) -> None:
    notes = write_notes(write_bank(tmp_path, fixture()))
    assert doubtful_spots(notes, "sample") == ["a paper tiger"]
    assert doubtful_spots(notes, "other") == ["in 1999 by Alice"]
    assert doubtful_spots(tmp_path / "missing.md", "sample") == []


def test_an_item_quoting_a_doubtful_spot_fails_and_is_left_out(tmp_path: Path) -> None:
    data = fixture()
    change("q-mcq", source={"quote": "Critics called it “a paper tiger”"})(data)
    bank = write_bank(tmp_path, data)
    write_notes(bank)
    sources, items, errors = read_bank(bank.root, bank.seeds)
    assert errors == [
        BankError(
            bank.file("alpha.toml"),
            "q-mcq",
            "source.quote",
            "quotes “a paper tiger”, a doubtful passage listed in NOTES.md",
        )
    ]
    assert "q-mcq" not in [i.id for i in items]


def test_a_quote_sharing_one_word_with_a_doubtful_spot_fails(tmp_path: Path) -> None:
    data = fixture()
    change("q-mcq", source={"quote": "Critics called it “a"})(data)
    bank = write_bank(tmp_path, data)
    write_notes(bank)
    assert [(e.item_id, e.field) for e in validate(bank.root, bank.seeds)] == [
        ("q-mcq", "source.quote")
    ]


def test_a_quote_next_to_a_doubtful_spot_passes(tmp_path: Path) -> None:
    data = fixture()
    change("q-mcq", source={"quote": "Critics called it"})(data)
    bank = write_bank(tmp_path, data)
    write_notes(bank)
    assert validate(bank.root, bank.seeds) == []


def test_a_doubtful_spot_not_in_the_seed_is_an_error_of_notes(tmp_path: Path) -> None:
    bank = write_bank(tmp_path, fixture())
    notes = write_notes(bank, NOTES.replace("“a paper tiger”", "“a paper lion”"))
    assert validate(bank.root, bank.seeds) == [
        BankError(
            str(notes),
            None,
            None,
            "doubtful spot “a paper lion” of sample is not found in sample.txt",
        )
    ]


def test_the_real_notes_list_the_spots_the_bank_must_not_teach() -> None:
    spots = doubtful_spots(PROJECT_ROOT / "question_bank" / "NOTES.md", "china-and-nato")
    assert "This act triggered" in spots
    assert "little interaction during the six decades following the Alliance’s creation" in spots
    assert "censored" in spots
    real = read_bank(PROJECT_ROOT / "question_bank", PROJECT_ROOT / "seeds")
    assert real[2] == []


ALIASES = """
[[aliases]]
answer = "Bob Jones"
also = ["Jones Bob", "Mr Bob Jones"]

[[aliases]]
answer = "Alice Smith"
also = ["Smith Alice"]
"""


def test_aliases_are_attached_to_the_typed_items_that_accept_their_answer(tmp_path: Path) -> None:
    data = fixture()
    data["raw"]["_aliases.toml"] = ALIASES
    bank = write_bank(tmp_path, data)
    sources, items, errors = read_bank(bank.root, bank.seeds)
    assert errors == []
    by_id = {i.id: i for i in items}
    assert by_id["q-short"].payload["aliases"] == {"Bob Jones": ["Jones Bob", "Mr Bob Jones"]}
    assert by_id["q-cloze"].payload["aliases"] == [{}, {"Alice Smith": ["Smith Alice"]}]
    assert "aliases" not in by_id["q-mcq"].payload
    assert grade("short", by_id["q-short"].payload, "Mr Bob Jones").correct
    assert grade("cloze", by_id["q-cloze"].payload, ["1999", "Smith Alice"]).correct


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[aliases]]\nanswer = "Carol"\nalso = ["Caroline"]\n',
            "'Carol' is not an accepted answer of any short or cloze item",
        ),
        (
            '[[aliases]]\nanswer = "Bob Jones"\nalso = ["bob  jones."]\n',
            "'Bob Jones': alias 'bob  jones.' repeats the answer or another alias",
        ),
        ('[[aliases]]\nanswer = "Bob Jones"\nalso = []\n', "'Bob Jones': also must be a non-empty"),
        (
            '[[aliases]]\nanswer = "Bob Jones"\nalso = ["Jones Bob"]\nnote = "x"\n',
            "entry 1: unknown field 'note'",
        ),
        ('[[aliases]]\nalso = ["Jones Bob"]\n', "entry 1: answer: required field missing"),
        ('aliases = "Bob"\n', "must be an array of [[aliases]] tables"),
    ],
    ids=["unused", "repeats", "empty", "unknown-key", "no-answer", "not-tables"],
)
def test_alias_file_errors(tmp_path: Path, text: str, message: str) -> None:
    data = fixture()
    data["raw"]["_aliases.toml"] = text
    bank = write_bank(tmp_path, data)
    errors = validate(bank.root, bank.seeds)
    assert [(e.file, e.item_id, e.field) for e in errors] == [
        (bank.file("_aliases.toml"), None, "aliases")
    ], "\n".join(map(str, errors))
    assert errors[0].message.startswith(message)
