"""GIFT, Moodle's plain-text format: written for every type it holds, read as Moodle reads it.

Reading follows Moodle's own parser (question/format/gift/format.php): `//` comment lines,
questions separated by blank lines, `$CATEGORY: a/b`, `::title::`, a `[html]`,
`[markdown]`, `[moodle]` or `[plain]` text format, the answer block `{...}` with
`=right ~wrong`, `%weight%` (negative too), `#feedback` and `####general feedback`, and
the escapes `\\~ \\= \\# \\{ \\} \\: \\\\ \\n`. The type is decided in Moodle's order: no
braces is a description and `{}` an essay (both skipped: nothing here holds them); a
block starting with `#` is numeric (`1999`, `1999:2`, `1990..2000`, or several `=`
answers); any `~` makes a multiple choice (one right answer: mcq; several weighted
ones: multi); `=` with `->` is matching; `T`, `TRUE`, `F`, `FALSE` true/false; anything
else a short answer. Text after the block makes a missing-word question: a short answer
there becomes a cloze, a choice keeps the blank as `_____` in its prompt.

Per-answer feedback is read and left out (this app has none); only the full-marks
answers of a short answer or a numeric question are kept.
"""

from __future__ import annotations

import re

from quiz.bank.schema import format_number
from quiz.formats.portable import (
    Draft,
    FormatError,
    Parsed,
    Problem,
    Question,
    Skipped,
    apply_meta,
    dump_meta,
    feedback_text,
    html_to_text,
    percent,
    ranks,
    read_meta,
    split_feedback,
)

TYPES = ("mcq", "multi", "true_false", "short", "numeric", "matching")
NOT_HELD = {
    "ordering": "GIFT has no ordering question",
    "cloze": "GIFT holds one blank at most, with no prompt of its own",
}
_SPECIAL = "\\~=#{}:"
# Escaped characters stand in the text as private-use characters while it is parsed.
_HOLD = {char: chr(0xE000 + index) for index, char in enumerate(_SPECIAL)}
_NEWLINE = chr(0xE010)
_RESTORE = {value: key for key, value in _HOLD.items()} | {_NEWLINE: "\n"}
_FORMAT = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]", re.I)
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_RANGE = re.compile(rf"^({_NUMBER})\.\.({_NUMBER})$")
_TOLERANCE = re.compile(rf"^({_NUMBER})(?::({_NUMBER}))?$")


def escape(text: str) -> str:
    """Escape a text for GIFT: the special characters and new lines."""
    text = "".join("\\" + char if char in _SPECIAL else char for char in text)
    return text.replace("\r\n", "\n").replace("\n", "\\n")


def _category(question: Question) -> str:
    names = (question.source_title, question.topic_title)
    return "$course$/" + "/".join(name.replace("/", "//") for name in names)


def export(questions: list[Question]) -> tuple[str, list[Question]]:
    """Write questions as GIFT.

    Args:
        questions: The questions, in the order to write them.

    Returns:
        `(text, not_exported)`: the GIFT text, and the questions of a type GIFT cannot
        hold (ordering, cloze), which the text also lists in a comment at the top.
    """
    held = [q for q in questions if q.type in TYPES]
    left_out = [q for q in questions if q.type not in TYPES]
    lines = [f"// {len(held)} questions exported from quiz."]
    for q in left_out:
        lines.append(f"// Not exported: {q.key} ({q.type}: {NOT_HELD[q.type]}).")
    category = None
    for q in held:
        if _category(q) != category:
            category = _category(q)
            lines += ["", f"$CATEGORY: {category}"]
        general = feedback_text(q.explanation, q.quote)
        tail = f"####{escape(general)}" if general else ""
        lines += [
            "",
            f"// {dump_meta(q.meta)}",
            f"::{escape(q.name)}::{escape(q.prompt)} {{{_answers(q)}{tail}}}",
        ]
    return "\n".join(lines) + "\n", left_out


