"""CSV (one row per question) and Quizlet-style text (term TAB definition per line).

CSV columns, in this order (`COLUMNS`); a cell holding a list has one entry per line.

- id: the question's id (exported; ignored on import).
- source, topic: the source and topic slugs; on import `topic` chooses the topic.
- kind: event, person, position, organization or concept.
- type: mcq, multi, true_false, short, numeric, matching, ordering or cloze.
- difficulty: 1, 2 or 3.
- prompt: the question.
- options: mcq and multi: every option; matching: `left -> right` per pair; ordering:
  the items in the right order.
- answers: mcq: the right option; multi: the right options; true_false: true or false;
  short: every accepted answer; numeric: the number; cloze: the text with `{{answer}}`
  blanks.
- tolerance, unit: numeric only.
- match: short only: exact, or name (small typos in names accepted).
- explanation, quote: why the answer is right; the sentence of the article that proves it.
"""

from __future__ import annotations

import csv
import io

from quiz.bank.schema import format_number
from quiz.formats.portable import Draft, FormatError, Parsed, Problem, Question

COLUMNS = (
    "id",
    "source",
    "topic",
    "kind",
    "type",
    "difficulty",
    "prompt",
    "options",
    "answers",
    "tolerance",
    "unit",
    "match",
    "explanation",
    "quote",
)
_REQUIRED = {"type", "prompt", "answers"}


def _cells(q: Question) -> dict[str, str]:
    p, cells = q.payload, {}
    if q.type in ("mcq", "multi"):
        cells["options"] = "\n".join(p["options"])
        cells["answers"] = p["answer"] if q.type == "mcq" else "\n".join(p["answers"])
    elif q.type == "true_false":
        cells["answers"] = "true" if p["answer"] else "false"
    elif q.type == "short":
        cells["answers"], cells["match"] = "\n".join(p["answers"]), p["match"]
    elif q.type == "numeric":
        cells["answers"] = format_number(p["answer"])
        cells["tolerance"] = format_number(p["tolerance"])
        cells["unit"] = p.get("unit") or ""
    elif q.type == "matching":
        cells["options"] = "\n".join(f"{left} -> {right}" for left, right in p["pairs"])
    elif q.type == "ordering":
        cells["options"] = "\n".join(p["items"])
    else:
        cells["answers"] = p["text"]
    return cells


def export_csv(questions: list[Question]) -> str:
    """Write questions as CSV, one row per question, with a header row of `COLUMNS`."""
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for q in questions:
        row = {
            "id": q.key,
            "source": q.source_slug,
            "topic": q.topic_slug,
            "kind": q.kind,
            "type": q.type,
            "difficulty": str(q.difficulty),
            "prompt": q.prompt,
            "explanation": q.explanation,
            "quote": q.quote,
        }
        writer.writerow(row | _cells(q))
    return out.getvalue()


def _lines(cell: str) -> list[str]:
    return [line.strip() for line in cell.splitlines() if line.strip()]


def _number(cell: str, column: str):
    try:
        value = float(cell.replace(",", "").strip())
    except ValueError:
        raise ValueError(f"{column}: '{cell}' is not a number") from None
    return int(value) if value.is_integer() else value


def _raw(type_: str, row: dict[str, str]) -> dict:
    options, answers = row.get("options") or "", row.get("answers") or ""
    if type_ == "mcq":
        return {"options": _lines(options), "answer": answers.strip()}
    if type_ == "multi":
        return {"options": _lines(options), "answers": _lines(answers)}
    if type_ == "true_false":
        value = answers.strip().lower()
        if value not in ("true", "false"):
            raise ValueError("answers: write true or false")
        return {"answer": value == "true"}
    if type_ == "short":
        return {"answers": _lines(answers), "match": (row.get("match") or "exact").strip()}
    if type_ == "numeric":
        raw = {"answer": _number(answers, "answers")}
        if (row.get("tolerance") or "").strip():
            raw["tolerance"] = _number(row["tolerance"], "tolerance")
        if (row.get("unit") or "").strip():
            raw["unit"] = row["unit"].strip()
        return raw
    if type_ == "matching":
        pairs = []
        for line in _lines(options):
            left, arrow, right = line.partition("->")
            if not arrow:
                raise ValueError(f"options: write each pair as left -> right ('{line}')")
            pairs.append({"left": left.strip(), "right": right.strip()})
        return {"pairs": pairs}
    if type_ == "ordering":
        return {"items": _lines(options)}
    if type_ == "cloze":
        return {"text": answers.strip()}
    raise ValueError(
        f"type: '{type_}' is not one of mcq, multi, true_false, short, "
        "numeric, matching, ordering, cloze"
    )


def parse_csv(text: str) -> Parsed:
    """Read a CSV written with `COLUMNS` (any order; id, source and unused columns optional).

    Raises:
        FormatError: the header lacks a column, or rows cannot be read (each by its line).
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = set(reader.fieldnames or ())
    missing = sorted(_REQUIRED - header)
    if missing:
        raise FormatError([Problem(1, f"the header has no column {', '.join(missing)}")])
    parsed, problems = Parsed(), []
    line = reader.line_num + 1
    for row in reader:
        try:
            if None in row:
                raise ValueError("more cells than the header has columns")
            type_ = (row.get("type") or "").strip()
            draft = Draft(
                line,
                (row.get("id") or "").strip() or f"row {line}",
                type_,
                (row.get("prompt") or "").strip(),
                _raw(type_, row),
                (row.get("explanation") or "").strip(),
                (row.get("quote") or "").strip(),
                (row.get("topic") or "").strip(),
            )
            draft.kind = (row.get("kind") or "").strip() or None
            difficulty = (row.get("difficulty") or "").strip()
            if difficulty:
                if not difficulty.isdigit():
                    raise ValueError(f"difficulty: '{difficulty}' is not 1, 2 or 3")
                draft.difficulty = int(difficulty)
            parsed.drafts.append(draft)
        except ValueError as error:
            problems.append(Problem(line, str(error)))
        line = reader.line_num + 1
    if problems:
        raise FormatError(problems)
    return parsed


def export_quizlet(questions: list[Question]) -> str:
    """Write each flashcard as `front TAB back`, one per line (tabs and new lines become spaces)."""

    def flat(text: str, joiner: str) -> str:
        return joiner.join(
            part.strip() for part in text.replace("\t", " ").splitlines() if part.strip()
        )

    return "".join(f"{flat(q.card_front, ' ')}\t{flat(q.card_back, '; ')}\n" for q in questions)


def parse_quizlet(text: str) -> Parsed:
    """Read Quizlet-style text: each line a term, a TAB, and its definition (a short answer).

    Raises:
        FormatError: a line has no tab, or an empty side (each by its line).
    """
    parsed, problems = Parsed(), []
    for line, raw in enumerate(text.lstrip("\ufeff").splitlines(), 1):
        if not raw.strip():
            continue
        term, tab, definition = raw.partition("\t")
        if not tab:
            problems.append(Problem(line, "no tab between the term and its definition"))
        elif not term.strip() or not definition.strip():
            problems.append(Problem(line, "the term or its definition is empty"))
        else:
            parsed.drafts.append(
                Draft(
                    line,
                    term.strip()[:60],
                    "short",
                    term.strip(),
                    {"answers": [definition.strip()]},
                )
            )
    if problems:
        raise FormatError(problems)
    return parsed
