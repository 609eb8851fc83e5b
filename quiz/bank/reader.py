"""Read the question bank's TOML files into sources and items, reporting every problem.

Reading is tolerant: a broken file or item yields `BankError`s and reading goes
on, so one run reports everything. The items returned are only those free of
errors (their own, their file's and their source's `_source.toml`'s); a caller
that stores items must still refuse to do so when any error is returned.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from quiz.bank.leaks import giveaways
from quiz.bank.schema import (
    KINDS,
    STEPS,
    TYPE_FIELDS,
    TYPES,
    BankError,
    Issue,
    Item,
    Payload,
    Source,
    Topic,
    answer_text,
    default_front,
    is_slug,
    join_quotes,
    parse_payload,
)
from quiz.bank.text import locate_quote, normalize, overlaps, paragraphs, quote_spans
from quiz.core.grading import attach_aliases, normalize_answer

SOURCE_FILE = "_source.toml"
ALIASES_FILE = "_aliases.toml"
NOTES_FILE = "NOTES.md"
ALIAS_KEYS = ("answer", "also")
_SPOT = re.compile(r"“([^”]+)”")
SOURCE_KEYS = ("slug", "title", "seed", "citation")
TOPIC_KEYS = ("slug", "title", "summary")
COMMON_FIELDS = ("id", "kind", "type", "difficulty", "fact", "prompt", "explanation")
TABLE_FIELDS = {"source": ("quote",), "card": ("front", "back")}
_ALL_TYPE_FIELDS = tuple(dict.fromkeys(name for names in TYPE_FIELDS.values() for name in names))
_TOML_POSITION = re.compile(r"\s*\((at line \d+, column \d+|at end of document)\)$")


@dataclass
class _SourceState:
    """What reading one source has learned so far, for checks across its items."""

    slug: str
    seed: str | None = None
    seed_paragraphs: list[str] | None = None
    ids: dict[str, tuple[str, int]] = field(default_factory=dict)
    """Item id -> (file name, item number) where it was first used."""
    facts: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    """Fact slug -> (kind, item id, file name) of the first item testing it."""


def read_bank(
    root: Path, seeds_dir: Path | None = None
) -> tuple[list[Source], list[Item], list[BankError]]:
    """Read every source folder of a bank.

    A source folder is a direct subfolder of `root` holding a `_source.toml`;
    a subfolder holding topic files but no `_source.toml` is reported.
    Folders whose name starts with "." or "_" are skipped.

    Args:
        root: The bank's root folder (e.g. `question_bank`).
        seeds_dir: The folder of seed texts; when given, each source's seed
            must exist there and every quote must be found in it.

    Returns:
        `(sources, items, errors)`: the sources and items read without error,
        and every error, sorted by file then order of appearance.
    """
    if not root.is_dir():
        return [], [], [BankError(str(root), None, None, "no such directory")]
    sources: list[Source] = []
    items: list[Item] = []
    errors: list[BankError] = []
    folders = [
        child
        for child in sorted(root.iterdir())
        if child.is_dir() and not child.name.startswith((".", "_"))
    ]
    found = False
    for folder in folders:
        if not (folder / SOURCE_FILE).is_file() and not any(folder.glob("*.toml")):
            continue
        found = True
        source, source_items, source_errors = read_source(folder, seeds_dir)
        if source is not None:
            sources.append(source)
        items += source_items
        errors += source_errors
    if not found:
        errors.append(
            BankError(str(root), None, None, f"no source folders (folders with a {SOURCE_FILE})")
        )
    return sources, items, _sorted(errors)


def read_source(
    folder: Path, seeds_dir: Path | None = None
) -> tuple[Source | None, list[Item], list[BankError]]:
    """Read one source folder: its `_source.toml` and its topic files.

    Args:
        folder: The source folder (e.g. `question_bank/china-and-nato`).
        seeds_dir: The folder of seed texts; when given, the seed must exist
            there and every quote must be found in it.

    Returns:
        `(source, items, errors)`: the source (None when its `_source.toml`
        is missing or malformed; a missing seed or topic file does not
        prevent it), the items read without error of their own or of their
        file (none when the source is None), and every error, sorted by file
        then order of appearance.
    """
    errors: list[BankError] = []
    source_file = folder / SOURCE_FILE
    source: Source | None = None
    declared: list[str] | None = None
    state = _SourceState(slug=folder.name)
    if not source_file.is_file():
        errors.append(
            BankError(
                str(source_file), None, None, f"missing: every source folder needs a {SOURCE_FILE}"
            )
        )
    else:
        data = _load_toml(source_file, errors)
        if data is not None:
            source, declared, state.seed = _parse_source(data, folder, errors)
            _check_seed_and_topic_files(folder, declared, seeds_dir, state, errors)
    items: list[Item] = []
    for path in sorted(folder.glob("*.toml")):
        if path.name not in (SOURCE_FILE, ALIASES_FILE):
            items += _read_topic_file(path, state, declared, errors)
    if source is not None:
        items = _without_doubtful_quotes(folder, state, items, errors)
        items = _with_aliases(folder, items, errors)
        items = _without_giveaways(state, items, errors)
    return source, (items if source is not None else []), _sorted(errors)


def doubtful_spots(notes: Path, slug: str) -> list[str]:
    """Read the doubtful passages that NOTES.md lists for one source.

    They are the “...”-quoted texts in the second column ("the text") of the
    table under a `### Doubtful` heading in the section `## <slug>`.

    Args:
        notes: The bank's NOTES.md (absent: no spots).
        slug: The source's slug.

    Returns:
        The spots, in file order.
    """
    if not notes.is_file():
        return []
    spots: list[str] = []
    in_source = in_doubtful = False
    for line in notes.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            words = line[3:].split()
            in_source, in_doubtful = bool(words) and words[0] == slug, False
        elif line.startswith("### "):
            in_doubtful = in_source and line[4:].startswith("Doubtful")
        elif in_doubtful and line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if len(cells) > 1 and cells[0] != "where" and set(cells[0]) - set("-: "):
                spots += _SPOT.findall(cells[1])
    return spots


def _without_doubtful_quotes(
    folder: Path, state: _SourceState, items: list[Item], errors: list[BankError]
) -> list[Item]:
    """Report (and leave out) every item whose quote shares text with a doubtful spot."""
    if state.seed_paragraphs is None:
        return items
    notes = folder.parent / NOTES_FILE
    spots = doubtful_spots(notes, state.slug)
    for spot in spots:
        if locate_quote(state.seed_paragraphs, spot) is None:
            message = f"doubtful spot “{spot}” of {state.slug} is not found in {state.seed}"
            errors.append(BankError(str(notes), None, None, message))
    normalized = [normalize(paragraph) for paragraph in state.seed_paragraphs]
    spot_spans = {spot: quote_spans(normalized, spot) for spot in spots}
    kept: list[Item] = []
    for item in items:
        spans = [span for quote in item.quotes for span in quote_spans(normalized, quote)]
        hits = [spot for spot in spots if overlaps(spans, spot_spans[spot])]
        for spot in hits:
            message = f"quotes “{spot}”, a doubtful passage listed in {NOTES_FILE}"
            errors.append(BankError(item.file, item.id, "source.quote", message))
        if not hits:
            kept.append(item)
    return kept


def _without_giveaways(
    state: _SourceState, items: list[Item], errors: list[BankError]
) -> list[Item]:
    """Report (and leave out) every item whose prompt gives another item's answer away."""
    if state.seed_paragraphs is None:
        return items
    flagged = set()
    for item, other, answer in giveaways(items, state.seed_paragraphs):
        message = (
            f"gives away the answer of '{other.id}' (“{answer}”), which quotes the same"
            " paragraph: reword the prompt, or give both the same fact if they test one fact"
        )
        errors.append(BankError(item.file, item.id, "prompt", message))
        flagged.add(item.key)
    return [item for item in items if item.key not in flagged]