def _answers(q: Question) -> str:
    p = q.payload
    if q.type == "mcq":
        return " ".join(("=" if o == p["answer"] else "~") + escape(o) for o in p["options"])
    if q.type == "multi":
        return " ".join(f"~%{percent(f)}%{escape(o)}" for o, f in ranks("multi", p).items())
    if q.type == "true_false":
        return "TRUE" if p["answer"] else "FALSE"
    if q.type == "short":
        return " ".join("=" + escape(a) for a in p["answers"])
    if q.type == "numeric":
        return f"#{format_number(p['answer'])}:{format_number(p['tolerance'])}"
    return " ".join(f"={escape(left)} -> {escape(right)}" for left, right in p["pairs"])


def _hold_escapes(line: str) -> str:
    out, index = [], 0
    while index < len(line):
        char = line[index]
        following = line[index + 1] if index + 1 < len(line) else ""
        if char == "\\" and following in _HOLD:
            out.append(_HOLD[following])
            index += 2
        elif char == "\\" and following == "n":
            out.append(_NEWLINE)
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)


def _restore(text: str) -> str:
    return "".join(_RESTORE.get(char, char) for char in text)


def _chunks(text: str) -> list[tuple[int, list[str], list[str]]]:
    """Split a file into questions: (first line number, lines, meta comments before it)."""
    chunks: list[tuple[int, list[str], list[str]]] = []
    start, lines, metas = 0, [], []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("//"):
            metas.append(line[2:])
            continue
        if not line:
            if lines:
                chunks.append((start, lines, metas))
            if lines or not metas:
                lines, metas = [], []
            continue
        if not lines:
            start = number
        lines.append(_hold_escapes(raw.rstrip()))
    if lines:
        chunks.append((start, lines, metas))
    return chunks


def parse(text: str) -> Parsed:
    """Read a GIFT file.

    Args:
        text: The file's text.

    Returns:
        The drafts found, each with its line and category, and the questions skipped.

    Raises:
        FormatError: listing every question that cannot be read, by line.
    """
    parsed, problems, category = Parsed(), [], ""
    for line, lines, metas in _chunks(text.lstrip("\ufeff")):
        if lines[0].lstrip().startswith("$CATEGORY:"):
            category = _restore(lines[0].split("$CATEGORY:", 1)[1]).strip()
            lines = lines[1:]
            line += 1
            if not lines:
                continue
        try:
            found = _question(line, lines)
        except ValueError as error:
            problems.append(Problem(line, str(error)))
            continue
        if isinstance(found, Skipped):
            parsed.skipped.append(found)
            continue
        found.category = category
        for meta in filter(None, map(read_meta, metas)):
            apply_meta(found, meta)
        parsed.drafts.append(found)
    if problems:
        raise FormatError(problems)
    return parsed


def _text(raw: str, markup: str) -> str:
    """Turn held GIFT text into plain text in its format."""
    if markup == "html":
        return html_to_text(_restore(raw))
    if markup != "markdown":
        raw = " ".join(part.strip() for part in raw.split("\n"))
    return _restore(raw).strip()


def _question(line: int, lines: list[str]) -> Draft | Skipped:
    body = "\n".join(lines).strip()
    name = ""
    if body.startswith("::"):
        end = body.find("::", 2)
        if end < 0:
            raise ValueError("the title opened with :: is never closed with ::")
        name, body = _restore(body[2:end]).strip(), body[end + 2 :].strip()
    markup = "moodle"
    fmt = _FORMAT.match(body)
    if fmt:
        markup, body = fmt.group(1).lower(), body[fmt.end() :]
    opening = body.find("{")
    if opening < 0:
        if "}" in body:
            raise ValueError("a } closes an answer block that was never opened with {")
        return Skipped(line, name, "a description (no answer block): nothing to grade")
    closing = body.find("}", opening)
    if closing < 0:
        raise ValueError("the answer block opened with { is never closed with }")
    before, block, after = body[:opening], body[opening + 1 : closing], body[closing + 1 :]
    if "{" in block or "{" in after or "}" in after:
        raise ValueError("one answer block per question: escape other braces as \\{ and \\}")
    general = ""
    if "####" in block:
        block, general = block.split("####", 1)
    block = block.strip()
    if not block:
        return Skipped(line, name, "an essay: nothing here grades free writing")
    explanation, quote = split_feedback(_text(general, markup))
    missing_word = bool(after.strip())
    prompt = _text(before, markup)
    if missing_word:
        prompt = f"{prompt} _____ {_text(after, markup)}".strip()
    draft = Draft(line, name or prompt[:60], "short", prompt, {}, explanation, quote)
    if block.startswith("#"):
        draft.type, draft.raw = "numeric", _numeric(block[1:])
    elif "~" in block:
        _choice(draft, _answers_of(block, markup))
    elif "=" in block and "->" in block:
        draft.type, draft.raw = "matching", {"pairs": _pairs(block, markup)}
    elif re.fullmatch(r"(?i)(t|true|f|false)", block.split("#", 1)[0].strip()):
        draft.type = "true_false"
        draft.raw = {"answer": block.split("#", 1)[0].strip().lower() in ("t", "true")}
    else:
        accepted = [text for weight, text in _answers_of(block, markup) if weight >= 100]
        if not accepted:
            raise ValueError("a short answer needs an answer with full marks (=answer)")
        draft.raw = {"answers": accepted}
        if missing_word:
            blank = "{{" + "|".join(accepted) + "}}"
            draft.type, draft.raw = "cloze", {"text": prompt.replace("_____", blank, 1)}
            draft.prompt = "Fill in the blank."
    return draft


