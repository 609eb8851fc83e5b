"""Moodle XML: every question type written as Moodle's own, and read back with defusedxml.

Written: mcq and multi as `multichoice` (a multi's right options +1/k and wrong ones
-1/k, which is this app's own partial credit), `truefalse`, `shortanswer`, `numerical`
(tolerance, unit), `matching`, `ordering` (the qtype_ordering plugin, graded on every
pair's relative order: RELATIVE_ALL_PREVIOUS_AND_NEXT) and cloze as `cloze`
(multianswer, one SHORTANSWER per blank). Categories come from the source and topic;
the explanation and the quote go in the general feedback; kind, difficulty and a short
answer's name matching in the tags.

Read: the same types (and `multianswer`), `category` entries; `essay` and `description`
are skipped. The parser refuses a DTD (so every entity, external or not), and its
caller limits the size.
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree as ET

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from quiz.bank.schema import format_number
from quiz.formats.portable import (
    Draft,
    FormatError,
    Parsed,
    Problem,
    Question,
    Skipped,
    feedback_text,
    html_to_text,
    percent,
    ranks,
    split_feedback,
    text_to_html,
)

_CLOZE_SPECIAL = '}#~/"\\'
_BLANK = re.compile(r"\{\{([^{}]*)\}\}")
_EMBEDDED = re.compile(r"\{(\d*):([A-Z_]+):((?:\\.|[^\\}])*)\}")
_SHORT = ("SA", "SHORTANSWER", "SHORTANSWER_C", "SAC", "MW", "NUMERICAL", "NM")
_SKIP = {
    "essay": "an essay: nothing here grades free writing",
    "description": "a description: nothing to grade",
}


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        ET.SubElement(element, "text").text = text
    return element


def _category_path(q: Question) -> str:
    names = (q.source_title, q.topic_title)
    return "$course$/top/" + "/".join(name.replace("/", "//") for name in names)


def export(questions: list[Question]) -> bytes:
    """Write questions as a Moodle XML file.

    Args:
        questions: The questions, in the order to write them.

    Returns:
        The UTF-8 XML document.
    """
    root = ET.Element("quiz")
    category = None
    for q in questions:
        if _category_path(q) != category:
            category = _category_path(q)
            entry = ET.SubElement(root, "question", type="category")
            _sub(entry, "category", category)
        root.append(_question(q))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


_XML_TYPE = {
    "mcq": "multichoice",
    "multi": "multichoice",
    "true_false": "truefalse",
    "short": "shortanswer",
    "numeric": "numerical",
    "matching": "matching",
    "ordering": "ordering",
    "cloze": "cloze",
}


def _question(q: Question) -> ET.Element:
    element = ET.Element("question", type=_XML_TYPE[q.type])
    _sub(element, "name", q.name)
    text = text_to_html(q.prompt)
    if q.type == "cloze":
        text += text_to_html(_embed(q.payload))
    _sub(element, "questiontext", text, format="html")
    _sub(
        element,
        "generalfeedback",
        text_to_html(feedback_text(q.explanation, q.quote)),
        format="html",
    )
    ET.SubElement(element, "defaultgrade").text = "1"
    ET.SubElement(element, "penalty").text = "0"
    ET.SubElement(element, "hidden").text = "0"
    ET.SubElement(element, "idnumber").text = q.key[:100]
    _ANSWERS[q.type](element, q.payload)
    tags = ET.SubElement(element, "tags")
    names = [f"kind:{q.kind}", f"difficulty:{q.difficulty}", f"topic:{q.topic_slug}"]
    if q.type == "short" and q.payload.get("match") == "name":
        names.append("match:name")
    for name in names:
        _sub(tags, "tag", name)
    return element


def _answer(parent: ET.Element, fraction: str, text: str, fmt: str = "html") -> ET.Element:
    answer = _sub(parent, "answer", text, fraction=fraction, format=fmt)
    _sub(answer, "feedback", "", format="html")
    return answer


def _choices(element: ET.Element, p: dict[str, Any]) -> None:
    multi = "answers" in p
    ET.SubElement(element, "single").text = "false" if multi else "true"
    ET.SubElement(element, "shuffleanswers").text = "true"
    ET.SubElement(element, "answernumbering").text = "abc"
    fractions = ranks("multi", p) if multi else {o: float(o == p["answer"]) for o in p["options"]}
    for option, fraction in fractions.items():
        _answer(element, percent(fraction), text_to_html(option))


def _true_false(element: ET.Element, p: dict[str, Any]) -> None:
    _answer(element, "100" if p["answer"] else "0", "true", "moodle_auto_format")
    _answer(element, "0" if p["answer"] else "100", "false", "moodle_auto_format")


def _short(element: ET.Element, p: dict[str, Any]) -> None:
    ET.SubElement(element, "usecase").text = "0"
    for accepted in p["answers"]:
        _answer(element, "100", accepted, "moodle_auto_format")


def _numeric(element: ET.Element, p: dict[str, Any]) -> None:
    answer = _answer(element, "100", format_number(p["answer"]), "moodle_auto_format")
    ET.SubElement(answer, "tolerance").text = format_number(p["tolerance"])
    if p.get("unit"):
        unit = ET.SubElement(ET.SubElement(element, "units"), "unit")
        ET.SubElement(unit, "multiplier").text = "1"
        ET.SubElement(unit, "unit_name").text = p["unit"]
        ET.SubElement(element, "unitgradingtype").text = "0"
        ET.SubElement(element, "showunits").text = "3"
        ET.SubElement(element, "unitsleft").text = "0"


def _matching(element: ET.Element, p: dict[str, Any]) -> None:
    ET.SubElement(element, "shuffleanswers").text = "true"
    for left, right in p["pairs"]:
        sub = _sub(element, "subquestion", text_to_html(left), format="html")
        _sub(sub, "answer", right)


def _ordering(element: ET.Element, p: dict[str, Any]) -> None:
    for tag, value in (
        ("layouttype", "VERTICAL"),
        ("selecttype", "ALL"),
        ("selectcount", "0"),
        ("gradingtype", "RELATIVE_ALL_PREVIOUS_AND_NEXT"),
        ("showgrading", "SHOW"),
        ("numberingstyle", "none"),
    ):
        ET.SubElement(element, tag).text = value
    for position, item in enumerate(p["items"], 1):
        _answer(element, f"{position}.0000000", item, "moodle_auto_format")


def _embed(p: dict[str, Any]) -> str:
    """Write a cloze text with Moodle's embedded SHORTANSWER blanks."""

    def code(match: re.Match) -> str:
        accepted = [a.strip() for a in match.group(1).split("|")]
        escaped = ("".join("\\" + c if c in _CLOZE_SPECIAL else c for c in a) for a in accepted)
        return "{1:SHORTANSWER:" + "~".join("=" + a for a in escaped) + "}"

    return _BLANK.sub(code, p["text"])


