"""The boundary: what a request may carry, checked once before any view reads it.

Every string of a request (path segments, query string, form fields, a JSON body; keys as
well as values) must be text both databases store: no NUL or other control character
(tab and line breaks aside) and no lone surrogate. A JSON body must parse, nest at most
MAX_DEPTH deep and hold no NaN or Infinity. `check_request` enforces that for every
request; the API reads a JSON body with `json_object` and its declared model
(quiz/api/contract.py), pages read whole numbers from a form or query string with
`whole_number`. A failure is an `InputError`, answered 422 (400 for a body that is not
JSON) with the field named:
`{"error": {"status": 422, "message": "<field>: <what to send>", "field": "<field>"}}`.
"""

import json
import re
from collections.abc import Iterable, Mapping

from flask import Flask, g, request

from quiz.db import MAX_ID
from quiz.errors import error_response

LAST_MS = 253_402_300_799_999  # 9999-12-31 23:59:59.999 UTC in ms since 1970: the last time
# a datetime holds; a larger "ms since 1970" from a client is refused, not a 500
MAX_DEPTH = 32  # deeper JSON than any body of this API; far below the parser's recursion limit
# C0 and C1 control characters except tab, LF and CR; and UTF-16 surrogates, which only a
# JSON \ud800 escape can produce and which neither database can encode.
BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
TOO_DEEP = f"The JSON body nests deeper than {MAX_DEPTH} levels."
_UNPARSED = object()


class InputError(Exception):
    """Input the app refuses; `message` starts with the field's name, for a person."""

    def __init__(self, message: str, field: str | None = None, status: int = 422):
        super().__init__(message)
        self.field = field
        self.status = status


def text_problem(value: str) -> str | None:
    """Return what to send instead when the text holds a character the app refuses."""
    match = BAD_CHARACTER.search(value)
    if match is None:
        return None
    character = match.group()
    if "\ud800" <= character <= "\udfff":
        return "send valid Unicode text (it holds half of a UTF-16 surrogate pair)."
    return (
        f"remove the invisible control character U+{ord(character):04X} "
        "(tabs and line breaks are fine)."
    )


def _field_name(name: str) -> str:
    return BAD_CHARACTER.sub("", name) or "(unnamed field)"


def check_texts(pairs: Iterable[tuple[str, object]]) -> None:
    """Raise InputError for the first field whose name or string value is refused."""
    for name, value in pairs:
        problem = text_problem(name) or (text_problem(value) if isinstance(value, str) else None)
        if problem:
            field = _field_name(name)
            raise InputError(f"{field}: {problem}", field)


def _check_json(value: object) -> None:
    """Walk a parsed JSON body without recursion: depth, then every key and string."""
    stack: list[tuple[str, object, int]] = [("", value, 1)]
    while stack:
        path, item, depth = stack.pop()
        if isinstance(item, dict | list) and depth > MAX_DEPTH:
            raise InputError(TOO_DEEP, None, 400)
        if isinstance(item, str):
            check_texts([(path or "body", item)])
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{path}.{key}" if path else key
                check_texts([(child_path, None)])
                stack.append((child_path, child, depth + 1))
        elif isinstance(item, list):
            for index, child in enumerate(item):
                stack.append((f"{path}.{index}" if path else str(index), child, depth + 1))


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _parsed_json() -> object:
    """Return the request's JSON body, parsed and checked once per request."""
    cached = g.get("json_body", _UNPARSED)
    if cached is not _UNPARSED:
        return cached
    data = request.get_data(cache=True)
    try:
        body = json.loads(data, parse_constant=_no_constant)
    except RecursionError:
        raise InputError(TOO_DEEP, None, 400) from None
    except ValueError:  # also UnicodeDecodeError and integers of more than 4,300 digits
        raise InputError("The body is not valid JSON.", None, 400) from None
    _check_json(body)
    g.json_body = body
    return body


def json_object(hint: str) -> dict:
    """Return the request's JSON object body; `hint` says what to send when there is none."""
    body = _parsed_json() if request.is_json and request.get_data(cache=True) else None
    if not isinstance(body, dict):
        raise InputError(hint, None, 400)
    return body


def check_request() -> None:
    """Refuse a request carrying text the app cannot store, or an unreadable JSON body."""
    check_texts((request.view_args or {}).items())
    check_texts(request.args.items(multi=True))
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        check_texts(request.form.items(multi=True))
        if request.is_json and request.get_data(cache=True):
            _parsed_json()


def parse_whole(text: str) -> int | None:
    """Return the number that ASCII digits spell, or None (str.isdigit also takes "²")."""
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None


def whole_number(
    values: Mapping[str, str], name: str, default: int | None = None, low: int = 0, high=MAX_ID
) -> int | None:
    """Return a form's or query string's whole number from low to high, or the default."""
    raw = (values.get(name) or "").strip()
    if not raw:
        return default
    number = parse_whole(raw)
    if number is not None and low <= number <= high:
        return number
    raise InputError(f"{name}: use a whole number from {low:,} to {high:,}.", name)


def _refused(error: InputError):
    field = {"field": error.field} if error.field else {}
    return error_response(error.status, str(error), **field)


def init_app(app: Flask) -> None:
    """Check every request at the boundary (after the CSRF check) and answer refusals."""
    app.before_request(check_request)
    app.register_error_handler(InputError, _refused)
