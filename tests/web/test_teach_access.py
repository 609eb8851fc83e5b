"""Who may reach each instructor page and each class object (the authorization matrix)."""

import pytest

from quiz.db import db
from quiz.models import Role, User
from quiz.services import authoring, classes
from tests.conftest import TOKEN_RE, make_source, make_user

ROLES = ("anonymous", "student", "enrolled", "other_instructor", "owner")


@pytest.fixture
def world(app):
    """An instructor's class with one enrolled student, an assignment, an attempt, a question."""
    owner = make_user(app, role=Role.INSTRUCTOR)
    other = make_user(app, role=Role.INSTRUCTOR)
    enrolled = make_user(app)
    student = make_user(app)
    ids = make_source(app, 6)
    with app.app_context():
        me = db.session.get(User, owner.id)
        classroom = classes.create_class(me, "Period 3")
        classes.join(db.session.get(User, enrolled.id), classroom.join_code)
        quiz = classes.create_assignment(
            me,
            classroom.id,
            "deck",
            classes.AssignmentSettings(title="Week 1"),
            question_ids=ids[:5],
        )
        attempt = classes.start_assignment(db.session.get(User, enrolled.id), quiz.id)
        from quiz.models import Topic

        topic = db.session.scalars(db.select(Topic)).first()
        question = authoring.save(
            me,
            authoring.Draft(
                topic_id=topic.id,
                kind="event",
                type="true_false",
                difficulty=1,
                prompt="The quote is a quote.",
                explanation="It says so itself.",
                quote="A quote.",
                answer_bool="true",
            ),
        )
    return {
        "users": {
            "student": student,
            "enrolled": enrolled,
            "other_instructor": other,
            "owner": owner,
        },
        "class": classroom.id,
        "quiz": quiz.id,
        "attempt": attempt.id,
        "student_id": enrolled.id,
        "question": question.id,
    }


def log_in(client, auth, world, role):
    if role == "anonymous":
        return
    auth.login(email=world["users"][role].email)


# (method, path template, form data, {role: expected status})
PAGES = [
    ("GET", "/teach/", None, {"other_instructor": 200, "owner": 200}),
    ("GET", "/teach/classes/{class}", None, {}),
    ("POST", "/teach/classes/{class}", {"action": "rotate"}, {"owner": 303}),
    ("GET", "/teach/classes/{class}/assignments/new", None, {}),
    (
        "POST",
        "/teach/classes/{class}/assignments/new",
        {
            "title": "Quiz 2",
            "mode": "rules",
            "count": "5",
            "grading_method": "highest",
            "review": "immediately",
            "late_policy": "closed",
            "attempts_allowed": "1",
        },
        {"owner": 303},
    ),
    ("GET", "/teach/assignments/{quiz}", None, {}),
    (
        "POST",
        "/teach/assignments/{quiz}",
        {
            "student": "{student_id}",
            "extra_minutes": "10",
            "time_factor": "1",
            "extra_attempts": "0",
        },
        {"owner": 303},
    ),
    ("GET", "/teach/assignments/{quiz}/analysis", None, {}),
    ("GET", "/teach/classes/{class}/gradebook", None, {}),
    ("GET", "/teach/classes/{class}/gradebook.csv", None, {}),
    ("GET", "/teach/classes/{class}/students/{student_id}", None, {}),
    ("GET", "/teach/classes/{class}/topics", None, {}),
    ("POST", "/teach/classes/{class}/students/{student_id}/remove", {}, {"owner": 303}),
    ("GET", "/teach/questions/", None, {"other_instructor": 200, "owner": 200}),
    ("GET", "/teach/questions/new", None, {"other_instructor": 200, "owner": 200}),
    ("GET", "/teach/questions/{question}/edit", None, {}),
]
DEFAULTS = {
    "anonymous": 302,
    "student": 403,
    "enrolled": 403,
    "other_instructor": 404,
    "owner": 200,
}

CASES = [
    pytest.param(
        method,
        path,
        data,
        role,
        expected.get(role, DEFAULTS[role]),
        id=f"{method} {path} as {role}",
    )
    for method, path, data, expected in PAGES
    for role in ROLES
]


@pytest.mark.parametrize(("method", "path", "data", "role", "status"), CASES)
def test_instructor_pages_answer_only_their_owner(
    client, auth, world, method, path, data, role, status
):
    log_in(client, auth, world, role)
    url = path.format(**world)
    if method == "GET":
        response = client.get(url)
    else:
        filled = {k: v.format(**world) for k, v in (data or {}).items()}
        response = client.post(url, data={**filled, "csrf_token": auth.token()})
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if status == 302:
        assert response.headers["Location"].startswith("/auth/login")


STUDENT_PAGES = [
    (
        "POST",
        "/assignments/{quiz}/start",
        {"student": 404, "enrolled": 303, "other_instructor": 404, "owner": 404},
    ),
    (
        "GET",
        "/attempts/{attempt}/q/1",
        {"student": 404, "enrolled": 200, "other_instructor": 404, "owner": 404},
    ),
    (
        "GET",
        "/api/v1/attempts/{attempt}",
        {"anonymous": 401, "student": 404, "enrolled": 200, "other_instructor": 404, "owner": 404},
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "role", "status"),
    [
        pytest.param(m, p, role, expected.get(role, 302), id=f"{m} {p} as {role}")
        for m, p, expected in STUDENT_PAGES
        for role in ROLES
    ],
)
def test_assignments_and_attempts_are_reachable_only_by_their_student(
    client, auth, world, method, path, role, status
):
    log_in(client, auth, world, role)
    url = path.format(**world)
    response = (
        client.get(url) if method == "GET" else client.post(url, data={"csrf_token": auth.token()})
    )
    assert response.status_code == status


def test_ids_of_other_instructors_objects_look_like_missing_ones(client, auth, world):
    auth.login(email=world["users"]["other_instructor"].email)
    client.get("/")  # shows (and so clears) the login message
    taken = client.get(f"/teach/classes/{world['class']}")
    missing = client.get("/teach/classes/999999")
    assert taken.status_code == missing.status_code == 404
    # The same page but for the CSRF token in its forms, which is signed with a timestamp.
    assert TOKEN_RE.sub("", taken.get_data(as_text=True)) == TOKEN_RE.sub(
        "", missing.get_data(as_text=True)
    )
