"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

Generated from the routes and what each view declares with `@operation` (quiz/api/contract.py):
the request and response models are the ones the views validate with, so the document cannot
say one thing while the code does another. Built once per app.
"""

from flask import current_app
from pydantic.json_schema import models_json_schema
from werkzeug.routing import IntegerConverter

from quiz.api import bp, schemas
from quiz.api.contract import Operation
from quiz.db import MAX_ID

REF = "#/components/schemas/{model}"
DESCRIPTION = (
    "Flashcards and quizzes on one source text. Log in through the site: the session cookie "
    "authenticates, and every write needs the CSRF token (the csrf_token of any form) in the "
    'X-CSRFToken header. Errors have one shape: {"error": {"status", "message", "field"?}}; '
    "a refused field is named in `field` and `message` starts with it. Any operation may answer "
    "503 with Retry-After when the database cannot be reached."
)
ERROR_WHY = {
    400: "The body is not a JSON object, nests too deep, or the CSRF token is missing.",
    401: "Not logged in.",
    404: "No such thing, or not yours.",
    409: "The state changed: reload and try again.",
    422: "A field was refused: `field` names it.",
    503: "The database cannot be reached; try again after Retry-After seconds.",
}


def _ref(model) -> dict:
    return {"$ref": REF.format(model=model.__name__)}


def _json(description: str, model) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(model)}}}


def _parameters(rule, op: Operation) -> list[dict]:
    params = []
    for name, converter in rule._converters.items():
        schema = {"type": "string"}
        if isinstance(converter, IntegerConverter):
            schema = {"type": "integer", "minimum": 0, "maximum": MAX_ID}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    if op.query is not None:
        full = op.query.model_json_schema(ref_template=REF)
        for name, schema in full["properties"].items():
            params.append(
                {
                    "name": name,
                    "in": "query",
                    "required": name in full.get("required", ()),
                    "schema": schema,
                }
            )
    return params


def _operation(rule, op: Operation) -> dict:
    doc = {
        "summary": op.summary,
        "operationId": rule.endpoint.removeprefix("api."),
        "responses": {
            str(op.status): _json("OK", op.ok),
            **{str(s): _json(ERROR_WHY[s], schemas.ErrorOut) for s in op.errors},
        },
    }
    if params := _parameters(rule, op):
        doc["parameters"] = params
    if op.body is not None:
        doc["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(op.body)}},
        }
    return doc


def _models(ops: list[Operation]) -> dict:
    requests = {op.body for op in ops if op.body} | {op.query for op in ops if op.query}
    responses = {op.ok for op in ops} | {schemas.ErrorOut}
    pairs = [(m, "validation") for m in sorted(requests, key=lambda m: m.__name__)]
    pairs += [(m, "serialization") for m in sorted(responses, key=lambda m: m.__name__)]
    _, top = models_json_schema(pairs, ref_template=REF)
    return top.get("$defs", {})


def _build(rules: list) -> dict:
    paths: dict[str, dict] = {}
    ops = []
    for rule, view in rules:
        op: Operation = view.api_operation
        ops.append(op)
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", f"{{{name}}}").replace(f"<{name}>", f"{{{name}}}")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(rule, op)
    return {
        "openapi": "3.1.0",
        "info": {"title": "quiz API", "version": "1", "description": DESCRIPTION},
        "paths": paths,
        "components": {"schemas": _models(ops)},
    }


def spec() -> dict:
    """Return the OpenAPI document of the current app's /api/v1 routes."""
    app = current_app
    if "quiz.openapi" not in app.extensions:
        rules = [
            (rule, app.view_functions[rule.endpoint])
            for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
            if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi"
        ]
        app.extensions["quiz.openapi"] = _build(rules)
    return app.extensions["quiz.openapi"]


@bp.get("/openapi.json")
def openapi():
    """Return the OpenAPI description of this API."""
    return spec()
