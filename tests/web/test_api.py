import pytest
from jsonschema_rs import Draft202012Validator

from quiz.api.schemas import ReviewBody
from quiz.models import Role
from tests.conftest import make_source


def test_me_needs_a_login(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error"]["message"] == "Log in first."


def test_json_write_with_csrf_header_is_applied(auth, client):
    auth.login()
    response = client.patch(
        "/api/v1/me", json={"timezone": "Asia/Shanghai"}, headers={"X-CSRFToken": auth.token()}
    )
    assert response.status_code == 200
    assert response.get_json()["timezone"] == "Asia/Shanghai"


def test_json_write_without_csrf_header_is_refused(auth, client):
    auth.login()
    response = client.patch("/api/v1/me", json={"timezone": "Asia/Shanghai"})
    assert response.status_code == 400
    assert "Your form expired" in response.get_json()["error"]["message"]
    assert client.get("/api/v1/me").get_json()["timezone"] == "UTC"


def test_role_cannot_be_raised_through_the_api(auth, client):
    auth.login()
    response = client.patch(
        "/api/v1/me", json={"role": Role.ADMIN.value}, headers={"X-CSRFToken": auth.token()}
    )
    assert response.status_code == 422
    assert response.get_json()["error"] == {
        "status": 422,
        "message": "Unknown field: role.",
        "field": "role",
    }
    assert client.get("/api/v1/me").get_json()["role"] == "student"


def test_bad_time_zone_is_refused_with_the_field_named(auth, client):
    auth.login()
    response = client.patch(
        "/api/v1/me", json={"timezone": "Mars/Olympus"}, headers={"X-CSRFToken": auth.token()}
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "timezone"


def test_body_that_is_not_an_object_is_refused(auth, client):
    auth.login()
    response = client.patch(
        "/api/v1/me",
        data="[1, 2",
        content_type="application/json",
        headers={"X-CSRFToken": auth.token()},
    )
    assert response.status_code == 400


def test_openapi_document_describes_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    documented = {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi":
            path = rule.rule.replace("<int:", "{").replace(">", "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes.add((method, path))
    assert routes == documented


def test_numbers_too_large_for_the_database_are_refused_not_crashed(auth, client):
    auth.login()
    headers = {"X-CSRFToken": auth.token()}
    body = {"question_id": 10**30, "rating": 3, "client_review_id": "x"}
    response = client.post("/api/v1/study/reviews", json=body, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "question_id"


# Finding 11: the document and the API agree on what they refuse (the five drifts that
# schemathesis found), and every status an endpoint answers is documented.

DRIFTS = [
    ("post", "/api/v1/attempts", {"source": ""}, "source"),
    ("patch", "/api/v1/me", {"timezone": ""}, "timezone"),
    ("put", "/api/v1/attempts/1/answers/1", {"sequence": -1}, "sequence"),
    ("post", "/api/v1/attempts", {"source": "deck", "types": [""]}, "types"),
    (
        "post",
        "/api/v1/study/reviews",
        {"question_id": 1, "rating": 3, "client_review_id": ""},
        "client_review_id",
    ),
]


def body_schema(spec: dict, path: str, method: str) -> Draft202012Validator:
    """Return a validator of the request body the document gives an operation."""
    template = path.replace("/1/answers/1", "/{attempt_id}/answers/{question_id}")
    ref = spec["paths"][template][method]["requestBody"]["content"]["application/json"]
    return Draft202012Validator({**spec, **ref["schema"]})


@pytest.mark.parametrize(("method", "path", "body", "field"), DRIFTS)
def test_what_the_document_forbids_the_api_refuses(auth, client, method, path, body, field):
    auth.login()
    spec = client.get("/api/v1/openapi.json").get_json()
    assert not body_schema(spec, path, method).is_valid(body)
    send = getattr(client, method)
    response = send(path, json=body, headers={"X-CSRFToken": auth.token()})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["field"] == field
    assert error["message"].startswith(f"{field}: ")


def test_the_next_card_of_an_unknown_deck_is_a_documented_404(auth, client):
    auth.login()
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "404" in spec["paths"]["/api/v1/study/next"]["get"]["responses"]
    response = client.get("/api/v1/study/next?source=no-such-deck")
    assert response.status_code == 404
    assert response.get_json() == {"error": {"status": 404, "message": "There is no such deck."}}


def test_the_document_comes_from_the_models_the_views_validate_with(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    body = spec["paths"]["/api/v1/study/reviews"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ReviewBody"
    }
    assert spec["components"]["schemas"]["ReviewBody"] == ReviewBody.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )


def test_a_whole_number_written_with_a_decimal_point_is_a_number(app, auth, client):
    auth.login()
    make_source(app)
    card = client.get("/api/v1/study/next?source=deck&_=1700000000").get_json()["card"]
    body = {"question_id": card["question_id"], "rating": 3.0, "client_review_id": "r1"}
    response = client.post(
        "/api/v1/study/reviews", json=body, headers={"X-CSRFToken": auth.token()}
    )
    assert response.status_code == 200
    assert response.get_json()["review"]["rating"] == 3