_ANSWERS = {
    "mcq": _choices,
    "multi": _choices,
    "true_false": _true_false,
    "short": _short,
    "numeric": _numeric,
    "matching": _matching,
    "ordering": _ordering,
    "cloze": lambda element, p: None,
}


def parse(data: bytes) -> Parsed:
    """Read a Moodle XML file, refusing any DTD or entity.

    Args:
        data: The file's bytes (the caller limits their size).

    Returns:
        The drafts found, each with its name and category, and the questions skipped.

    Raises:
        FormatError: the XML is malformed or unsafe, or questions cannot be read
            (each problem named by the question's name).
    """
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise FormatError([Problem(1, f"refused: {_unsafe(error)}")]) from None
    except ET.ParseError as error:
        line = error.position[0] if error.position else 1
        raise FormatError([Problem(line, f"not well-formed XML ({error.msg})")]) from None
    if root.tag != "quiz":
        raise FormatError([Problem(1, "not a Moodle XML file: the root element must be <quiz>")])
    parsed, problems, category = Parsed(), [], ""
    for number, element in enumerate(root.findall("question"), 1):
        kind = element.get("type", "")
        if kind == "category":
            category = _path(_text(element, "category"))
            continue
        name = _text(element, "name").strip() or f"question {number}"
        if kind in _SKIP:
            parsed.skipped.append(Skipped(number, name, _SKIP[kind]))
            continue
        try:
            draft = _read(kind, element, name, number)
        except ValueError as error:
            problems.append(Problem(name, str(error)))
            continue
        if isinstance(draft, Skipped):
            parsed.skipped.append(draft)
            continue
        draft.category = category
        _read_tags(draft, element)
        parsed.drafts.append(draft)
    if problems:
        raise FormatError(problems)
    return parsed


def _unsafe(error: DefusedXmlException) -> str:
    kind = type(error).__name__
    if "DTD" in kind:
        return "the file declares a DTD, which may define entities; remove the <!DOCTYPE ...>"
    return "the file uses entities or external references; remove them"


def _path(text: str) -> str:
    text = re.sub(r"^\$[a-z]+\$/", "", text.strip())
    return re.sub(r"^top/", "", text)


def _text(element: ET.Element, path: str) -> str:
    found = element.find(f"{path}/text")
    return (found.text or "") if found is not None else ""


def _formatted(element: ET.Element, path: str) -> str:
    holder = element.find(path)
    if holder is None:
        return ""
    text = _text(element, path)
    if holder.get("format", "html") in ("html", "moodle_auto_format"):
        return html_to_text(text)
    return text.strip()