def _with_aliases(folder: Path, items: list[Item], errors: list[BankError]) -> list[Item]:
    """Read the source's `_aliases.toml` (if any) and attach it to its typed items."""
    path = folder / ALIASES_FILE
    if not path.is_file():
        return items
    file = str(path)
    data = _load_toml(path, errors)
    if data is None:
        return items
    start = len(errors)

    def report(message: str) -> None:
        """Record an error of the alias file."""
        errors.append(BankError(file, None, "aliases", message))

    for key in _extra_keys(data, ("aliases",)):
        errors.append(BankError(file, None, key, _unknown(key, ("aliases",))))
    entries = data.get("aliases")
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        report("must be an array of [[aliases]] tables")
        return items
    table: dict[str, list[str]] = {}
    for number, entry in enumerate(entries, 1):
        label = f"entry {number}"
        for key in _extra_keys(entry, ALIAS_KEYS):
            report(f"{label}: {_unknown(key, ALIAS_KEYS)}")
        answer, message = _required_string(entry, "answer")
        if message:
            report(f"{label}: answer: {message}")
            continue
        label = f"'{answer}'"
        also = entry.get("also")
        if not isinstance(also, list) or not also or not all(isinstance(a, str) for a in also):
            report(f"{label}: also must be a non-empty list of strings")
            continue
        seen = {normalize_answer(answer)}
        if normalize_answer(answer) in {normalize_answer(key) for key in table}:
            report(f"{label} is listed twice")
        for alias in also:
            if not normalize_answer(alias):
                report(f"{label}: an alias is empty")
            elif normalize_answer(alias) in seen:
                report(f"{label}: alias '{alias}' repeats the answer or another alias")
            seen.add(normalize_answer(alias))
        table[answer] = [alias.strip() for alias in also]
    typed = {
        normalize_answer(answer)
        for item in items
        for answer in (
            item.payload["answers"]
            if item.type == "short"
            else [a for blank in item.payload["blanks"] for a in blank]
            if item.type == "cloze"
            else []
        )
    }
    for answer in table:
        if normalize_answer(answer) not in typed:
            report(f"'{answer}' is not an accepted answer of any short or cloze item")
    if len(errors) > start:
        return items
    return [replace(item, payload=attach_aliases(item.type, item.payload, table)) for item in items]


