"""The API's contract: read a request with its declared model, and record what each view answers.

A view declares its request model, its response model and every status it can answer with
`@operation(...)`; /api/v1/openapi.json is built from those declarations (quiz/api/openapi.py),
so the description and the checks cannot drift apart. A request is read with
`parse_body(Model, hint)` or `parse_query(Model)`: one `model_validate`, and a refusal answers
`{"error": {"status": 422, "message": "<field>: <what to send>", "field": "<field>"}}`,
the message taken from the model's `hints`, never pydantic's own text.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, ClassVar, TypeVar

from flask import request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from quiz.inputs import InputError, json_object

REQUIRED = "this field is required."
# Pydantic's error types for a value outside a field's fixed choices, and for an empty text.
CHOICE_ERRORS = {"literal_error", "enum"}
EMPTY_ERRORS = {"string_too_short"}


@dataclass(frozen=True)
class Hint:
    """What to send in a field, for a person; `choice` (with {value}) when a text is not one
    of the field's choices, `empty` when the text is empty."""

    text: str
    choice: str | None = None
    empty: str | None = None

    def message(self, error: dict) -> str:
        """Return the sentence for one of pydantic's errors on this field."""
        if self.choice and error["type"] in CHOICE_ERRORS and isinstance(error["input"], str):
            return self.choice.format(value=error["input"])
        if self.empty and error["type"] in EMPTY_ERRORS:
            return self.empty
        return self.text


class Request(BaseModel):
    """A request's fields: JSON types as sent ("5" is not a number), no field it does not declare.

    `hints` says, per field, what to send when the value is refused.
    """

    model_config = ConfigDict(strict=True, extra="forbid")
    hints: ClassVar[dict[str, Hint]] = {}


class Query(Request):
    """A query string's parameters; others it may carry (a cache buster) are ignored."""

    model_config = ConfigDict(extra="ignore")


class Response(BaseModel):
    """A response's fields, exactly: a key the model does not declare fails the contract test."""

    model_config = ConfigDict(extra="forbid")


Model = TypeVar("Model", bound=Request)


def _whole_float(value: object) -> object:
    return int(value) if type(value) is float and value.is_integer() else value


def integer(low: int, high: int, **field) -> type:
    """Return the type of a JSON integer from low to high: 2.0 is one too (JSON Schema says
    so); "2" and true are not."""
    return Annotated[int, Field(ge=low, le=high, **field), BeforeValidator(_whole_float)]


def refusal(model: type[Request], error: ValidationError) -> InputError:
    """Return the InputError that says, for a person, what is wrong with the first field."""
    errors = error.errors(include_url=False, include_context=False)
    unknown = sorted(str(e["loc"][0]) for e in errors if e["type"] == "extra_forbidden")
    if unknown:
        return InputError(f"Unknown field: {', '.join(unknown)}.", unknown[0])
    first = errors[0]
    name = str(first["loc"][0]) if first["loc"] else "body"
    field = model.model_fields.get(name)
    if first["type"] == "missing" or (
        field is not None and field.is_required() and first.get("input", 0) is None
    ):
        return InputError(f"{name}: {REQUIRED}", name)
    hint = model.hints.get(name)
    text = hint.message(first) if hint else "this value is not accepted."
    return InputError(f"{name}: {text}", name)


def parse_body(model: type[Model], hint: str) -> Model:
    """Return the request's JSON object body read with `model`; `hint` says what to send when
    the body is not an object."""
    try:
        return model.model_validate(json_object(hint))
    except ValidationError as error:
        raise refusal(model, error) from None


def parse_query(model: type[Query]) -> Query:
    """Return the query string read with `model` (the first value of each name)."""
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as error:
        raise refusal(model, error) from None


@dataclass(frozen=True)
class Operation:
    """What one view takes and answers, for the OpenAPI document."""

    summary: str
    body: type[Request] | None
    query: type[Query] | None
    ok: type[Response]
    status: int
    errors: tuple[int, ...]


def operation(
    ok: type[Response],
    *,
    body: type[Request] | None = None,
    query: type[Query] | None = None,
    status: int = 200,
    errors: tuple[int, ...] = (),
) -> Callable:
    """Declare a view's request model, response model and error statuses (401 and 503 are
    added: every endpoint needs a login, and any can lose its database)."""

    def declare(view: Callable) -> Callable:
        summary = (view.__doc__ or "").strip().splitlines()[0]
        statuses = tuple(sorted({*errors, 401, 503}))
        view.api_operation = Operation(summary, body, query, ok, status, statuses)
        return view

    return declare