def _answers_of(block: str, markup: str) -> list[tuple[float, str]]:
    """Split an answer block into (weight in percent, text) pairs, feedback dropped."""
    answers = []
    for mark, raw in re.findall(r"([=~])([^=~]*)", block):
        raw = raw.strip()
        weight = 100.0 if mark == "=" else 0.0
        found = _WEIGHT.match(raw)
        if found:
            weight, raw = float(found.group(1)), raw[found.end() :]
            if not -100 <= weight <= 100:
                raise ValueError(f"weight {found.group(1)}% is outside -100% to 100%")
        text = _text(raw.split("#", 1)[0], markup)
        if not text:
            raise ValueError("an answer is empty")
        answers.append((weight, text))
    if re.sub(r"[=~][^=~]*", "", block).strip():
        raise ValueError("text before the first answer: start each answer with = or ~")
    return answers


def _choice(draft: Draft, answers: list[tuple[float, str]]) -> None:
    options = [text for _, text in answers]
    right = [text for weight, text in answers if weight > 0]
    if not right:
        raise ValueError("no right answer: mark one with = or a positive %weight%")
    if len(right) == 1 and max(weight for weight, _ in answers) >= 100:
        draft.type, draft.raw = "mcq", {"options": options, "answer": right[0]}
    else:
        draft.type, draft.raw = "multi", {"options": options, "answers": right}


def _pairs(block: str, markup: str) -> list[dict[str, str]]:
    pairs = []
    for _, raw in re.findall(r"(=)([^=]*)", block):
        left, arrow, right = raw.split("#", 1)[0].partition("->")
        if not arrow:
            raise ValueError("each pair of a matching question is written =left -> right")
        if left.strip():  # an empty left is an extra wrong answer, which nothing here shows
            pairs.append({"left": _text(left, markup), "right": _text(right, markup)})
    return pairs


def _numeric(block: str) -> dict:
    entries = re.findall(r"=([^=]*)", block) if "=" in block else [block]
    best: tuple[float, float, float] | None = None
    for entry in entries:
        entry = _restore(entry.split("#", 1)[0]).strip()
        weight = 100.0
        found = _WEIGHT.match(entry)
        if found:
            weight, entry = float(found.group(1)), entry[found.end() :].strip()
        span, single = _RANGE.match(entry), _TOLERANCE.match(entry)
        if span:
            low, high = sorted((float(span.group(1)), float(span.group(2))))
            value, tolerance = (low + high) / 2, (high - low) / 2
        elif single:
            value, tolerance = float(single.group(1)), float(single.group(2) or 0)
        else:
            raise ValueError(f"'{entry}' is not a number, number:tolerance or low..high")
        if best is None or weight > best[0]:
            best = (weight, value, abs(tolerance))
    if best is None or best[0] < 100:
        raise ValueError("a numeric question needs an answer with full marks")
    _, value, tolerance = best
    return {"answer": _whole(value), "tolerance": _whole(tolerance)}


def _whole(value: float) -> float | int:
    return int(value) if value.is_integer() else value