def _read(kind: str, element: ET.Element, name: str, number: int) -> Draft | Skipped:
    prompt = _formatted(element, "questiontext")
    explanation, quote = split_feedback(_formatted(element, "generalfeedback"))
    draft = Draft(number, name, "short", prompt, {}, explanation, quote)
    answers = [
        (_fraction(a), _formatted(a, ".") if a.find("text") is not None else "")
        for a in element.findall("answer")
    ]
    if kind == "multichoice":
        options = [text for _, text in answers]
        right = [text for fraction, text in answers if fraction > 0]
        single = (element.findtext("single") or "true").strip().lower() in ("true", "1")
        if single and right:
            best = max(answers)[1]
            draft.type, draft.raw = "mcq", {"options": options, "answer": best}
        else:
            draft.type, draft.raw = "multi", {"options": options, "answers": right}
    elif kind == "truefalse":
        right = [text.lower() for fraction, text in answers if fraction >= 1]
        if len(right) != 1 or right[0] not in ("true", "false"):
            raise ValueError("a true/false question needs one right answer, true or false")
        draft.type, draft.raw = "true_false", {"answer": right[0] == "true"}
    elif kind == "shortanswer":
        draft.raw = {"answers": [text for fraction, text in answers if fraction >= 1]}
    elif kind == "numerical":
        draft.type, draft.raw = "numeric", _numerical(element)
    elif kind == "matching":
        pairs = [
            {"left": _formatted(sub, "."), "right": _text(sub, "answer").strip()}
            for sub in element.findall("subquestion")
        ]
        draft.type, draft.raw = "matching", {"pairs": [p for p in pairs if p["left"]]}
    elif kind == "ordering":
        ordered = sorted(enumerate(answers), key=lambda entry: (entry[1][0], entry[0]))
        draft.type, draft.raw = "ordering", {"items": [text for _, (_, text) in ordered]}
    elif kind in ("cloze", "multianswer"):
        return _cloze(draft)
    else:
        return Skipped(number, name, f"a {kind or 'untyped'} question: no equivalent here")
    return draft


def _fraction(answer: ET.Element) -> float:
    raw = answer.get("fraction", "0")
    try:
        value = float(raw) / 100
    except ValueError:
        raise ValueError(f"fraction '{raw}' is not a number") from None
    return value


def _numerical(element: ET.Element) -> dict[str, Any]:
    best = None
    for answer in element.findall("answer"):
        fraction = _fraction(answer)
        try:
            value = float(_text(answer, ".").strip())
            tolerance = float((answer.findtext("tolerance") or "0").strip())
        except ValueError:
            raise ValueError("a numerical answer or tolerance is not a number") from None
        if best is None or fraction > best[0]:
            best = (fraction, value, abs(tolerance))
    if best is None or best[0] < 1:
        raise ValueError("a numerical question needs an answer with full marks")
    raw: dict[str, Any] = {"answer": _whole(best[1]), "tolerance": _whole(best[2])}
    for unit in element.findall("units/unit"):
        if (unit.findtext("multiplier") or "1").strip() in ("1", "1.0") and unit.findtext(
            "unit_name"
        ):
            raw["unit"] = unit.findtext("unit_name").strip()
            break
    return raw


def _whole(value: float) -> float | int:
    return int(value) if value.is_integer() else value


def _cloze(draft: Draft) -> Draft | Skipped:
    """Turn Moodle's embedded answers into `{{a|b}}` blanks; the first paragraph is the prompt."""
    choices = []

    def blank(match: re.Match) -> str:
        if match.group(2) not in _SHORT:
            choices.append(match.group(2))
            return ""
        accepted = []
        for entry in re.split(r"(?<!\\)~", match.group(3)):
            entry = re.split(r"(?<!\\)#", entry)[0]
            weight = re.match(r"^(=|%(-?\d+(?:\.\d+)?)%)", entry)
            if weight and (weight.group(1) == "=" or float(weight.group(2)) >= 100):
                accepted.append(re.sub(r"\\(.)", r"\1", entry[weight.end() :]).strip())
        if not accepted:
            raise ValueError("a cloze blank has no answer with full marks")
        return "{{" + "|".join(accepted) + "}}"

    text = _EMBEDDED.sub(blank, draft.prompt)
    if choices:
        reason = f"a cloze with {choices[0]} blanks: blanks here are typed, not chosen"
        return Skipped(draft.line, draft.name, reason)
    head, sep, rest = text.partition("\n\n")
    if sep and "{{" not in head:
        draft.prompt, text = head.strip(), rest.strip()
    else:
        draft.prompt = "Fill in the blanks."
    draft.type, draft.raw = "cloze", {"text": text}
    return draft


def _read_tags(draft: Draft, element: ET.Element) -> None:
    for tag in element.findall("tags/tag"):
        key, _, value = _text(tag, ".").strip().partition(":")
        if key == "kind":
            draft.kind = value
        elif key == "difficulty" and value.isdigit():
            draft.difficulty = int(value)
        elif key == "match" and draft.type == "short":
            draft.raw["match"] = value