def _sorted(errors: list[BankError]) -> list[BankError]:
    """Sort errors by file, keeping their order of appearance within a file."""
    return sorted(errors, key=lambda error: error.file)


def _load_toml(path: Path, errors: list[BankError]) -> dict[str, Any] | None:
    """Parse a TOML file, recording a syntax error (with its line) instead of raising."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        errors.append(BankError(str(path), None, None, f"not UTF-8 text: {exc.reason}"))
        return None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        errors.append(BankError(str(path), None, None, _syntax_message(str(exc))))
        return None


def _syntax_message(detail: str) -> str:
    """Word a TOML syntax error with its line first: "TOML syntax error at line 3, ..."."""
    position = _TOML_POSITION.search(detail)
    if position is None:
        return f"TOML syntax error: {detail}"
    return f"TOML syntax error {position.group(1)}: {detail[: position.start()]}"


def _seed_paragraphs(path: Path) -> list[str] | None:
    """Read a seed's paragraphs, or None when it cannot be read."""
    try:
        return paragraphs(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


def _parse_source(
    data: dict[str, Any], folder: Path, errors: list[BankError]
) -> tuple[Source | None, list[str], str | None]:
    """Check a `_source.toml`; return the source, the declared topic slugs and the seed."""
    file = str(folder / SOURCE_FILE)
    start = len(errors)

    def report(name: str, message: str) -> None:
        """Record an error of the `_source.toml`."""
        errors.append(BankError(file, None, name, message))

    for key in _extra_keys(data, ("source", "topics")):
        report(key, _unknown(key, ("source", "topics")))
    table = data.get("source")
    values: dict[str, str] = {}
    if table is None:
        report("source", "required table [source] missing")
    elif not isinstance(table, dict):
        report("source", "must be a [source] table")
    else:
        for key in _extra_keys(table, SOURCE_KEYS):
            report(f"source.{key}", _unknown(key, SOURCE_KEYS))
        for key in SOURCE_KEYS:
            value, message = _required_string(table, key)
            if message:
                report(f"source.{key}", message)
            else:
                values[key] = value
        slug = values.get("slug")
        if slug is not None and slug != folder.name:
            report("source.slug", f"'{slug}' does not match the folder name '{folder.name}'")
    topics = _parse_topics(data.get("topics"), report)
    declared = [topic.slug for topic in topics]
    if len(errors) > start:
        return None, declared, values.get("seed")
    source = Source(
        slug=values["slug"],
        title=values["title"],
        seed=values["seed"],
        citation=values["citation"],
        topics=tuple(topics),
    )
    return source, declared, source.seed


def _check_seed_and_topic_files(
    folder: Path,
    declared: list[str],
    seeds_dir: Path | None,
    state: _SourceState,
    errors: list[BankError],
) -> None:
    """Check that the seed and every declared topic file exist; load the seed's paragraphs."""
    file = str(folder / SOURCE_FILE)
    if state.seed is not None and seeds_dir is not None:
        if not (seeds_dir / state.seed).is_file():
            message = f"seed file '{state.seed}' not found in {seeds_dir}"
            errors.append(BankError(file, None, "source.seed", message))
        else:
            state.seed_paragraphs = _seed_paragraphs(seeds_dir / state.seed)
            if state.seed_paragraphs is None:
                message = f"seed file '{state.seed}' is not UTF-8 text"
                errors.append(BankError(file, None, "source.seed", message))
    for slug in declared:
        if not (folder / f"{slug}.toml").is_file():
            errors.append(
                BankError(file, None, "topics", f"topic '{slug}' has no file {slug}.toml")
            )


def _parse_topics(value: Any, report: Callable[[str, str], None]) -> list[Topic]:
    """Check the `[[topics]]` of a `_source.toml` and return the well-formed ones."""
    if value is None:
        report("topics", "no [[topics]] declared")
        return []
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        report("topics", "must be an array of [[topics]] tables")
        return []
    topics: list[Topic] = []
    for number, entry in enumerate(value, 1):
        label = f"topic {number}"
        for key in _extra_keys(entry, TOPIC_KEYS):
            report(f"topics.{key}", f"{label}: {_unknown(key, TOPIC_KEYS)}")
        slug, slug_message = _required_string(entry, "slug")
        if not slug_message and not is_slug(slug):
            slug_message = f"'{slug}' is not a slug (lowercase letters, digits, hyphens)"
        elif not slug_message and slug in {topic.slug for topic in topics}:
            slug_message = f"'{slug}' is declared twice"
        if slug_message:
            report("topics.slug", f"{label}: {slug_message}")
        else:
            label = f"topic '{slug}'"
        title, title_message = _required_string(entry, "title")
        if title_message:
            report("topics.title", f"{label}: {title_message}")
        summary = entry.get("summary", "")
        if not isinstance(summary, str):
            report("topics.summary", f"{label}: must be a string (got {summary!r})")
            summary = ""
        if slug_message:
            continue
        topics.append(Topic(slug=slug, title=title, summary=summary.strip()))
    return topics


def _read_topic_file(
    path: Path, state: _SourceState, declared: list[str] | None, errors: list[BankError]
) -> list[Item]:
    """Read one topic file; return its items when neither they nor the file have errors."""
    file = str(path)
    data = _load_toml(path, errors)
    if data is None:
        return []
    start = len(errors)
    topic = path.stem
    if declared is not None and topic not in declared:
        errors.append(
            BankError(
                file, None, "topic", f"topic file {path.name} is not declared in {SOURCE_FILE}"
            )
        )
    for key in _extra_keys(data, ("topic", "items")):
        errors.append(BankError(file, None, key, _unknown(key, ("topic", "items"))))
    value, message = _required_string(data, "topic")
    if message:
        errors.append(BankError(file, None, "topic", message))
    elif value != topic:
        errors.append(
            BankError(file, None, "topic", f"'{value}' does not match the file name {path.name}")
        )
    raw_items = data.get("items")
    if not raw_items:
        errors.append(BankError(file, None, "items", "no [[items]] in this file"))
        raw_items = []
    elif not isinstance(raw_items, list):
        errors.append(BankError(file, None, "items", "must be an array of [[items]] tables"))
        raw_items = []
    file_ok = len(errors) == start
    items: list[Item] = []
    for index, raw in enumerate(raw_items, 1):
        item = _read_item(raw, index, path, state, errors)
        if item is not None:
            items.append(item)
    return items if file_ok else []


def _read_item(
    raw: Any, index: int, path: Path, state: _SourceState, errors: list[BankError]
) -> Item | None:
    """Check one `[[items]]` table and build its `Item` (None when it has errors)."""
    file = str(path)
    if not isinstance(raw, dict):
        errors.append(BankError(file, None, "items", f"item {index} must be an [[items]] table"))
        return None
    raw_id = raw.get("id")
    item_id = raw_id.strip() if isinstance(raw_id, str) and raw_id.strip() else None
    issues, payload = _item_issues(raw, index, file, state, item_id)
    suffix = "" if item_id else f" (item {index})"
    errors.extend(BankError(file, item_id, name, message + suffix) for name, message in issues)
    if issues or payload is None or item_id is None:
        return None
    type_ = raw["type"].strip()
    prompt = raw.get("prompt", "").strip()
    card = _table(raw, "card")
    return Item(
        source=state.slug,
        topic=path.stem,
        id=item_id,
        kind=raw["kind"].strip(),
        type=type_,
        difficulty=raw["difficulty"],
        fact=raw["fact"].strip(),
        prompt=prompt,
        explanation=raw["explanation"].strip(),
        quote=join_quotes(_quotes(raw["source"], [])),
        payload=payload,
        card_front=card["front"].strip()
        if "front" in card
        else default_front(type_, prompt, payload),
        card_back=card["back"].strip() if "back" in card else answer_text(type_, payload),
        file=file,
    )


def _item_issues(
    raw: dict[str, Any], index: int, file: str, state: _SourceState, item_id: str | None
) -> tuple[list[Issue], Payload | None]:
    """List every problem of one item, in field order, with its canonical payload."""
    issues: list[Issue] = []
    type_ = raw.get("type")
    type_ = type_.strip() if isinstance(type_, str) else type_
    known_type = type_ if type_ in TYPES else None
    issues += _unknown_fields(raw, known_type)

    def string(name: str, required: bool = True, table: dict[str, Any] = raw) -> str | None:
        """Check a string field (`name` may be dotted); return it, or None on an issue."""
        key = name.rpartition(".")[2]
        if key not in table and not required:
            return None
        value, message = _required_string(table, key)
        if message:
            issues.append((name, message))
            return None
        return value

    if item_id is not None and not is_slug(item_id):
        issues.append(("id", f"'{item_id}' is not a slug (lowercase letters, digits, hyphens)"))
    elif item_id is None:
        string("id")
    kind = string("kind")
    if kind is not None and kind not in KINDS:
        issues.append(("kind", f"unknown kind '{kind}' (expected one of: {', '.join(KINDS)})"))
        kind = None
    if string("type") is not None and known_type is None:
        issues.append(("type", f"unknown type '{type_}' (expected one of: {', '.join(TYPES)})"))
    if "difficulty" not in raw:
        issues.append(("difficulty", "required field missing"))
    elif type(raw["difficulty"]) is not int or raw["difficulty"] not in (1, 2, 3):
        issues.append(("difficulty", f"must be 1, 2 or 3 (got {raw['difficulty']!r})"))
    fact = string("fact")
    if fact is not None and not is_slug(fact):
        issues.append(("fact", f"'{fact}' is not a slug (lowercase letters, digits, hyphens)"))
        fact = None
    string("prompt")
    explanation = string("explanation")
    quotes = None
    if isinstance(raw.get("source", {}), dict):  # else reported as written wrongly
        quotes = _quotes(_table(raw, "source"), issues)
    card = _table(raw, "card")
    string("card.front", required=False, table=card)
    string("card.back", required=False, table=card)
    payload = None
    if known_type is not None:
        payload, payload_issues = parse_payload(known_type, raw)
        issues += payload_issues
    if payload and known_type and explanation and _restates(explanation, known_type, payload):
        issues.append(("explanation", "merely restates the answer: say why it is right"))
    if quotes and payload and known_type in STEPS:
        issues += _quote_count_issues(quotes, known_type, payload)
    if quotes and state.seed_paragraphs is not None:
        for number, quote in enumerate(quotes, 1):
            label = f"quote {number}: " if len(quotes) > 1 else ""
            issues += [(name, label + text) for name, text in _quote_issues(quote, state)]
    issues += _cross_issues(item_id, kind, fact, index, file, state)
    return issues, payload


def _cross_issues(
    item_id: str | None,
    kind: str | None,
    fact: str | None,
    index: int,
    file: str,
    state: _SourceState,
) -> list[Issue]:
    """Check an item against the source's earlier items: duplicate ids, sibling kinds."""
    issues: list[Issue] = []
    if item_id is not None:
        if item_id in state.ids:
            first_file, first_index = state.ids[item_id]
            issues.append(
                ("id", f"duplicate id: already used in {first_file} (item {first_index})")
            )
        else:
            state.ids[item_id] = (Path(file).name, index)
    if fact is not None and kind is not None:
        first_kind, first_id, first_file = state.facts.setdefault(
            fact, (kind, item_id or f"item {index}", Path(file).name)
        )
        if first_kind != kind:
            issues.append(
                (
                    "kind",
                    f"siblings disagree on kind: fact '{fact}' is '{first_kind}' in "
                    f"'{first_id}' ({first_file}) but '{kind}' here",
                )
            )
    return issues


def _quotes(table: dict[str, Any], issues: list[Issue]) -> list[str] | None:
    """Read `source.quote`: one string, or a list of strings (one per pair or step)."""
    value = table.get("quote")
    if not isinstance(value, list):
        quote, message = _required_string(table, "quote")
        if message:
            issues.append(("source.quote", message))
            return None
        return [quote]
    if not value:
        issues.append(("source.quote", "an empty list: give at least one quote"))
        return None
    quotes: list[str] = []
    for number, entry in enumerate(value, 1):
        if not isinstance(entry, str) or not entry.strip():
            issues.append(("source.quote", f"quote {number} must be a non-empty string"))
        else:
            quotes.append(entry.strip())
    return quotes if len(quotes) == len(value) else None


def _quote_count_issues(quotes: list[str], type_: str, payload: Payload) -> list[Issue]:
    """Require one quote per pair (matching) or step (ordering), listed in the same order."""
    noun, count = STEPS[type_], len(payload["pairs" if type_ == "matching" else "items"])
    if len(quotes) == count:
        return []
    what = "a single quote" if len(quotes) == 1 else f"{len(quotes)} quotes"
    return [
        (
            "source.quote",
            f"{what} for {count} {noun}s: list one quote per {noun}, in the same order"
            f" (repeat a quote that proves several)",
        )
    ]


def _quote_issues(quote: str, state: _SourceState) -> list[Issue]:
    """Check that a quote is found, within one paragraph, in the source's seed."""
    seed_paragraphs = state.seed_paragraphs or []
    if locate_quote(seed_paragraphs, quote) is not None:
        return []
    whole = normalize(" ".join(seed_paragraphs))
    if normalize(quote) in whole:
        return [("source.quote", f"spans paragraphs of {state.seed}: quote from one paragraph")]
    words = normalize(quote).split(" ")
    found = 0
    while found < len(words):
        if locate_quote(seed_paragraphs, " ".join(words[: found + 1])) is None:
            break
        found += 1
    hint = f" (matches up to '{' '.join(words[max(0, found - 6) : found])}')" if found else ""
    return [("source.quote", f"not found in {state.seed}{hint}")]


def _restates(explanation: str, type_: str, payload: Payload) -> bool:
    """Tell whether an explanation says nothing but the answer itself."""
    answers = [answer_text(type_, payload)]
    if type_ == "short":
        answers += payload["answers"]

    def key(text: str) -> str:
        """Reduce a text to what a comparison should see."""
        return normalize(text).casefold().rstrip(".!").strip()

    return key(explanation) in {key(answer) for answer in answers}


def _unknown_fields(raw: dict[str, Any], type_: str | None) -> list[Issue]:
    """List fields an item does not allow (typos, or another type's fields)."""
    allowed = (
        COMMON_FIELDS + tuple(TABLE_FIELDS) + (TYPE_FIELDS[type_] if type_ else _ALL_TYPE_FIELDS)
    )
    everything = COMMON_FIELDS + ("source.quote", "card.front", "card.back") + _ALL_TYPE_FIELDS
    issues: list[Issue] = []
    for key in raw:
        if key in TABLE_FIELDS:
            if not isinstance(raw[key], dict):
                issues.append((key, f"must be written as {key}.{TABLE_FIELDS[key][0]} = ..."))
                continue
            for sub in raw[key]:
                if sub not in TABLE_FIELDS[key]:
                    issues.append((f"{key}.{sub}", _unknown(f"{key}.{sub}", everything)))
        elif key not in allowed:
            if type_ and key in _ALL_TYPE_FIELDS:
                issues.append((key, f"unknown field '{key}' for type {type_}"))
            else:
                issues.append((key, _unknown(key, everything)))
    return issues


def _table(raw: dict[str, Any], key: str) -> dict[str, Any]:
    """Return a dotted-key table of an item, or an empty one when absent or malformed."""
    value = raw.get(key, {})
    return value if isinstance(value, dict) else {}


def _unknown(key: str, known: tuple[str, ...]) -> str:
    """Word an unknown-field message, suggesting the closest known field."""
    close = difflib.get_close_matches(key, known, n=1)
    return f"unknown field '{key}'" + (f" (did you mean '{close[0]}'?)" if close else "")


def _required_string(table: dict[str, Any], key: str) -> tuple[str, str | None]:
    """Read a required non-empty string: `(value, None)` or `("", message)`."""
    if key not in table:
        return "", "required field missing"
    value = table[key]
    if not isinstance(value, str):
        return "", f"must be a string (got {value!r})"
    if not value.strip():
        return "", "must not be empty"
    return value.strip(), None


def _extra_keys(table: dict[str, Any], known: tuple[str, ...]) -> list[str]:
    """List a table's keys that are not known, in file order."""
    return [key for key in table if key not in known]
